/**
 * The common shape of token verifiers (JWT, introspection) and of their outcomes. Verifiers
 * return outcomes instead of throwing, and answer synchronously when they can (a cache hit), so
 * the per-request path allocates no promise.
 *
 * @packageDocumentation
 */
import type { JwtPayload } from 'jsonwebtoken';
import type { TokenRejectionReason, UnavailableReason } from '../errors';

/** A token that passed verification. */
export interface TokenAccepted {
  readonly status: 'valid';
  /** The verified claims (the JWT payload or the introspection response). */
  readonly payload: JwtPayload;
}

/** A token that is refused (401 `invalid_token`). */
export interface TokenRefused {
  readonly status: 'invalid';
  readonly reason: TokenRejectionReason;
  /** What exactly was wrong, for logs (never the token). */
  readonly detail: string;
}

/** No decision could be reached because a dependency failed (503). */
export interface VerifierUnavailable {
  readonly status: 'unavailable';
  /** `jwks_unavailable` or `introspection_unavailable`. */
  readonly reason: UnavailableReason;
  readonly detail: string;
  readonly cause?: unknown;
}

/** The outcome of verifying one token. */
export type TokenVerification = TokenAccepted | TokenRefused | VerifierUnavailable;

/** A token verifier: synchronous when it can be, a promise when it must wait for I/O. */
export interface TokenVerifier {
  verify(token: string): TokenVerification | Promise<TokenVerification>;
}

/** A refusal outcome. */
export function refused(reason: TokenRejectionReason, detail: string): TokenRefused {
  return { status: 'invalid', reason, detail };
}

/** An unavailability outcome. */
export function unavailable(
  reason: UnavailableReason,
  detail: string,
  cause?: unknown,
): VerifierUnavailable {
  return cause === undefined
    ? { status: 'unavailable', reason, detail }
    : { status: 'unavailable', reason, detail, cause };
}

/** Freezes a JSON value deeply, so that a cached payload shared by requests cannot be altered. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** An acceptance outcome over a deeply frozen payload. */
export function accepted(payload: JwtPayload): TokenAccepted {
  return Object.freeze({ status: 'valid', payload: deepFreeze(payload) });
}
