import type { IncomingHttpHeaders } from 'node:http';
import type { ClientCertificate } from '../certificate';
import {
  CertificateUntrustedError,
  HeaderDuplicateError,
  HeaderTooLargeError,
  isMtlsError,
  MisconfiguredError,
} from '../errors';
import { toMtlsError } from '../error-mapping';
import { accept, reject, type Decision } from '../decision';
import { HeaderCache } from '../internal/header-cache';
import { escapeUntrusted } from '../internal/sanitize';
import type { WarningCode } from '../warnings';
import { buildCertificate } from './build-certificate';
import type { CompiledOptions } from './client-certificate-options';
import { ForwardedCertificateError } from './decode-error';
import { detectFormat, otherFormatOf } from './detect-format';
import { FORMATS, type BuiltInFormat } from './formats';
import type { FormatCodec } from './formats/codec';
import { headerLines } from '../internal/header-lines';
import { createTlsCertificateReader, isTlsSocket } from './tls-certificate';
import { resolveTrust, type TrustProxyFunction, type UntrustedPeerReason } from './trust-proxy';

/** What the decision reads from one request: plain values, never `req` itself. */
export interface ForwardingRequest {
  /** The immediate peer's normalised address (`undefined` for a Unix socket). */
  readonly peer: string | undefined;
  /** The connection: trust answers and TLS certificates are kept per connection. */
  readonly socket: object;
  /** The Express app's `trust proxy` setting and compiled function (`undefined`: no app). */
  readonly app: { readonly setting: unknown; readonly fn: unknown } | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  /** Calls the custom format function on the request (custom formats only). */
  readonly custom: () => unknown;
}

/** A misconfiguration warning for the adapter to emit once (`key`: per what, default message). */
export interface ForwardingWarning {
  readonly code: WarningCode;
  readonly message: string;
  readonly key?: string | undefined;
}

