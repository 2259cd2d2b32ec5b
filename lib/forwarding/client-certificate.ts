import type { Request, RequestHandler, Response } from 'express';
import type { ClientCertificate } from '../certificate';
import {
  DIAGNOSTICS_CHANNELS,
  decisionClock,
  publish,
  publishCache,
  publishDecision,
} from '../diagnostics';
import {
  ChainTooLongError,
  CertificateUntrustedError,
  HeaderDuplicateError,
  HeaderMalformedError,
  HeaderTooLargeError,
  isMtlsError,
  MisconfiguredError,
} from '../errors';
import { LruCache } from '../internal/lru-cache';
import { markCertificateProcessed } from '../internal/request-state';
import { buildCertificate } from './build-certificate';
import {
  compileClientCertificateOptions,
  type ClientCertificateOptions,
  type CompiledOptions,
} from './client-certificate-options';
import { ForwardedCertificateError } from './decode-error';
import { headerLines } from './header-lines';
import { createTlsCertificateReader, isTlsSocket } from './tls-certificate';
import { normalizePeerAddress, type TrustProxyFunction } from './trust-proxy';
import { warn } from './warn';

/**
 * A parsed certificate, keyed by the leaf header's raw value; the chain header's raw value must
 * match too (keys are never concatenated: hashing a joined string costs more than the parse).
 */
interface CacheEntry {
  readonly chainValue: string;
  readonly certificate: ClientCertificate;
}

/** Whether the trust decision came from an explicit configuration or the app's setting. */
interface PeerTrust {
  readonly trusted: boolean;
  /** Nothing at all is trusted (no option, and the app's `trust proxy` is off). */
  readonly nothingTrusted: boolean;
}

const CAUGHT_AS_INVALID = new Set<string>([
  'ERR_MTLS_HEADER_MALFORMED',
  'ERR_MTLS_HEADER_DUPLICATE',
  'ERR_MTLS_HEADER_TOO_LARGE',
  'ERR_MTLS_CHAIN_TOO_LONG',
]);

/** The Express app's `trust proxy` setting and its compiled function (none without an app). */
function appTrust(req: Request): { fn: unknown; setting: unknown } {
  const app = req.app as Request['app'] | undefined;
  return app === undefined
    ? { fn: undefined, setting: undefined }
    : { fn: app.get('trust proxy fn'), setting: app.get('trust proxy') };
}

/**
 * Reads the client certificate into `req.clientCert`: from a header set by a trusted
 * TLS-terminating proxy (`format`), or from Node's own TLS socket (`source: 'tls'`). Leaves
 * `req.clientCert` undefined when no certificate was presented; it never authenticates anyone
 * by itself (mount `requireClientCertificate()` or `requireCertificateBoundToken()` after it).
 *
 * Trust: the header is honoured only when the immediate TCP peer (`req.socket.remoteAddress`,
 * never `X-Forwarded-For`) is a trusted proxy (`trustProxy`, default: the app's `trust proxy`
 * setting); from anyone else it is ignored without being parsed. With nothing trusted, no
 * header is ever read and one warning (`MTLS_NO_TRUSTED_PROXY`) is emitted at the first request.
 *
 * Failures go to `next(err)`: `400 ERR_MTLS_HEADER_MALFORMED` (with a precise `reason`),
 * `400 ERR_MTLS_HEADER_DUPLICATE`, `431 ERR_MTLS_HEADER_TOO_LARGE`, `400 ERR_MTLS_CHAIN_TOO_LONG`
 * — or, with `onInvalid: 'ignore'`, no certificate. Diagnostics events: `certificateAccepted`,
 * `certificateIgnored`, `certificateRejected`.
 *
 * @example
 * app.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
 *
 * @throws {TypeError} at creation, for invalid options.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-4 | RFC 9440 §4} (trusted proxies only)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-6.5 | RFC 8705 §6.5}
 */
