/**
 * Bearer-token extraction (RFC 6750 §2), as pure code: the adapter hands over the raw values it
 * read from the request and gets back the token, "none", or why the request is malformed.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2 | RFC 6750 §2}
 * @packageDocumentation
 */

/** `b64token` (RFC 6750 §2.1), the token68 syntax of RFC 9110 §11.2. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BEARER_CREDENTIALS = /^bearer +(\S+)$/i;
const BEARER_SCHEME = /^bearer(?: |$)/i;

/** Where a bearer token was found. */
export type BearerTokenLocation = 'header' | 'body' | 'query';

/** The values a request offers, already read by the adapter (`undefined` when not offered). */
export interface BearerTokenSources {
  /** Every `Authorization` field line of the request (Node keeps only the first in `headers`). */
  readonly authorization: readonly string[];
  /** `access_token` of an `application/x-www-form-urlencoded` body, when body tokens are on. */
  readonly body?: unknown;
  /** `access_token` of the query string, when query tokens are on. */
  readonly query?: unknown;
}

/** The outcome of {@link extractBearerToken}. */
export type BearerTokenExtraction =
  | { readonly kind: 'token'; readonly token: string; readonly location: BearerTokenLocation }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly description: string };

const MISSING: BearerTokenExtraction = Object.freeze({ kind: 'missing' });

function invalid(description: string): BearerTokenExtraction {
  return { kind: 'invalid', description };
}

/**
 * Finds the one bearer token of a request.
 *
 * - `Authorization: Bearer <b64token>`: the scheme is case-insensitive, the token must have the
 *   `b64token` syntax. Another scheme (`Basic`, `DPoP`…) is not a bearer token: it counts as
 *   absent. `Bearer` with a malformed or missing token, or several `Authorization` lines, is
 *   invalid.
 * - Body and query `access_token`: one non-empty string with the same syntax; a repeated
 *   parameter (an array) is invalid.
 * - A token in more than one place is invalid (RFC 6750 §2: "MUST NOT use more than one method").
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2.1 | RFC 6750 §2.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2.2 | RFC 6750 §2.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2.3 | RFC 6750 §2.3}
 */
export function extractBearerToken(sources: BearerTokenSources): BearerTokenExtraction {
  const { authorization } = sources;
  if (authorization.length > 1) return invalid('more than one Authorization header');
  let found: BearerTokenExtraction = MISSING;
  const header = authorization[0];
  if (header !== undefined && BEARER_SCHEME.test(header)) {
    const token = BEARER_CREDENTIALS.exec(header)?.[1];
    if (token === undefined || !B64TOKEN.test(token)) {
      return invalid('malformed Bearer credentials');
    }
    found = { kind: 'token', token, location: 'header' };
  }
  for (const location of ['body', 'query'] as const) {
    const value = sources[location];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !B64TOKEN.test(value)) {
      return invalid(`malformed access_token ${location} parameter`);
    }
    if (found.kind === 'token') return invalid('access token sent in more than one way');
    found = { kind: 'token', token: value, location };
  }
  return found;
}
