import type { Request, RequestHandler, Response } from 'express';
import { startDebugOutput } from '../debug';
import { escapeUntrusted } from '../internal/sanitize';
import type { ClientCertificate } from '../certificate';
import {
  DIAGNOSTICS_CHANNELS,
  decisionClock,
  publish,
  publishCache,
  publishDecision,
} from '../diagnostics';
import {
  CertificateUntrustedError,
  HeaderDuplicateError,
  HeaderTooLargeError,
  isMtlsError,
  MisconfiguredError,
} from '../errors';
import { toMtlsError } from '../error-mapping';
import { LruCache } from '../internal/lru-cache';
import { markCertificateProcessed } from '../internal/request-state';
import { buildCertificate } from './build-certificate';
import {
  compileClientCertificateOptions,
  type ClientCertificateOptions,
  type CompiledOptions,
} from './client-certificate-options';
import { ForwardedCertificateError } from './decode-error';
import { detectFormat, otherFormatOf } from './detect-format';
import { FORMATS, type BuiltInFormat } from './formats';
import type { FormatCodec } from './formats/codec';
import { headerLines } from '../internal/header-lines';
import { createTlsCertificateReader, isTlsSocket } from './tls-certificate';
import {
  normalizePeerAddress,
  resolveTrust,
  type TrustProxyFunction,
  type UntrustedPeerReason,
} from './trust-proxy';
import { warnOnce } from '../warnings';

/**
 * A parsed certificate, keyed by the leaf header's raw value; the chain header's raw value must
 * match too (keys are never concatenated: hashing a joined string costs more than the parse).
 */
interface CacheEntry {
  readonly chainValue: string;
  readonly certificate: ClientCertificate;
}

/** Why a request has no certificate (the `certificateAbsent` event's `reason`). */
type AbsentReason = 'no_header' | 'no_certificate' | 'no_tls_certificate' | 'not_tls';

/** Certificate headers that proxies send, to recognise one that arrives instead of ours. */
const OTHER_HEADERS: readonly string[] = [
  ...new Set([...Object.values(FORMATS).map((codec) => codec.header), 'x-arr-clientcert']),
];

const CAUGHT_AS_INVALID = new Set<string>([
  'ERR_MTLS_HEADER_MALFORMED',
  'ERR_MTLS_HEADER_DUPLICATE',
  'ERR_MTLS_HEADER_TOO_LARGE',
  'ERR_MTLS_CHAIN_TOO_LONG',
]);

