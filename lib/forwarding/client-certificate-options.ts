import type { Request } from 'express';
import type { CertificateSource } from '../certificate';
import {
  booleanOption,
  checkOptions,
  didYouMean,
  enumOption,
  integerOption,
} from '../internal/options';
import type { DecodeContext, FormatCodec } from './formats/codec';
import { CODEC_OPTIONS, FORMAT_HINTS, FORMAT_NAMES, FORMATS, type BuiltInFormat } from './formats';
import { checkHeaderName } from './header-name';
import { compileTrustProxy, type TrustProxyFunction, type TrustProxyOption } from './trust-proxy';

/**
 * A custom format: reads the request (only ever called for requests from a trusted proxy) and
 * returns the DER certificates, leaf first, or `undefined` / `[]` when there is none. Throw to
 * refuse the request as malformed (400).
 */
export type CustomFormat = (req: Request) => readonly Uint8Array[] | undefined;

/** A built-in format name or a {@link CustomFormat}. */
export type CertificateFormat = BuiltInFormat | CustomFormat;

/** The proxy's verification result values that mean "verified". */
export type ProxyVerificationValue = string | readonly string[] | ((value: string) => boolean);

/**
 * Believe a forwarded certificate only when the proxy says it verified it, for example nginx
 * `proxy_set_header X-SSL-Client-Verify $ssl_client_verify;` with
 * `{ header: 'x-ssl-client-verify', value: 'SUCCESS' }`, or HAProxy `%[ssl_c_verify]` with
 * `value: '0'`.
 */
export interface ProxyVerificationOptions {
  /** The header carrying the proxy's verification result (read from trusted proxies only). */
  readonly header: string;
  /** The accepted value(s) (exact, case-sensitive), or a predicate. */
  readonly value: ProxyVerificationValue;
  /**
   * What happens when the header is absent or holds another value: `'ignore'` (default) — the
   * certificate is not believed (`req.clientCert` stays undefined, a `certificateIgnored` event
   * with reason `proxy_not_verified` is published); `'error'` — `403 ERR_MTLS_CERTIFICATE_UNTRUSTED`
   * with reason `rejected`.
   */
  readonly onFailure?: 'ignore' | 'error' | undefined;
}

/**
 * Options of `clientCertificate()`. Every option is optional; `undefined` means "not given".
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440 | RFC 9440}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-6.5 | RFC 8705 §6.5}
 */