export function clientCertificate(options?: ClientCertificateOptions): RequestHandler {
  const config = compileClientCertificateOptions(options);
  const cache = new LruCache<string, CacheEntry>(config.cacheSize);
  /** Whether the last header lookup hit the cache (the middleware is synchronous). */
  let lastLookupHit: boolean | undefined;
  const readTls = createTlsCertificateReader(config.maxChainLength);
  const headerLabel =
    config.header === undefined ? 'forwarded certificate' : `${config.header} header`;
  const trustBySocket = new WeakMap<object, { fn: unknown; trusted: boolean }>();
  let warnedNothingTrusted = false;
  let warnedPermissive = false;
  let warnedNotTls = false;

  if (config.trustAnyProxy) {
    warn(
      'MTLS_DANGEROUSLY_TRUST_ANY_PROXY',
      `clientCertificate(): dangerouslyTrustAnyProxy is on: the ${headerLabel} is believed ` +
        `from every peer. Anyone who can reach this app directly can claim any certificate. ` +
        `Prefer trustProxy with your proxy's address.`,
    );
  }

  /** A connection's peer never changes: each trust function is asked once per socket. */
  function trustedSocket(req: Request, fn: unknown, peer: string | undefined): boolean {
    const cached = trustBySocket.get(req.socket);
    if (cached !== undefined && cached.fn === fn) return cached.trusted;
    const answer: unknown = (fn as TrustProxyFunction)(peer, 0);
    const trusted = answer === true;
    trustBySocket.set(req.socket, { fn, trusted });
    return trusted;
  }

  function peerTrust(req: Request, peer: string | undefined): PeerTrust {
    if (config.trustAnyProxy) return { trusted: true, nothingTrusted: false };
    if (config.trust !== undefined) {
      return { trusted: trustedSocket(req, config.trust, peer), nothingTrusted: false };
    }
    const { fn, setting } = appTrust(req);
    if (setting === true && !warnedPermissive) {
      warnedPermissive = true;
      warn(
        'MTLS_PERMISSIVE_TRUST_PROXY',
        `clientCertificate(): the app's 'trust proxy' setting is true, so the ${headerLabel} ` +
          `is believed from every peer. Set 'trust proxy' (or the trustProxy option) to ` +
          `your proxy's address.`,
      );
    }
    if (typeof fn !== 'function' || setting === false || setting === 0) {
      if (!warnedNothingTrusted) {
        warnedNothingTrusted = true;
        warn(
          'MTLS_NO_TRUSTED_PROXY',
          `clientCertificate(): no trusted proxy is configured (neither the trustProxy option ` +
            `nor the app's 'trust proxy' setting), so the ${headerLabel} is never read ` +
            `and req.clientCert stays undefined. Set trustProxy to your proxy's address (for ` +
            `example 'loopback' or '10.0.0.0/8').`,
        );
      }
      return { trusted: false, nothingTrusted: true };
    }
    return { trusted: trustedSocket(req, fn, peer), nothingTrusted: false };
  }

  function fromTls(req: Request): ClientCertificate | undefined {
    if (isTlsSocket(req.socket)) {
      try {
        return readTls(req.socket);
      } catch (error) {
        throw toMtlsError(error, 'TLS peer certificate');
      }
    }
    if (config.source === 'tls' && !warnedNotTls) {
      warnedNotTls = true;
      warn(
        'MTLS_NOT_TLS',
        `clientCertificate(): source is 'tls' but a request arrived without TLS, so there is no ` +
          `client certificate. Behind a TLS-terminating proxy, set "format" (and "trustProxy").`,
      );
    }
    return undefined;
  }

  function singleLine(req: Request, name: string): string | undefined {
    const lines = headerLines(req, name);
    if (lines !== undefined && lines.length > 1) {
      throw new HeaderDuplicateError({
        message:
          `the ${name} header appears ${lines.length} times; the proxy must overwrite (not ` +
          `append to) it`,
      });
    }
    return lines?.[0];
  }

  /** Whether the proxy's verdict header (when one is required) says it verified the certificate. */
  function verified(req: Request, peer: string | undefined): boolean {
    const verification = config.verification;
    if (verification === undefined) return true;
    const value = singleLine(req, verification.header);
    if (value !== undefined && verification.accepts(value)) return true;
    if (verification.onFailure === 'error') {
      throw new CertificateUntrustedError('rejected', {
        message: `the proxy did not verify the client certificate (${verification.header})`,
      });
    }
    publish(DIAGNOSTICS_CHANNELS.certificateIgnored, () => ({
      reason: 'proxy_not_verified',
      peer,
      header: config.header,
      format: config.formatName,
    }));
    return false;
  }

  function fromCustom(req: Request, peer: string | undefined): ClientCertificate | undefined {
    let result: unknown;
    try {
      result = (config.custom as NonNullable<CompiledOptions['custom']>)(req);
    } catch (error) {
      if (isMtlsError(error)) throw error;
      throw new ForwardedCertificateError('custom_format', 'the custom format function threw', {
        cause: error,
      });
    }
    if (result === undefined) return undefined;
    if (!Array.isArray(result) || !result.every((item) => item instanceof Uint8Array)) {
      throw new MisconfiguredError(
        'clientCertificate(): the custom format function must return an array of DER Buffers ' +
          '(leaf first) or undefined',
      );
    }
    const ders = result;
    if (ders.length === 0 || !verified(req, peer)) return undefined;
    if (ders.length > config.limits.maxCertificates) {
      throw new ForwardedCertificateError('chain_too_long', 'too many certificates');
    }
    return buildCertificate(
      ders.map((der) => (Buffer.isBuffer(der) ? der : Buffer.from(der))),
      config.headerSource,
      config.maxChainLength,
    );
  }

  function fromHeader(req: Request, peer: string | undefined): ClientCertificate | undefined {
    const codec = config.codec;
    if (codec === undefined) return fromCustom(req, peer);
    const header = config.header as string;
    const value = singleLine(req, header) ?? '';
    let chainValue = '';
    if (config.chainHeader !== undefined) {
      const lines =
        config.formatName === 'rfc9440'
          ? headerLines(req, config.chainHeader)
          : [singleLine(req, config.chainHeader) ?? ''];
      chainValue = lines === undefined ? '' : lines.filter((line) => line !== '').join(', ');
    }
    if (value === '' || codec.absentValues?.includes(value) === true || isPlaceholder(value)) {
      if (chainValue !== '') {
        throw new ForwardedCertificateError(
          'chain_without_leaf',
          `${config.chainHeader as string} is present without ${header}`,
        );
      }
      return undefined;
    }
    const size = value.length + chainValue.length;
    if (size > config.maxHeaderBytes) {
      throw new HeaderTooLargeError({
        message:
          `the certificate header(s) hold ${size} bytes, more than maxHeaderBytes ` +
          `(${config.maxHeaderBytes}); raise maxHeaderBytes (and Node's --max-http-header-size) ` +
          `for long chains`,
      });
    }
    if (!verified(req, peer)) return undefined;
    const cached = cache.get(value);
    lastLookupHit = cached?.chainValue === chainValue;
    publishCache('certificate', lastLookupHit);
    if (cached?.chainValue === chainValue) return cached.certificate;
    const ders = codec.decode(value, config.limits);
    if (ders === undefined) return undefined;
    if (chainValue !== '' && codec.decodeChain !== undefined) {
      ders.push(...codec.decodeChain(chainValue, config.limits));
    }
    const certificate = buildCertificate(ders, config.headerSource, config.maxChainLength);
    cache.set(value, { chainValue, certificate });
    return certificate;
  }

  function resolve(req: Request, res: Response): ClientCertificate | undefined {
    if (config.source === 'tls') return fromTls(req);
    const peer = normalizePeerAddress(req.socket.remoteAddress);
    const { trusted, nothingTrusted } = peerTrust(req, peer);
    if (!trusted) {
      if (config.header !== undefined && req.headers[config.header] !== undefined) {
        publish(DIAGNOSTICS_CHANNELS.certificateIgnored, () => ({
          reason: nothingTrusted ? 'no_trusted_proxy' : 'untrusted_peer',
          peer,
          header: config.header,
          format: config.formatName,
        }));
      }
      return config.source === 'auto' ? fromTls(req) : undefined;
    }
    if (config.vary !== undefined) addVary(res, config.vary);
    return fromHeader(req, peer);
  }

  function toMtlsError(error: unknown, label: string): unknown {
    if (!(error instanceof ForwardedCertificateError)) return error;
    if (error.reason === 'chain_too_long') {
      return new ChainTooLongError({ message: `${label}: ${error.message}` });
    }
    return new HeaderMalformedError({
      message: `${label}: ${error.message}`,
      reason: error.reason,
      cause: error.cause,
    });
  }

  return function clientCertificateMiddleware(req, res, next): void {
    const started = decisionClock();
    markCertificateProcessed(req);
    req.clientCert = undefined;
    lastLookupHit = undefined;
    let certificate: ClientCertificate | undefined;
    try {
      certificate = resolve(req, res);
    } catch (caught) {
      const error = toMtlsError(caught, headerLabel);
      if (!isMtlsError(error)) {
        next(error);
        return;
      }
      const ignore = config.onInvalid === 'ignore' && CAUGHT_AS_INVALID.has(error.code);
      publishDecision('clientCertificate', req, started, {
        error,
        warm: lastLookupHit,
        outcome: ignore ? 'skipped' : undefined,
      });
      publish(DIAGNOSTICS_CHANNELS.certificateRejected, () => ({
        code: error.code,
        reason: error.reason,
        peer: normalizePeerAddress(req.socket.remoteAddress),
        header: config.header,
        format: config.formatName,
        action: ignore ? 'ignore' : 'error',
      }));
      if (ignore) next();
      else next(error);
      return;
    }
    if (certificate !== undefined) {
      req.clientCert = certificate;
      publishDecision('clientCertificate', req, started, { warm: lastLookupHit });
      publish(DIAGNOSTICS_CHANNELS.certificateAccepted, () => ({
        thumbprint: certificate.thumbprint,
        source: certificate.source,
        chainLength: certificate.chain.length,
        peer: normalizePeerAddress(req.socket.remoteAddress),
      }));
    }
    next();
  };
}

/** Adds `fields` to `Vary`: a plain set when there is none yet (the common case), else merged. */
function addVary(res: Response, fields: string): void {
  if (res.getHeader('Vary') === undefined) res.setHeader('Vary', fields);
  else res.vary(fields);
}

const PLACEHOLDER = /^\{[a-z0-9_.]+\}$/;

/** An unreplaced proxy placeholder (Caddy 2.6 sends `{http.request.tls.client.…}` as is). */
function isPlaceholder(value: string): boolean {
  return value.charCodeAt(0) === 0x7b && PLACEHOLDER.test(value);
}
