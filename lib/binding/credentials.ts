/**
 * The one credentials extractor of the token middlewares (RFC 6750 §2, RFC 9449 §7.1), as pure
 * code: the adapter hands over the values it read from the request (every `Authorization` and
 * `DPoP` field line, the body and query `access_token`) and gets back the token, its scheme and
 * location, and the `DPoP` proofs — or the typed error to answer with.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2 | RFC 6750 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 * @packageDocumentation
 */
import type { InvalidRequestError, TokenMissingError } from '../errors';
import { accept, reject, type Decision } from '../decision';
import type { CredentialScheme, TokenErrors } from './token-errors';

export type { CredentialScheme } from './token-errors';

/** `b64token` (RFC 6750 §2.1), the token68 syntax of RFC 9110 §11.2. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

const SCHEMES: Readonly<
  Record<CredentialScheme, { name: string; lower: string; credentials: RegExp }>
> = {
  bearer: { name: 'Bearer', lower: 'bearer', credentials: /^bearer +[A-Za-z0-9\-._~+/]+=*$/i },
  dpop: { name: 'DPoP', lower: 'dpop', credentials: /^dpop +[A-Za-z0-9\-._~+/]+=*$/i },
};

/**
 * Where the credentials of `scheme` start in an `Authorization` value: after the scheme name
 * (ASCII case-insensitive) and its spaces; `-1` when the value is of another scheme (the name
 * is not followed by a space or the end).
 */
function credentialsStart(header: string, lower: string): number {
  const n = lower.length;
  if (header.length < n) return -1;
  for (let i = 0; i < n; i++) {
    if ((header.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return -1;
  }
  if (header.length === n) return n;
  if (header.charCodeAt(n) !== 0x20) return -1;
  let i = n + 1;
  while (i < header.length && header.charCodeAt(i) === 0x20) i++;
  return i;
}

/** Where a token was found. */
export type TokenLocation = 'header' | 'body' | 'query';

/** The values a request offers, already read by the adapter. */
export interface CredentialSources {
  /** Every `Authorization` field line of the request (Node keeps only the first in `headers`). */
  readonly authorization: readonly string[];
  /** Every `DPoP` field line of the request. Default: none. */
  readonly dpop?: readonly string[] | undefined;
  /** `access_token` of an `application/x-www-form-urlencoded` body (`undefined`: none). */
  readonly body?: unknown;
  /** `access_token` of the query string (`undefined`: none). */
  readonly query?: unknown;
}

/** What the extractor accepts, resolved once per middleware. */
export interface CredentialSettings {
  /** The `Authorization` schemes read; another scheme counts as no token. */
  readonly schemes: readonly CredentialScheme[];
  /** Read the body `access_token` (RFC 6750 §2.2, a `Bearer` token). */
  readonly allowBodyToken: boolean;
  /** Read the query `access_token` (RFC 6750 §2.3, a `Bearer` token). */
  readonly allowQueryToken: boolean;
  /** The errors to answer with (their challenges). */
  readonly errors: TokenErrors;
}

/** The credentials of one request. */
export interface Credentials {
  /** The scheme of the token: `dpop` only for `Authorization: DPoP`; body and query are `bearer`. */
  readonly scheme: CredentialScheme;
  /** The access token, with the `b64token` syntax. */
  readonly token: string;
  readonly location: TokenLocation;
  /** The `DPoP` field lines as received (checked by the proof verifier, not here). */
  readonly dpopProofs: readonly string[];
}

/** Why a request's credentials are malformed (a 400 `invalid_request`). */
export interface MalformedCredentials {
  readonly description: string;
  /** The scheme of the malformed `Authorization` value, when there is one. */
  readonly scheme?: CredentialScheme;
}

const NO_LINES: readonly string[] = Object.freeze([]);
const ALL_SCHEMES: readonly CredentialScheme[] = Object.freeze(['bearer', 'dpop']);

/**
 * The scan behind {@link extractCredentials}: the credentials, `undefined` when the request has
 * none, or why they are malformed. Body and query values are taken as given (pass `undefined`
 * for a location that is off).
 */
export function scanCredentials(
  sources: CredentialSources,
  schemes: readonly CredentialScheme[],
): Credentials | MalformedCredentials | undefined {
  const { authorization } = sources;
  if (authorization.length > 1) return { description: 'more than one Authorization header' };
  const dpopProofs = sources.dpop ?? NO_LINES;
  let found: Credentials | undefined;
  const header = authorization[0];
  if (header !== undefined) {
    for (const scheme of ALL_SCHEMES) {
      const syntax = SCHEMES[scheme];
      if (!schemes.includes(scheme)) continue;
      const start = credentialsStart(header, syntax.lower);
      if (start < 0) continue;
      if (!syntax.credentials.test(header)) {
        return { description: `malformed ${syntax.name} credentials`, scheme };
      }
      found = { scheme, token: header.slice(start), location: 'header', dpopProofs };
    }
  }
  for (const location of ['body', 'query'] as const) {
    const value = sources[location];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !B64TOKEN.test(value)) {
      return { description: `malformed access_token ${location} parameter` };
    }
    if (found !== undefined) return { description: 'access token sent in more than one way' };
    found = { scheme: 'bearer', token: value, location, dpopProofs };
  }
  return found;
}

/**
 * Finds the one token of a request.
 *
 * - `Authorization: Bearer <b64token>` / `Authorization: DPoP <b64token>` for each scheme in
 *   `settings.schemes`: the scheme is case-insensitive, the token must have the `b64token`
 *   syntax. A scheme not in the list (`Basic`, or `DPoP` for a `Bearer`-only middleware) counts
 *   as no token. A listed scheme with a malformed or missing token, or several `Authorization`
 *   lines, is a 400.
 * - Body and query `access_token` (only when allowed): one non-empty string with the same
 *   syntax, a `bearer` token; a repeated parameter (an array) is a 400.
 * - A token in more than one place is a 400 (RFC 6750 §2: "MUST NOT use more than one method").
 * - No token → 401 `ERR_MTLS_TOKEN_MISSING`.
 *
 * The `DPoP` lines are returned as they are, for the proof verifier (RFC 9449 §4.3 wants
 * exactly one).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2.1 | RFC 6750 §2.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2.2 | RFC 6750 §2.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2.3 | RFC 6750 §2.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 */
export function extractCredentials(
  sources: CredentialSources,
  settings: CredentialSettings,
): Decision<Credentials, TokenMissingError | InvalidRequestError> {
  const found = scanCredentials(
    {
      authorization: sources.authorization,
      dpop: sources.dpop,
      body: settings.allowBodyToken ? sources.body : undefined,
      query: settings.allowQueryToken ? sources.query : undefined,
    },
    settings.schemes,
  );
  if (found === undefined) return reject(settings.errors.missing());
  if ('token' in found) return accept(found);
  return reject(settings.errors.invalidRequest(found.description, found.scheme));
}