/** A diagnostics event for the adapter to publish. */
export interface ForwardingEvent {
  readonly channel: 'certificateAbsent' | 'certificateIgnored';
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The decision's answer, with what the adapter reports and sets on the response. */
export interface ForwardingOutcome {
  /** The certificate, `undefined` when there is none to believe, or the error for `next(err)`. */
  readonly result: Decision<ClientCertificate | undefined>;
  readonly warnings: readonly ForwardingWarning[];
  readonly events: readonly ForwardingEvent[];
  /** The `Vary` fields to add (the certificate headers were read), or `undefined`. */
  readonly vary: string | undefined;
  /** Whether the parsed-certificate cache answered (`undefined`: not asked). */
  readonly warm: boolean | undefined;
}

/** Why a request has no certificate (the `certificateAbsent` event's `reason`). */
type AbsentReason = 'no_header' | 'no_certificate' | 'no_tls_certificate' | 'not_tls';

const NONE: readonly never[] = Object.freeze([]);

/** Certificate headers that proxies send, to recognise one that arrives instead of ours. */
const OTHER_HEADERS: readonly string[] = [
  ...new Set([...Object.values(FORMATS).map((codec) => codec.header), 'x-arr-clientcert']),
];

const PLACEHOLDER = /^\{[a-z0-9_.]+\}$/;

/** An unreplaced proxy placeholder (Caddy 2.6 sends `{http.request.tls.client.…}` as is). */
function isPlaceholder(value: string): boolean {
  return value.charCodeAt(0) === 0x7b && PLACEHOLDER.test(value);
}

/** A list header's non-empty lines joined with `, ` (`''` when absent). */
function joinLines(lines: readonly string[] | undefined): string {
  if (lines === undefined) return '';
  if (lines.length === 1) return lines[0] as string;
  return lines.filter((line) => line !== '').join(', ');
}

/** The warnings a configuration earns once, at creation. */
export function startupWarnings(config: CompiledOptions): ForwardingWarning[] {
  if (!config.trustAnyProxy) return [];
  return [
    {
      code: 'MTLS_DANGEROUSLY_TRUST_ANY_PROXY',
      message:
        `clientCertificate(): dangerouslyTrustAnyProxy is on: the ${headerLabelOf(config)} is ` +
        `believed from every peer. Anyone who can reach this app directly can claim any ` +
        `certificate. Prefer trustProxy with your proxy's address.`,
    },
  ];
}

function headerLabelOf(config: CompiledOptions): string {
  return config.header === undefined ? 'forwarded certificate' : `${config.header} header`;
}

/**
 * Creates the forwarding decision of `clientCertificate()`: from a request's plain values, the
 * certificate to believe — from a trusted proxy's header (`format`) or from Node's own TLS socket
 * — or `undefined`, or the `MtlsError` for `next(err)`; with the warnings and events to report.
 * It knows no Express. A header is believed only when the immediate peer is a trusted proxy, and
 * never parsed otherwise. Parsed certificates, trust answers (per connection) and TLS
 * certificates (per connection) are cached.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-4 | RFC 9440 §4} (trusted proxies only)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-6.5 | RFC 8705 §6.5}
 */
export function createForwardingDecision(
  config: CompiledOptions,
): (request: ForwardingRequest) => ForwardingOutcome {
  const cache = new HeaderCache<ForwardingOutcome>(config.cacheSize);
  const readTls = createTlsCertificateReader(config.maxChainLength);
  const trustBySocket = new WeakMap<object, { fn: unknown; trusted: boolean }>();
  const warmPath =
    config.source !== 'tls' && config.codec !== undefined && config.verification === undefined;

  /** A connection's peer never changes: each trust function is asked once per socket. */
  function trustedSocket(request: ForwardingRequest, fn: unknown): boolean {
    const cached = trustBySocket.get(request.socket);
    if (cached !== undefined && cached.fn === fn) return cached.trusted;
    const answer: unknown = (fn as TrustProxyFunction)(request.peer, 0);
    const trusted = answer === true;
    trustBySocket.set(request.socket, { fn, trusted });
    return trusted;
  }

  /** The one line of `name`, `''` when absent, `undefined` when repeated (the full path says so). */
  function oneLine(request: ForwardingRequest, name: string): string | undefined {
    const lines = headerLines(request, name);
    if (lines === undefined) return '';
    return lines.length === 1 ? lines[0] : undefined;
  }

  /**
   * The outcome of a request whose certificate header is in the cache, from a trusted peer,
   * with nothing to report: the same outcome object as when it was first parsed. `undefined`
   * for anything else, which the full decision then takes from the start.
   */
  function warmHit(request: ForwardingRequest): ForwardingOutcome | undefined {
    const trust = resolveTrust(config, request.app);
    if (trust.kind === 'none' || (trust.kind === 'function' && !trustedSocket(request, trust.fn))) {
      return undefined;
    }
    const value = oneLine(request, config.header as string);
    if (value === undefined || value === '') return undefined;
    let chainValue: string | undefined = '';
    if (config.chainHeader !== undefined) {
      chainValue =
        config.codec?.chain === 'list'
          ? joinLines(headerLines(request, config.chainHeader))
          : oneLine(request, config.chainHeader);
      if (chainValue === undefined) return undefined;
    }
    return cache.get(value, chainValue);
  }
  const headerLabel = headerLabelOf(config);
  const trustSettingName =
    config.trust === undefined ? "the app's 'trust proxy' setting (or trustProxy)" : 'trustProxy';

  return function decide(request) {
    return (warmPath ? warmHit(request) : undefined) ?? decideFully(request);
  };

  /** The whole decision (its inner functions are made only when the warm hit does not answer). */
  function decideFully(request: ForwardingRequest): ForwardingOutcome {
    const warnings: ForwardingWarning[] = [];
    const events: ForwardingEvent[] = [];
    let vary: string | undefined;
    let warm: boolean | undefined;

    function absent(
      reason: AbsentReason,
      extra?: Record<string, unknown>,
    ): ClientCertificate | undefined {
      events.push({
        channel: 'certificateAbsent',
        detail: {
          reason,
          peer: request.peer,
          header: config.header,
          format: config.formatName,
          ...extra,
        },
      });
      return undefined;
    }

    function ignored(reason: string): void {
      events.push({
        channel: 'certificateIgnored',
        detail: { reason, peer: request.peer, header: config.header, format: config.formatName },
      });
    }

    function peerTrust(): UntrustedPeerReason | undefined {
      const trust = resolveTrust(config, request.app);
      if (trust.kind === 'any') return undefined;
      if (trust.kind === 'function') {
        return trustedSocket(request, trust.fn) ? undefined : 'untrusted_peer';
      }
      if (trust.reason === 'trust_proxy_too_broad') {
        const setting =
          config.trust === undefined
            ? `the app's 'trust proxy' setting (${String(request.app?.setting)})`
            : 'the trustProxy function';
        warnings.push({
          code: 'MTLS_TRUST_PROXY_TOO_BROAD',
          message:
            `clientCertificate(): ${setting} trusts every peer, which is no reason to believe ` +
            `a certificate header: the ${headerLabel} is ignored and req.clientCert stays ` +
            `undefined. Set the trustProxy option to your proxy's address (for example ` +
            `'loopback' or '10.0.0.2'); to trust every peer on purpose, use ` +
            `dangerouslyTrustAnyProxy: true.`,
        });
      } else {
        warnings.push({
          code: 'MTLS_NO_TRUSTED_PROXY',
          message:
            `clientCertificate(): no trusted proxy is configured (neither the trustProxy ` +
            `option nor the app's 'trust proxy' setting), so the ${headerLabel} is never read ` +
            `and req.clientCert stays undefined. Set trustProxy to your proxy's address (for ` +
            `example 'loopback' or '10.0.0.0/8').`,
        });
      }
      return trust.reason;
    }

    function fromTls(): ClientCertificate | undefined {
      if (isTlsSocket(request.socket)) {
        let certificate: ClientCertificate | undefined;
        try {
          certificate = readTls(request.socket);
        } catch (error) {
          throw toMtlsError(error, { site: 'certificate_source', label: 'TLS peer certificate' });
        }
        return certificate ?? absent('no_tls_certificate');
      }
      if (config.source === 'tls') {
        warnings.push({
          code: 'MTLS_NOT_TLS',
          message:
            `clientCertificate(): source is 'tls' but a request arrived without TLS, so there ` +
            `is no client certificate. Behind a TLS-terminating proxy, set "format" (and ` +
            `"trustProxy").`,
        });
      }
      return absent('not_tls');
    }

    function singleLine(name: string): string | undefined {
      const lines = headerLines(request, name);
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
    function verified(): boolean {
      const verification = config.verification;
      if (verification === undefined) return true;
      const value = singleLine(verification.header);
      if (value !== undefined && verification.accepts(value)) return true;
      if (verification.onFailure === 'error') {
        throw new CertificateUntrustedError('rejected', {
          message: `the proxy did not verify the client certificate (${verification.header})`,
        });
      }
      ignored('proxy_not_verified');
      return false;
    }

    function fromCustom(): ClientCertificate | undefined {
      let ders: unknown;
      try {
        ders = request.custom();
      } catch (error) {
        if (isMtlsError(error)) throw error;
        throw new ForwardedCertificateError('custom_format', 'the custom format function threw', {
          cause: error,
        });
      }
      if (ders === undefined) return absent('no_certificate');
      if (!Array.isArray(ders) || !ders.every((item) => item instanceof Uint8Array)) {
        throw new MisconfiguredError(
          'clientCertificate(): the custom format function must return an array of DER ' +
            'Buffers (leaf first) or undefined',
        );
      }
      if (ders.length === 0) return absent('no_certificate');
      if (!verified()) return undefined;
      if (ders.length > config.limits.maxCertificates) {
        throw new ForwardedCertificateError('chain_too_long', 'too many certificates');
      }
      return buildCertificate(
        ders.map((der) => (Buffer.isBuffer(der) ? der : Buffer.from(der))),
        config.headerSource,
        config.maxChainLength,
      );
    }

    /** The chain header's value: its lines joined when the format's chain is a list. */
    function chainValueOf(codec: FormatCodec): string {
      if (config.chainHeader === undefined) return '';
      return codec.chain === 'list'
        ? joinLines(headerLines(request, config.chainHeader))
        : (singleLine(config.chainHeader) ?? '');
    }

    function fromHeader(): ClientCertificate | undefined {
      const codec = config.codec;
      if (codec === undefined) return fromCustom();
      const header = config.header as string;
      const value = singleLine(header) ?? '';
      const chainValue = chainValueOf(codec);
      if (value === '' || codec.absentValues?.includes(value) === true || isPlaceholder(value)) {
        if (chainValue !== '') {
          throw new ForwardedCertificateError(
            'chain_without_leaf',
            `${config.chainHeader as string} is present without ${header}`,
          );
        }
        return request.headers[header] === undefined ? missingHeader() : absent('no_certificate');
      }
      const size = value.length + chainValue.length;
      if (size > config.maxHeaderBytes) {
        throw new HeaderTooLargeError({
          message:
            `the certificate header(s) hold ${size} bytes, more than maxHeaderBytes ` +
            `(${config.maxHeaderBytes}); raise maxHeaderBytes (and Node's ` +
            `--max-http-header-size) for long chains`,
        });
      }
      if (!verified()) return undefined;
      const cached = cache.get(value, chainValue);
      warm = cached !== undefined;
      if (cached !== undefined) return cached.result.ok ? cached.result.value : undefined;
      const ders = decodeOrExplain(value);
      if (ders === undefined) return absent('no_certificate');
      if (chainValue !== '' && codec.decodeChain !== undefined) {
        ders.push(...codec.decodeChain(chainValue, config.limits));
      }
      const certificate = buildCertificate(ders, config.headerSource, config.maxChainLength);
      cache.set(
        value,
        chainValue,
        Object.freeze({
          result: Object.freeze(accept(certificate)),
          warnings: NONE,
          events: NONE,
          vary: config.vary,
          warm: true,
        }),
      );
      return certificate;
    }

    /** The header is absent: no certificate; says so when another known one arrived instead. */
    function missingHeader(): ClientCertificate | undefined {
      const other = OTHER_HEADERS.find(
        (name) =>
          name !== config.header &&
          name !== config.chainHeader &&
          request.headers[name] !== undefined,
      );
      if (other === undefined) return absent('no_header');
      const value = request.headers[other];
      const looksLike = typeof value === 'string' ? detectFormat(value) : undefined;
      const fix =
        looksLike === undefined
          ? `header: '${other}'`
          : FORMATS[looksLike].header === other
            ? `format: '${looksLike}'`
            : `format: '${looksLike}', header: '${other}'`;
      warnings.push({
        code: 'MTLS_WRONG_CERTIFICATE_HEADER',
        message:
          `clientCertificate(): the proxy never sends the ${headerLabel} (format ` +
          `'${String(config.formatName)}'), but the ${other} header arrives` +
          `${looksLike === undefined ? '' : ` that looks like format '${looksLike}'`}: use ${fix}.`,
      });
      return absent('no_header', { otherHeader: other, suggestion: fix });
    }

    /** Decodes the leaf header; a failure says which other format would read the value. */
    function decodeOrExplain(value: string): Buffer[] | undefined {
      try {
        return (config.codec as NonNullable<CompiledOptions['codec']>).decode(value, config.limits);
      } catch (error) {
        if (!(error instanceof ForwardedCertificateError)) throw error;
        const other = otherFormatOf(value, config.formatName as BuiltInFormat, config.limits);
        if (other === undefined) throw error;
        const fix = `the value decodes as format '${other}': use format: '${other}'`;
        warnings.push({
          code: 'MTLS_FORMAT_MISMATCH',
          message:
            `clientCertificate(): the ${headerLabel} does not decode as format ` +
            `'${String(config.formatName)}' (${error.reason}), but ${fix}.`,
        });
        throw new ForwardedCertificateError(error.reason, `${error.message}; ${fix}`, {
          cause: error,
        });
      }
    }

    function resolve(): ClientCertificate | undefined {
      if (config.source === 'tls') return fromTls();
      const untrusted = peerTrust();
      if (untrusted === undefined) {
        vary = config.vary;
        return fromHeader();
      }
      const sent = request.headers[config.header ?? ''] !== undefined;
      if (sent && untrusted === 'untrusted_peer') {
        warnings.push({
          code: 'MTLS_UNTRUSTED_PEER',
          message:
            `clientCertificate(): the ${headerLabel} arrived from ` +
            `${escapeUntrusted(request.peer ?? 'a Unix socket')}, which is not a trusted proxy, ` +
            `so it was ignored and req.clientCert stays undefined. If that peer is your proxy, ` +
            `add its address to ${trustSettingName}; if it is not, someone is sending ` +
            `certificate headers straight to the app.`,
          key: headerLabel,
        });
      }
      if (sent) ignored(untrusted);
      if (config.source === 'auto') return fromTls();
      return sent ? undefined : absent('no_header', { trusted: false });
    }

    let result: Decision<ClientCertificate | undefined>;
    try {
      result = accept(resolve());
    } catch (caught) {
      const error = toMtlsError(caught, { site: 'certificate_source', label: headerLabel });
      if (!isMtlsError(error)) throw error;
      result = reject(error);
    }
    return { result, warnings, events, vary, warm };
  }
}
