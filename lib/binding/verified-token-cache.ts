/**
 * The verified-token cache: a token's signature (or its introspection) is checked once, while
 * its validity window is still checked on every request. Entries are keyed by a SHA-256 of the
 * token (the token itself is never kept as a key), bounded in number, and never outlive the
 * token's `exp` or the maximum TTL.
 *
 * @packageDocumentation
 */
import { hash } from 'node:crypto';
import { publishCache } from '../diagnostics';
import { LruCache } from '../internal/lru-cache';
import { checkTimeClaims, nowInSeconds, type TimePolicy } from './claims';
import type { TokenAccepted, TokenVerification, TokenVerifier } from './token-verification';

/** Settings of {@link cachingVerifier}. */
export interface VerifiedTokenCacheOptions {
  /** The most tokens kept; `0` turns the cache off. */
  readonly maxEntries: number;
  /** The longest an entry is kept, in milliseconds. */
  readonly maxTtl: number;
  /** The time policy re-applied on every hit. */
  readonly time: TimePolicy;
}

/** The cache key of a token: its SHA-256, base64. */
export function tokenCacheKey(token: string): string {
  return hash('sha256', token, 'base64');
}

/**
 * Wraps `inner` with the verified-token cache. Only accepted tokens are cached; concurrent
 * verifications of the same token share one call to `inner` (one JWKS fetch, one introspection).
 */
export function cachingVerifier(
  inner: TokenVerifier,
  options: VerifiedTokenCacheOptions,
): TokenVerifier {
  if (options.maxEntries === 0) return inner;
  const cache = new LruCache<string, TokenAccepted>(options.maxEntries);
  const pending = new Map<string, Promise<TokenVerification>>();

  function store(key: string, result: TokenVerification): TokenVerification {
    if (result.status === 'valid') {
      const { exp } = result.payload;
      const limit = Date.now() + options.maxTtl;
      cache.set(key, result, typeof exp === 'number' ? Math.min(exp * 1000, limit) : limit);
    }
    return result;
  }

  return {
    verify(token) {
      const key = tokenCacheKey(token);
      const hit = cache.get(key);
      publishCache('token', hit !== undefined);
      if (hit !== undefined)
        return checkTimeClaims(hit.payload, nowInSeconds(), options.time) ?? hit;
      const waiting = pending.get(key);
      if (waiting !== undefined) return waiting;
      const result = inner.verify(token);
      if (!(result instanceof Promise)) return store(key, result);
      const shared = result.then(
        (value) => {
          pending.delete(key);
          return store(key, value);
        },
        (error: unknown) => {
          pending.delete(key);
          throw error;
        },
      );
      pending.set(key, shared);
      return shared;
    },
  };
}
