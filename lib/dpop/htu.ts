/**
 * The DPoP `htu` of a request — the URI the client must have signed — and its comparison with a
 * proof's `htu`: both without query and fragment, after the syntax-based normalisation of
 * RFC 3986 §6.2.2 and the scheme-based one of §6.2.3. Pure code: plain values in, a normalised
 * URI (or `undefined`: refuse, never guess) out.
 *
 * Who controls what: the client writes the request target, the `Host` header and the proof;
 * `X-Forwarded-Proto`/`-Host` are believed only when the caller says the immediate peer is a
 * trusted proxy; `publicUrl` is the application's. A value that does not parse is never
 * repaired: the proof is refused as `htu`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3} (check 9)
 * @see {@link https://www.rfc-editor.org/rfc/rfc3986#section-6.2.2 | RFC 3986 §6.2.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc3986#section-6.2.3 | RFC 3986 §6.2.3}
 * @packageDocumentation
 */
import { isIPv4 } from 'node:net';
import { formatIp, parseIp } from '../internal/ip';

/** What a request says about its own URL; the adapter copies these from `req`. */
export interface HtuRequest {
  /**
   * The request target as received (`req.originalUrl`): origin-form `/path?query`. Any other
   * form (absolute-form, `*`) is refused.
   */
  readonly target: string;
  /** The `Host` header (with its port, as Express 5's `req.host` keeps it). */
  readonly host: string | undefined;
  /** Whether the connection to this server is TLS (the scheme when no proxy says otherwise). */
  readonly encrypted: boolean;
  /**
   * Whether the immediate peer is a trusted proxy (the `trustProxy` decision of
   * `clientCertificate()`). Only then are {@link forwardedProto} and {@link forwardedHost} read.
   */
  readonly trustForwarded: boolean;
  /** `X-Forwarded-Proto`; in a list, the last element (the nearest proxy's) is used. */
  readonly forwardedProto?: string | undefined;
  /** `X-Forwarded-Host`; in a list, the last element (the nearest proxy's) is used. */
  readonly forwardedHost?: string | undefined;
}

/** A checked `dpop.publicUrl` base: see {@link parsePublicUrl}. */
export interface PublicUrlBase {
  /** Normalised `scheme://authority`. */
  readonly origin: string;
  /** Normalised path prefix without a trailing `/` (`''` for none). */
  readonly prefix: string;
}

const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
const PATH_CHARACTERS = /^[A-Za-z0-9\-._~:/@!$&'()*+,;=%]*$/;
const ABSOLUTE_URI = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/;
const REG_NAME = /^[A-Za-z0-9._-]+$/;
/** A last label that makes WHATWG URL parsers read the host as an IPv4 address. */
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;
const PORT = /^[0-9]{1,5}$/;
const HEX = /^[0-9A-Fa-f]{2}$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };

/**
 * `host[:port]` normalised for `scheme` (lower-case host, canonical IPv6, no default port), or
 * `undefined`: user information, an empty or non-numeric port, a zone, IPvFuture, a
 * percent-encoded or internationalised name, a name whose last label is numeric but which is no
 * dotted-decimal IPv4 address (`0`, `2130706433`, `0x7f.1`, `1.2.3`: WHATWG parsers read these
 * as addresses, RFC 3986 as names — ambiguous, so refused), or anything else outside a DNS name
 * or IP literal.
 */
function normalizeAuthority(authority: string, scheme: string): string | undefined {
  let host: string;
  let port: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    const octets = close > 0 ? parseIp(authority.slice(1, close)) : undefined;
    if (octets?.length !== 16) return undefined;
    host = `[${formatIp(octets) as string}]`;
    const rest = authority.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      port = rest.slice(1);
    }
  } else {
    const colon = authority.indexOf(':');
    host = colon === -1 ? authority : authority.slice(0, colon);
    port = colon === -1 ? undefined : authority.slice(colon + 1);
    if (!REG_NAME.test(host)) return undefined;
    host = host.toLowerCase();
    if (NUMERIC_LABEL.test(host.slice(host.lastIndexOf('.') + 1)) && !isIPv4(host)) {
      return undefined;
    }
  }
  if (port === undefined) return host;
  const number = Number(port);
  if (!PORT.test(port) || number < 1 || number > 65535) return undefined;
  return String(number) === DEFAULT_PORTS[scheme] ? host : `${host}:${number}`;
}

/**
 * Removes `.` and `..` segments from an absolute path (RFC 3986 §5.2.4), by segments: each
 * `..` drops the previous output segment, and a path ending in `.` or `..` keeps its final `/`.
 */
function removeDotSegments(path: string): string {
  const input = path.split('/');
  const output: string[] = [];
  const last = input.length - 1;
  for (let i = 1; i <= last; i++) {
    const segment = input[i] as string;
    if (segment === '..') output.pop();
    if (segment === '.' || segment === '..') {
      if (i === last) output.push('');
    } else {
      output.push(segment);
    }
  }
  return `/${output.join('/')}`;
}

/**
 * An absolute path normalised: percent-encodings in upper case, those of unreserved characters
 * decoded (§6.2.2.1, §6.2.2.2), dot segments removed (§6.2.2.3), empty → `/` (§6.2.3).
 * `undefined` for a character outside RFC 3986 `path-abempty` or a bad `%` escape.
 */