export interface ClientCertificateOptions {
  /**
   * How the proxy encodes the certificate: `'nginx'`, `'pem'`, `'der-base64'`, `'rfc9440'`,
   * `'xfcc'`, `'aws-alb'`, `'traefik'`, or a {@link CustomFormat}. Default: none — without a
   * format no header is read and the certificate comes from Node's own TLS socket.
   */
  readonly format?: CertificateFormat | undefined;
  /**
   * Where the certificate comes from: `'header'` (a trusted proxy's header), `'tls'` (Node's own
   * TLS socket) or `'auto'` (the header when the immediate peer is a trusted proxy, otherwise
   * the TLS socket's peer certificate when the connection is TLS). Default: `'header'` when a
   * `format` is given, else `'tls'`.
   */
  readonly source?: 'header' | 'tls' | 'auto' | undefined;
  /** The certificate header. Default: the format's conventional header (see the README table). */
  readonly header?: string | undefined;
  /**
   * A separate chain header. Default: `client-cert-chain` for `rfc9440`, none otherwise. Also
   * accepted for `nginx`, `pem`, `aws-alb` (PEM blocks) and `der-base64` (concatenated DER).
   */
  readonly chainHeader?: string | undefined;
  /**
   * Which immediate peers are trusted proxies (see {@link TrustProxyOption}); the header is
   * honoured only from them and never parsed from anyone else. `true`, or a list covering every
   * IPv4 or IPv6 address, is refused (`TypeError`): use `dangerouslyTrustAnyProxy`. A function is
   * not called at creation (it may have side effects or depend on state not yet loaded): at the
   * first request it is asked, once, about both ends and a documentation address in the middle of
   * IPv4 and of IPv6 (`0.0.0.0`, `192.0.2.1`, `255.255.255.255`, `::`, `2001:db8::1`,
   * `ffff:…:ffff`, hop index 0); if it trusts all three of a family, the header is ignored with one
   * `MTLS_TRUST_PROXY_TOO_BROAD` warning. A function is the only way to trust a peer without an
   * address (a Unix socket: `undefined`). Default: the Express app's `trust proxy` setting (which
   * trusts nobody unless set) — but a setting that trusts every peer (`true`, a hop count, or a
   * list or function trusting a whole family, probed the same way) is not trust for a certificate
   * header: the header is then ignored, with one `MTLS_TRUST_PROXY_TOO_BROAD` warning; and the
   * app's setting never trusts a Unix-socket peer.
   */
  readonly trustProxy?: TrustProxyOption | undefined;
  /**
   * Believe the header from every peer. Only safe when the network guarantees that nothing but
   * the proxy can reach the app. This, not the app's `trust proxy: true` or a hop count, is how
   * to trust any peer. Default: `false`. Emits a warning (`MTLS_DANGEROUSLY_TRUST_ANY_PROXY`)
   * when enabled.
   */
  readonly dangerouslyTrustAnyProxy?: boolean | undefined;
  /** Require the proxy's own verification result. Default: not required. */
  readonly proxyVerification?: ProxyVerificationOptions | undefined;
  /**
   * `xfcc` only: how many Envoy hops append an element between the client and the app; the
   * element believed is this many from the right. Default: `1` (the last element, appended by
   * the nearest trusted proxy).
   */
  readonly xfccHops?: number | undefined;
  /**
   * The most bytes the certificate header(s) may hold together, checked before decoding
   * (`431 ERR_MTLS_HEADER_TOO_LARGE`). Default: `16384`, Node's default limit for all headers
   * together; raise both (`--max-http-header-size`) for long chains.
   */
  readonly maxHeaderBytes?: number | undefined;
  /**
   * The most certificates after the leaf (`400 ERR_MTLS_CHAIN_TOO_LONG`). Default: `8`.
   */
  readonly maxChainLength?: number | undefined;
  /**
   * What to do with a malformed, duplicated, oversized or over-long header: `'error'` (default)
   * passes a 400/431 error to `next(err)`; `'ignore'` treats it as no certificate and publishes
   * a `certificateRejected` event.
   */
  readonly onInvalid?: 'error' | 'ignore' | undefined;
  /**
   * How many parsed certificates to keep, keyed by the raw header value(s); `0` disables the
   * cache. Default: `1000`.
   */
  readonly cacheSize?: number | undefined;
  /**
   * Add the certificate header(s) to the response's `Vary` whenever they were read, so that
   * shared caches never serve one client's response to another (RFC 9440 §2.4). Default: `true`.
   */
  readonly vary?: boolean | undefined;
}

/** A proxy-verification check, compiled. */
export interface CompiledVerification {
  readonly header: string;
  readonly accepts: (value: string) => boolean;
  readonly onFailure: 'ignore' | 'error';
}

/** The options of `clientCertificate()`, validated and precomputed. */
export interface CompiledOptions {
  readonly source: 'header' | 'tls' | 'auto';
  /** The format's name (`'custom'` for a function); undefined for the TLS source. */
  readonly formatName: BuiltInFormat | 'custom' | undefined;
  readonly codec: FormatCodec | undefined;
  readonly custom: CustomFormat | undefined;
  readonly header: string | undefined;
  readonly chainHeader: string | undefined;
  /** Undefined: use the app's `trust proxy` setting. */
  readonly trust: TrustProxyFunction | undefined;
  readonly trustAnyProxy: boolean;
  readonly verification: CompiledVerification | undefined;
  /** The bounds and the format's own compiled options, as its decoder receives them. */
  readonly limits: DecodeContext;
  readonly maxHeaderBytes: number;
  readonly maxChainLength: number;
  readonly onInvalid: 'error' | 'ignore';
  readonly cacheSize: number;
  /** The `Vary` field value to add, or undefined. */
  readonly vary: string | undefined;
  /** The `source` recorded on forwarded certificates. */
  readonly headerSource: CertificateSource;
}

