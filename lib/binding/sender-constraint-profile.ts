/**
 * What a `requireSenderConstrainedToken()` middleware accepts, remembered per middleware so that
 * `protectedResourceMetadata({ middleware })` can publish exactly that (RFC 9728 §2) instead of a
 * second copy of the options that could drift.
 *
 * @packageDocumentation
 */
import type { RequestHandler } from 'express';
import type { BindingMethod } from './decide-binding';

/** The sender constraints a middleware accepts. */
export interface SenderConstraintProfile {
  readonly methods: readonly BindingMethod[];
  /** The DPoP proof algorithms, when `methods` includes `'dpop'`. */
  readonly dpopAlgorithms: readonly string[] | undefined;
  /** Whether tokens without `cnf` pass (`allowUnboundTokens`). */
  readonly allowUnbound: boolean;
}

const profiles = new WeakMap<RequestHandler, SenderConstraintProfile>();

/** Records the profile of a middleware made by `requireSenderConstrainedToken()`. */
export function rememberSenderConstraint(
  middleware: RequestHandler,
  profile: SenderConstraintProfile,
): RequestHandler {
  profiles.set(middleware, Object.freeze(profile));
  return middleware;
}

/** The profile of `middleware`, or `undefined` when `requireSenderConstrainedToken()` did not make it. */
export function senderConstraintOf(middleware: unknown): SenderConstraintProfile | undefined {
  return typeof middleware === 'function' ? profiles.get(middleware as RequestHandler) : undefined;
}