function normalizePath(path: string): string | undefined {
  if (!PATH_CHARACTERS.test(path)) return undefined;
  if (path === '') return '/';
  let decoded = '';
  let from = 0;
  for (let at = path.indexOf('%'); at !== -1; at = path.indexOf('%', from)) {
    const hex = path.slice(at + 1, at + 3);
    if (!HEX.test(hex)) return undefined;
    const character = String.fromCharCode(parseInt(hex, 16));
    decoded +=
      path.slice(from, at) + (UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`);
    from = at + 3;
  }
  return removeDotSegments(decoded + path.slice(from));
}

/**
 * Normalises an absolute `http:` or `https:` URI for the `htu` comparison: query and fragment
 * removed, scheme and host in lower case, IPv6 in canonical form, the default port removed,
 * percent-encoding normalised, dot segments removed, an empty path written `/`. Returns
 * `undefined` for anything else: not a string, another scheme, a relative reference, user
 * information, a character outside RFC 3986, a bad `%` escape, or a host that is neither a DNS
 * name nor an IP literal.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3} ("without
 *   query and fragment parts")
 * @see {@link https://www.rfc-editor.org/rfc/rfc3986#section-6.2 | RFC 3986 §6.2}
 */
export function normalizeHtu(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || !URI_CHARACTERS.test(uri)) return undefined;
  const match = ABSOLUTE_URI.exec(uri);
  if (match === null) return undefined;
  const [, rawScheme, authority, path] = match as unknown as [string, string, string, string];
  const scheme = rawScheme.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  const host = normalizeAuthority(authority, scheme);
  const normalizedPath = normalizePath(path);
  if (host === undefined || normalizedPath === undefined) return undefined;
  return `${scheme}://${host}${normalizedPath}`;
}

/**
 * Checks the `dpop.publicUrl` option once: an absolute `http:`/`https:` URL without user
 * information, query or fragment, optionally with a path prefix, to which each request's path
 * is appended.
 *
 * @throws {TypeError} naming `option` and the fix.
 */
export function parsePublicUrl(value: unknown, option: string): PublicUrlBase {
  const shape = typeof value === 'string' ? ABSOLUTE_URI.exec(value) : null;
  const normalized = normalizeHtu(value);
  if (shape === null || normalized === undefined || shape[0] !== value) {
    throw new TypeError(
      `${option} must be an absolute http: or https: URL without credentials, query or fragment, ` +
        'such as "https://api.example.com" or "https://example.com/api".',
    );
  }
  const slash = normalized.indexOf('/', normalized.indexOf('//') + 2);
  return {
    origin: normalized.slice(0, slash),
    prefix: normalized.slice(slash).replace(/\/$/, ''),
  };
}

/** A percent-encoded unreserved character (RFC 3986 §2.3): ALPHA, DIGIT, `-`, `.`, `_`, `~`. */
const ENCODED_UNRESERVED = /%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[Dd]|2[Ee]|5[Ff]|7[Ee])/;

/**
 * Whether a request path reads differently to the router and to RFC 3986 normalisation: a `.`
 * or `..` segment (§6.2.2.3 would resolve it), or a percent-encoded unreserved character such as
 * `%61` or `%2e` (§6.2.2.2 would decode it; RFC 3986 §2.3 says producers should not encode
 * them). The router sees such a path as it is, so the `htu` a proof names and the route that
 * serves it could differ. Such a request is refused.
 */
function hasAmbiguousPath(path: string): boolean {
  return (
    ENCODED_UNRESERVED.test(path) ||
    path.split('/').some((segment) => segment === '.' || segment === '..')
  );
}

/** The last element of a comma-separated forwarded header value, trimmed. */
function nearest(value: string): string {
  return value.slice(value.lastIndexOf(',') + 1).trim();
}

/**
 * The request's `htu`, normalised as {@link normalizeHtu} does, or `undefined` when it cannot be
 * known (refuse the proof as `htu`):
 * - with `publicUrl`: its origin and prefix, then the request path;
 * - otherwise: `https` on a TLS connection, else `http`, and the `Host` header; when
 *   `trustForwarded`, `X-Forwarded-Proto` (which must say `http` or `https`) and
 *   `X-Forwarded-Host` replace them.
 *
 * The request target must be origin-form (starts with `/`) without `.` or `..` segments and
 * without percent-encoded unreserved characters (the router would read them as they are, so the
 * proof's URL and the route served could differ, and a path could climb out of `publicUrl`'s
 * prefix); its query is dropped. A
 * `Host` (or forwarded host) that is missing or does not parse as `host[:port]` gives
 * `undefined`: the URL is never guessed.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9112#section-3.2.1 | RFC 9112 §3.2.1}
 *   (origin-form)
 */
export function requestHtu(request: HtuRequest, publicUrl?: PublicUrlBase): string | undefined {
  const { target } = request;
  if (!target.startsWith('/')) return undefined;
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  if (hasAmbiguousPath(path)) return undefined;
  if (publicUrl !== undefined) return normalizeHtu(publicUrl.origin + publicUrl.prefix + path);
  let scheme = request.encrypted ? 'https' : 'http';
  let host = request.host;
  if (request.trustForwarded) {
    if (request.forwardedProto !== undefined) {
      scheme = nearest(request.forwardedProto).toLowerCase();
      if (scheme !== 'http' && scheme !== 'https') return undefined;
    }
    if (request.forwardedHost !== undefined) host = nearest(request.forwardedHost);
  }
  if (host === undefined) return undefined;
  const authority = normalizeAuthority(host, scheme);
  const normalizedPath = normalizePath(path);
  if (authority === undefined || normalizedPath === undefined) return undefined;
  return `${scheme}://${authority}${normalizedPath}`;
}

/**
 * Whether a proof's `htu` claim names the request's URI `expected` (a result of
 * {@link requestHtu} or {@link normalizeHtu}): equal after normalisation, the proof's query and
 * fragment ignored. A missing or non-string claim never matches.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
 */
export function htuMatches(claim: unknown, expected: string): boolean {
  return normalizeHtu(claim) === expected;
}