const FACTORY = 'clientCertificate()';

const FORMAT_OPTIONS = [...CODEC_OPTIONS.keys()] as (keyof ClientCertificateOptions)[];

const KNOWN: readonly (keyof ClientCertificateOptions)[] = [
  'format',
  'source',
  'header',
  'chainHeader',
  'trustProxy',
  'dangerouslyTrustAnyProxy',
  'proxyVerification',
  ...FORMAT_OPTIONS,
  'maxHeaderBytes',
  'maxChainLength',
  'onInvalid',
  'cacheSize',
  'vary',
];

/** The options that only a header source reads (refused with `source: 'tls'`). */
const HEADER_ONLY = KNOWN.filter(
  (key) => !['format', 'source', 'maxChainLength', 'onInvalid'].includes(key),
);

function formatOption(value: unknown): BuiltInFormat | CustomFormat | undefined {
  if (value === undefined || typeof value === 'function') {
    return value as CustomFormat | undefined;
  }
  if (typeof value === 'string' && Object.hasOwn(FORMATS, value)) return value as BuiltInFormat;
  const known = FORMAT_NAMES.map((name) => `"${name}"`).join(', ');
  let hint = '';
  if (typeof value === 'string') {
    const alias = FORMAT_HINTS.get(value.toLowerCase());
    hint = alias === undefined ? didYouMean(value, FORMAT_NAMES) : ` For ${value}, use "${alias}".`;
  }
  throw new TypeError(
    `${FACTORY}: "format" must be one of ${known}, or a function (req) => Buffer[] | undefined.${hint}`,
  );
}

function verificationOption(value: unknown): CompiledVerification | undefined {
  if (value === undefined) return undefined;
  const name = `${FACTORY}: proxyVerification`;
  const options = checkOptions<ProxyVerificationOptions>(name, value as ProxyVerificationOptions, [
    'header',
    'value',
    'onFailure',
  ]);
  const header = checkHeaderName(FACTORY, 'proxyVerification.header', options.header);
  if (header === undefined) {
    throw new TypeError(`${name}: "header" is required (for example "x-ssl-client-verify").`);
  }
  const expected: unknown = options.value;
  let accepts: (value: string) => boolean;
  if (typeof expected === 'function') {
    const predicate = expected as (value: string) => unknown;
    accepts = (received) => predicate(received) === true;
  } else if (typeof expected === 'string' && expected !== '') {
    accepts = (received) => received === expected;
  } else if (
    Array.isArray(expected) &&
    expected.length > 0 &&
    expected.every((item) => typeof item === 'string' && item !== '')
  ) {
    const allowed = new Set(expected as string[]);
    accepts = (received) => allowed.has(received);
  } else {
    throw new TypeError(
      `${name}: "value" must be the accepted value (for example "SUCCESS"), a non-empty array ` +
        `of them, or a function (value) => boolean.`,
    );
  }
  const onFailure = enumOption(name, 'onFailure', options.onFailure, ['ignore', 'error'], 'ignore');
  return { header, accepts, onFailure };
}

/** The chosen format's own options, compiled; another format's option is a `TypeError`. */
function codecOptions(
  options: ClientCertificateOptions,
  codec: FormatCodec | undefined,
): Readonly<Record<string, unknown>> {
  const given = options as Readonly<Record<string, unknown>>;
  for (const [name, owner] of CODEC_OPTIONS) {
    if (given[name] !== undefined && owner !== codec) {
      throw new TypeError(`${FACTORY}: "${name}" applies to format "${owner.name}" only.`);
    }
  }
  return codec?.options?.compile(FACTORY, given) ?? {};
}

/**
 * Validates and precomputes `clientCertificate()` options, once.
 *
 * @throws {TypeError} for an unknown or misspelled option, a wrong type, or a contradiction,
 * naming the fix.
 */