/** The Express app's `trust proxy` setting and its compiled function (none without an app). */
function appTrust(req: Request): { fn: unknown; setting: unknown } | undefined {
  const app = req.app as Request['app'] | undefined;
  return app === undefined
    ? undefined
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
 * setting, unless that trusts every peer: `true`, a hop count, or a list or function that trusts
 * a whole address family); from anyone else it is ignored without being parsed. With nothing
 * trusted, no header is ever read and one warning (`MTLS_NO_TRUSTED_PROXY`) is emitted at the
 * first request; with a setting or `trustProxy` function that trusts every peer, likewise
 * (`MTLS_TRUST_PROXY_TOO_BROAD`).
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
  startDebugOutput();
  const config = compileClientCertificateOptions(options);
  const cache = new LruCache<string, CacheEntry>(config.cacheSize);
  /** Whether the last header lookup hit the cache (the middleware is synchronous). */
  let lastLookupHit: boolean | undefined;
  const readTls = createTlsCertificateReader(config.maxChainLength);
  const headerLabel =
    config.header === undefined ? 'forwarded certificate' : `${config.header} header`;
  const trustBySocket = new WeakMap<object, { fn: unknown; trusted: boolean }>();
  const trustSettingName =
    config.trust === undefined ? "the app's 'trust proxy' setting (or trustProxy)" : 'trustProxy';

  if (config.trustAnyProxy) {
    warnOnce(
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

  /** Whether the peer may set the header, or why not (warning once about a misconfiguration). */
  function peerTrust(req: Request, peer: string | undefined): UntrustedPeerReason | undefined {
    const trust = resolveTrust(config, appTrust(req));
    if (trust.kind === 'any') return undefined;
    if (trust.kind === 'function') {
      return trustedSocket(req, trust.fn, peer) ? undefined : 'untrusted_peer';
    }
    if (trust.reason === 'trust_proxy_too_broad') {
      const setting =
        config.trust === undefined
          ? `the app's 'trust proxy' setting (${String(appTrust(req)?.setting)})`
          : 'the trustProxy function';
      warnOnce(
        'MTLS_TRUST_PROXY_TOO_BROAD',
        `clientCertificate(): ${setting} ` +
          `trusts every peer, which is no reason to believe a certificate header: the ` +
          `${headerLabel} is ignored and req.clientCert stays undefined. Set the trustProxy ` +
          `option to your proxy's address (for example 'loopback' or '10.0.0.2'); to trust ` +
          `every peer on purpose, use dangerouslyTrustAnyProxy: true.`,
      );
    } else {
      warnOnce(
        'MTLS_NO_TRUSTED_PROXY',
        `clientCertificate(): no trusted proxy is configured (neither the trustProxy option ` +
          `nor the app's 'trust proxy' setting), so the ${headerLabel} is never read ` +
          `and req.clientCert stays undefined. Set trustProxy to your proxy's address (for ` +
          `example 'loopback' or '10.0.0.0/8').`,
      );
    }
    return trust.reason;
  }

  function absent(
    req: Request,
    reason: AbsentReason,
    extra?: Record<string, unknown>,
  ): ClientCertificate | undefined {
    publish(DIAGNOSTICS_CHANNELS.certificateAbsent, () => ({
      reason,
      peer: normalizePeerAddress(req.socket.remoteAddress),
      header: config.header,
      format: config.formatName,
      ...extra,
    }));
    return undefined;
  }

  function fromTls(req: Request): ClientCertificate | undefined {
    if (isTlsSocket(req.socket)) {
      let certificate: ClientCertificate | undefined;
      try {
        certificate = readTls(req.socket);
      } catch (error) {
        throw toMtlsError(error, { site: 'certificate_source', label: 'TLS peer certificate' });
      }
      return certificate ?? absent(req, 'no_tls_certificate');
    }
    if (config.source === 'tls') {
      warnOnce(
        'MTLS_NOT_TLS',
        `clientCertificate(): source is 'tls' but a request arrived without TLS, so there is no ` +
          `client certificate. Behind a TLS-terminating proxy, set "format" (and "trustProxy").`,
      );
    }
    return absent(req, 'not_tls');
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
    if (result === undefined) return absent(req, 'no_certificate');
    if (!Array.isArray(result) || !result.every((item) => item instanceof Uint8Array)) {
      throw new MisconfiguredError(
        'clientCertificate(): the custom format function must return an array of DER Buffers ' +
          '(leaf first) or undefined',
      );
    }
    const ders = result;
    if (ders.length === 0) return absent(req, 'no_certificate');
    if (!verified(req, peer)) return undefined;
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
      return req.headers[header] === undefined ? missingHeader(req) : absent(req, 'no_certificate');
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
    const ders = decodeOrExplain(codec, value);
    if (ders === undefined) return absent(req, 'no_certificate');
    if (chainValue !== '' && codec.decodeChain !== undefined) {
      ders.push(...codec.decodeChain(chainValue, config.limits));
    }
    const certificate = buildCertificate(ders, config.headerSource, config.maxChainLength);
    cache.set(value, { chainValue, certificate });
    return certificate;
  }

  /**
   * The configured header is absent: no certificate. When another known certificate header did
   * arrive, says which format and header would read it (once per process; on every debug line).
   */
  function missingHeader(req: Request): ClientCertificate | undefined {
    const other = OTHER_HEADERS.find(
      (name) =>
        name !== config.header && name !== config.chainHeader && req.headers[name] !== undefined,
    );
    if (other === undefined) return absent(req, 'no_header');
    const value = req.headers[other];
    const looksLike = typeof value === 'string' ? detectFormat(value) : undefined;
    const fix =
      looksLike === undefined
        ? `header: '${other}'`
        : FORMATS[looksLike].header === other
          ? `format: '${looksLike}'`
          : `format: '${looksLike}', header: '${other}'`;
    warnOnce(
      'MTLS_WRONG_CERTIFICATE_HEADER',
      `clientCertificate(): the proxy never sends the ${headerLabel} (format ` +
        `'${String(config.formatName)}'), but the ${other} header arrives` +
        `${looksLike === undefined ? '' : ` that looks like format '${looksLike}'`}: use ${fix}.`,
    );
    return absent(req, 'no_header', { otherHeader: other, suggestion: fix });
  }

  /** Decodes the leaf header; a failure says which other format would read the value. */
  function decodeOrExplain(codec: FormatCodec, value: string): Buffer[] | undefined {
    try {
      return codec.decode(value, config.limits);
    } catch (error) {
      if (!(error instanceof ForwardedCertificateError)) throw error;
      const other = otherFormatOf(value, config.formatName as BuiltInFormat, config.limits);
      if (other === undefined) throw error;
      const fix = `the value decodes as format '${other}': use format: '${other}'`;
      warnOnce(
        'MTLS_FORMAT_MISMATCH',
        `clientCertificate(): the ${headerLabel} does not decode as format ` +
          `'${String(config.formatName)}' (${error.reason}), but ${fix}.`,
      );
      throw new ForwardedCertificateError(error.reason, `${error.message}; ${fix}`, {
        cause: error,
      });
    }
  }

  function resolve(req: Request, res: Response): ClientCertificate | undefined {
    if (config.source === 'tls') return fromTls(req);
    const peer = normalizePeerAddress(req.socket.remoteAddress);
    const untrusted = peerTrust(req, peer);
    if (untrusted !== undefined) {
      if (config.header !== undefined && req.headers[config.header] !== undefined) {
        if (untrusted === 'untrusted_peer') {
          warnOnce(
            'MTLS_UNTRUSTED_PEER',
            `clientCertificate(): the ${headerLabel} arrived from ${escapeUntrusted(peer ?? 'a Unix socket')}, which ` +
              `is not a trusted proxy, so it was ignored and req.clientCert stays undefined. If ` +
              `that peer is your proxy, add its address to ${trustSettingName}; if it is not, ` +
              `someone is sending certificate headers straight to the app.`,
            headerLabel,
          );
        }
        publish(DIAGNOSTICS_CHANNELS.certificateIgnored, () => ({
          reason: untrusted,
          peer,
          header: config.header,
          format: config.formatName,
        }));
      }
      if (config.source === 'auto') return fromTls(req);
      return req.headers[config.header ?? ''] === undefined
        ? absent(req, 'no_header', { trusted: false })
        : undefined;
    }
    if (config.vary !== undefined) addVary(res, config.vary);
    return fromHeader(req, peer);
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
      const error = toMtlsError(caught, { site: 'certificate_source', label: headerLabel });
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
        message: error.message,
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
