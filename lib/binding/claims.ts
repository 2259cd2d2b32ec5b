/**
 * Claim checks that do not need the signature: validity window, token age, issuer, audience and
 * required claims. They run on every request, also when the signature check was cached, and use
 * the same arithmetic as `jsonwebtoken` so that both paths agree to the second.
 *
 * @packageDocumentation
 */
import type { JwtPayload } from 'jsonwebtoken';
import { refused, type TokenRefused } from './token-verification';

/** The time policy of a verifier. */
export interface TimePolicy {
  /** Seconds of clock skew tolerated on `exp`, `nbf` and the token age. */
  readonly clockTolerance: number;
  /** The greatest accepted age in seconds since `iat`, or `undefined` for no limit. */
  readonly maxTokenAge: number | undefined;
}

/** The current time in whole seconds, as `jsonwebtoken` computes it. */
export function nowInSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Checks `nbf`, `exp` and (with `maxTokenAge`) `iat` against `now` (seconds).
 *
 * @returns the refusal, or `undefined` when the token is within its validity window.
 * @see {@link https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4 | RFC 7519 §4.1.4} (`exp`)
 * @see {@link https://www.rfc-editor.org/rfc/rfc7519#section-4.1.5 | RFC 7519 §4.1.5} (`nbf`)
 */
export function checkTimeClaims(
  payload: JwtPayload,
  now: number,
  policy: TimePolicy,
): TokenRefused | undefined {
  const { nbf, exp, iat } = payload;
  const tolerance = policy.clockTolerance;
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') return refused('malformed', 'nbf is not a number');
    if (nbf > now + tolerance) return refused('not_yet_valid', 'nbf is in the future');
  }
  if (exp !== undefined) {
    if (typeof exp !== 'number') return refused('malformed', 'exp is not a number');
    if (now >= exp + tolerance) return refused('expired', 'exp is in the past');
  }
  if (policy.maxTokenAge !== undefined) {
    if (typeof iat !== 'number') return refused('claims', 'iat is required with maxTokenAge');
    if (now >= iat + policy.maxTokenAge + tolerance) {
      return refused('too_old', 'iat is older than maxTokenAge');
    }
  }
  return undefined;
}

/**
 * Checks `iss` (one of `issuers`) and `aud` (a string or array with at least one of
 * `audiences`). An `undefined` list means "not checked".
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-4 | RFC 9068 §4}
 */
export function checkIssuerAndAudience(
  payload: JwtPayload,
  issuers: readonly string[] | undefined,
  audiences: readonly string[] | undefined,
): TokenRefused | undefined {
  if (audiences !== undefined) {
    const { aud } = payload;
    const values: readonly unknown[] = Array.isArray(aud) ? aud : [aud];
    if (!values.some((value) => typeof value === 'string' && audiences.includes(value))) {
      return refused('audience', 'aud does not name this resource server');
    }
  }
  if (issuers !== undefined) {
    const { iss } = payload;
    if (typeof iss !== 'string' || !issuers.includes(iss)) {
      return refused('issuer', 'iss is not an accepted issuer');
    }
  }
  return undefined;
}

/** Checks that every claim in `required` is present and not `null`. */
export function checkRequiredClaims(
  payload: JwtPayload,
  required: readonly string[],
): TokenRefused | undefined {
  for (const name of required) {
    if (!Object.hasOwn(payload, name) || payload[name] === null) {
      return refused('claims', `required claim ${name} is missing`);
    }
  }
  return undefined;
}