export function compileClientCertificateOptions(
  input: ClientCertificateOptions | undefined,
): CompiledOptions {
  const options = checkOptions(FACTORY, input, KNOWN);
  const format = formatOption(options.format);
  const source = enumOption(
    FACTORY,
    'source',
    options.source,
    ['header', 'tls', 'auto'],
    format === undefined ? 'tls' : 'header',
  );

  if (source === 'tls') {
    if (format !== undefined) {
      throw new TypeError(
        `${FACTORY}: "format" reads a proxy's header, but "source" is "tls". Use source "header" ` +
          `(or "auto"), or remove "format".`,
      );
    }
    const stray = HEADER_ONLY.find((key) => options[key] !== undefined);
    if (stray !== undefined) {
      throw new TypeError(
        `${FACTORY}: "${stray}" applies to certificates forwarded in a header; set "format" ` +
          `to the proxy's format (for example "nginx" or "rfc9440").`,
      );
    }
  } else if (format === undefined) {
    throw new TypeError(
      `${FACTORY}: source "${source}" needs a "format" (the proxy's header encoding, for ` +
        `example "nginx", "rfc9440" or "xfcc").`,
    );
  }

  const custom = typeof format === 'function' ? format : undefined;
  const formatName = typeof format === 'function' ? 'custom' : format;
  const codec = typeof format === 'string' ? FORMATS[format] : undefined;

  const header = checkHeaderName(FACTORY, 'header', options.header) ?? codec?.header;
  const chainHeader =
    checkHeaderName(FACTORY, 'chainHeader', options.chainHeader) ?? codec?.chainHeader;
  if (options.chainHeader !== undefined && (codec === undefined || codec.chain === 'in-value')) {
    throw new TypeError(
      `${FACTORY}: "chainHeader" is not supported by format ${
        custom === undefined ? `"${String(format)}"` : 'function'
      }: its chain travels in the same header (or in what the function returns).`,
    );
  }
  if (header !== undefined && header === chainHeader) {
    throw new TypeError(`${FACTORY}: "header" and "chainHeader" must differ.`);
  }

  if (options.trustProxy !== undefined && options.dangerouslyTrustAnyProxy === true) {
    throw new TypeError(
      `${FACTORY}: use either "trustProxy" or "dangerouslyTrustAnyProxy", not both.`,
    );
  }
  const trustAnyProxy = booleanOption(
    FACTORY,
    'dangerouslyTrustAnyProxy',
    options.dangerouslyTrustAnyProxy,
    false,
  );
  const trust =
    options.trustProxy === undefined ? undefined : compileTrustProxy(FACTORY, options.trustProxy);

  const verification = verificationOption(options.proxyVerification);
  if (
    verification !== undefined &&
    (verification.header === header || verification.header === chainHeader)
  ) {
    throw new TypeError(
      `${FACTORY}: "proxyVerification.header" must differ from the certificate header(s).`,
    );
  }

  const formatOptions = codecOptions(options, codec);
  const maxChainLength = integerOption(FACTORY, 'maxChainLength', options.maxChainLength, 8);
  const maxHeaderBytes = integerOption(FACTORY, 'maxHeaderBytes', options.maxHeaderBytes, 16384, 1);
  const onInvalid = enumOption(
    FACTORY,
    'onInvalid',
    options.onInvalid,
    ['error', 'ignore'],
    'error',
  );
  const cacheSize = integerOption(FACTORY, 'cacheSize', options.cacheSize, 1000);
  const varyEnabled = booleanOption(FACTORY, 'vary', options.vary, true);
  const varyFields = [header, chainHeader].filter((name) => name !== undefined);

  return {
    source,
    formatName,
    codec,
    custom,
    header,
    chainHeader,
    trust,
    trustAnyProxy,
    verification,
    limits: { maxCertificates: maxChainLength + 2, ...formatOptions },
    maxHeaderBytes,
    maxChainLength,
    onInvalid,
    cacheSize,
    vary: varyEnabled && varyFields.length > 0 ? varyFields.join(', ') : undefined,
    headerSource: Object.freeze({
      type: 'header',
      ...(formatName === undefined ? {} : { format: formatName }),
      ...(header === undefined ? {} : { header }),
    }),
  };
}
