/**
 * Bearer-token extraction (RFC 6750 §2) in its first shape (`kind`), kept for its callers: a view
 * of the one extractor, `credentials.ts`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2 | RFC 6750 §2}
 * @packageDocumentation
 */
import { scanCredentials, type CredentialScheme, type TokenLocation } from './credentials';

const BEARER: readonly CredentialScheme[] = Object.freeze(['bearer']);

/** Where a bearer token was found. */
export type BearerTokenLocation = TokenLocation;

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

/**
 * Finds the one bearer token of a request: the `Bearer`-only view of
 * {@link scanCredentials} (the middlewares use `extractCredentials()`).
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
  const found = scanCredentials(sources, BEARER);
  if (found === undefined) return MISSING;
  if ('token' in found) return { kind: 'token', token: found.token, location: found.location };
  return { kind: 'invalid', description: found.description };
}
