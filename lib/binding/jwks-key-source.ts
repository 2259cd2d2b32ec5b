/**
 * Verification keys from a JWKS endpoint, fetched with `jwks-rsa` (caching, rate-limited
 * refetch when an unknown `kid` shows up) and converted once to `KeyObject`s, which verify about
 * five times faster than PEM strings.
 *
 * @packageDocumentation
 */
import { createPublicKey } from 'node:crypto';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type * as JwksRsa from 'jwks-rsa';
import { LruCache } from '../internal/lru-cache';
import {
  allowedAlgorithms,
  type KeyLookup,
  type KeySource,
  type VerificationKey,
} from './key-source';
import { refused, unavailable } from './token-verification';

/** Settings of the JWKS key source. */
export interface JwksKeySourceOptions {
  readonly jwksUri: string;
  /** Milliseconds before a fetch counts as failed. */
  readonly timeout: number;
  /** Milliseconds a fetched key is kept. */
  readonly cacheMaxAge: number;
  /** The most keys kept. */
  readonly cacheMaxEntries: number;
  /** The most JWKS fetches per minute (refetches for unknown `kid`s included). */
  readonly requestsPerMinute: number;
  readonly agent: HttpAgent | HttpsAgent | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** The algorithms the verifier accepts. */
  readonly algorithms: readonly string[];
}

let jwksRsaModule: typeof JwksRsa | undefined;

/** Loads `jwks-rsa` (and its `jose`) only when a JWKS is configured. */
function jwksRsa(): typeof JwksRsa {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  jwksRsaModule ??= require('jwks-rsa') as typeof JwksRsa;
  return jwksRsaModule;
}

class JwksTimeoutError extends Error {
  override readonly name = 'JwksTimeoutError';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new JwksTimeoutError(`no answer within ${ms} ms`));
    }, ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}

function classify(jwksUri: string, error: unknown): KeyLookup {
  const name = error instanceof Error ? error.name : '';
  if (name === 'SigningKeyNotFoundError') {
    return refused('signature', 'no key of the JWKS matches the token kid');
  }
  if (name === 'JwksRateLimitError') {
    return refused('signature', 'unknown kid, and the JWKS refetch rate limit is reached');
  }
  const message = error instanceof Error ? error.message : String(error);
  return unavailable('jwks_unavailable', `JWKS ${jwksUri} unusable: ${message}`, error);
}

/**
 * A key source backed by a JWKS endpoint. Keys are cached by `kid` for `cacheMaxAge`; concurrent
 * lookups of the same `kid` share one fetch. An unknown `kid` triggers a refetch (rate-limited);
 * still unknown → refusal (`signature`). An endpoint that is down, slow or answers anything but
 * a usable JWKS → unavailability (503), never a silent accept.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-5 | RFC 7517 §5} (JWK Set)
 */
export function jwksKeySource(options: JwksKeySourceOptions): KeySource {
  const client = new (jwksRsa().JwksClient)({
    jwksUri: options.jwksUri,
    cache: true,
    cacheMaxAge: options.cacheMaxAge,
    cacheMaxEntries: options.cacheMaxEntries,
    rateLimit: true,
    jwksRequestsPerMinute: options.requestsPerMinute,
    // our own deadline (withTimeout) decides; this only makes sure the socket is released
    timeout: options.timeout * 2,
    ...(options.agent === undefined ? {} : { requestAgent: options.agent }),
    ...(options.headers === undefined ? {} : { requestHeaders: { ...options.headers } }),
  });
  const keys = new LruCache<string | undefined, VerificationKey>(options.cacheMaxEntries);
  const pending = new Map<string | undefined, Promise<KeyLookup>>();

  async function fetchKey(kid: string | undefined): Promise<KeyLookup> {
    let signingKey: JwksRsa.SigningKey;
    try {
      signingKey = await withTimeout(client.getSigningKey(kid), options.timeout);
    } catch (error) {
      return classify(options.jwksUri, error);
    }
    const key = createPublicKey(signingKey.getPublicKey());
    const entry: VerificationKey = Object.freeze({
      status: 'key',
      key,
      algorithms: allowedAlgorithms(key, options.algorithms, signingKey.alg),
    });
    keys.set(kid, entry, Date.now() + options.cacheMaxAge);
    return entry;
  }

  return {
    get(kid) {
      const cached = keys.get(kid);
      if (cached !== undefined) return cached;
      let lookup = pending.get(kid);
      if (lookup === undefined) {
        lookup = fetchKey(kid).finally(() => pending.delete(kid));
        pending.set(kid, lookup);
      }
      return lookup;
    },
  };
}
