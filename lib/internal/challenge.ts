/**
 * The one builder of `WWW-Authenticate` values, for the `Bearer` (RFC 6750 §3) and `DPoP`
 * (RFC 9449 §7.1) schemes, one challenge or several in one field value (RFC 9110 §11.6.1).
 * Parameter values go through {@link challengeParameterValue}, so no request content can break
 * the header.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1 | RFC 9110 §11.6.1}
 * @packageDocumentation
 */
import { challengeParameterValue } from './sanitize';

/** The RFC 6750 §3.1 error codes of a `Bearer` challenge. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** The error codes of a `DPoP` challenge: RFC 6750 §3.1's and RFC 9449 §7.1's own two. */
export type DpopErrorCode = BearerErrorCode | 'invalid_dpop_proof' | 'use_dpop_nonce';

/** Parameters of a `Bearer` challenge. Values are sanitised to the RFC 6750 character set. */
export interface BearerChallenge {
  /** The protection space (`realm="…"`). Default: none. */
  readonly realm?: string | undefined;
  /** The scopes the resource needs, space-separated (`scope="…"`). Default: none. */
  readonly scope?: string | undefined;
  /** The RFC 6750 §3.1 error code (`error="…"`). Default: none (no credentials were sent). */
  readonly error?: BearerErrorCode | undefined;
  /** A human-readable explanation (`error_description="…"`). Default: none. */
  readonly errorDescription?: string | undefined;
  /**
   * The URL of this resource's RFC 9728 metadata (`resource_metadata="…"`). Default: none.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9728#section-5.1 | RFC 9728 §5.1}
   */
  readonly resourceMetadata?: string | undefined;
}

/** Parameters of a `DPoP` challenge. Values are sanitised to the RFC 6750 character set. */
export interface DpopChallenge extends Omit<BearerChallenge, 'error'> {
  /** The error code (`error="…"`). Default: none. */
  readonly error?: DpopErrorCode | undefined;
  /**
   * The JWS algorithms accepted for proofs (`algs="ES256 PS256"`). Default (or empty): none.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
   */
  readonly algs?: readonly string[] | undefined;
}

/** One challenge of a `WWW-Authenticate` value: its scheme and parameters. */
export type Challenge =
  ({ readonly scheme: 'Bearer' } & BearerChallenge) | ({ readonly scheme: 'DPoP' } & DpopChallenge);

function render(scheme: string, challenge: DpopChallenge): string {
  const params: string[] = [];
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined) params.push(`${name}="${challengeParameterValue(value)}"`);
  };
  add('realm', challenge.realm);
  add('scope', challenge.scope);
  add('error', challenge.error);
  add('error_description', challenge.errorDescription);
  if (challenge.algs !== undefined && challenge.algs.length > 0) {
    add('algs', challenge.algs.join(' '));
  }
  add('resource_metadata', challenge.resourceMetadata);
  return params.length === 0 ? scheme : `${scheme} ${params.join(', ')}`;
}

/**
 * Builds an RFC 6750 `WWW-Authenticate: Bearer …` value. Parameters come in the order realm,
 * scope, error, error_description, resource_metadata; a parameter left `undefined` is omitted.
 * Quotes, backslashes, controls and non-ASCII characters are dropped from values.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9728#section-5.1 | RFC 9728 §5.1}
 */
export function bearerChallenge(challenge: BearerChallenge): string {
  return render('Bearer', challenge);
}

/**
 * Builds an RFC 9449 `WWW-Authenticate: DPoP …` value. Parameters come in the order realm,
 * scope, error, error_description, algs, resource_metadata; `algs` is written space-separated.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 */
export function dpopChallenge(challenge: DpopChallenge): string {
  return render('DPoP', challenge);
}

/**
 * Builds one `WWW-Authenticate` field value holding every challenge, in order, separated by
 * `, ` (for example `Bearer realm="api", DPoP realm="api", algs="ES256"`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1 | RFC 9110 §11.6.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.2 | RFC 9449 §7.2}
 */
export function wwwAuthenticate(challenges: readonly [Challenge, ...Challenge[]]): string {
  return challenges.map((challenge) => render(challenge.scheme, challenge)).join(', ');
}
