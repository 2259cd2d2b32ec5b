/**
 * Verification keys from a JWKS endpoint, downloaded by the library's one bounded HTTP client
 * (timeout, size cap, no redirects) as `jwks-rsa`'s `fetcher`, read by `jwks-rsa`, cached and
 * refetched (rate-limited) when an unknown `kid` shows up, and converted once to `KeyObject`s,
 * which verify about five times faster than PEM strings.
 *
 * @packageDocumentation
 */
import { createPublicKey } from 'node:crypto';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type * as JwksRsa from 'jwks-rsa';
import { publishCache, traceDependency } from '../diagnostics';
import { fetchBounded, HttpClientError } from '../internal/http-client';
import { LruCache } from '../internal/lru-cache';
import {
  allowedAlgorithms,
  type KeyLookup,
  type KeySource,
  type VerificationKey,
} from './key-source';
import { refused, unavailable, type VerifierUnavailable } from './token-verification';

/** Settings of the JWKS key source. */
export interface JwksKeySourceOptions {
  readonly jwksUri: string;
  /** Milliseconds before a fetch counts as failed. */
  readonly timeout: number;
  /** The largest JWKS accepted, in bytes. Default {@link JWKS_MAX_BYTES}. */
  readonly maxBytes?: number | undefined;
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

/** The largest JWKS document accepted by default: 1 MiB (a real JWKS is a few kilobytes). */
export const JWKS_MAX_BYTES = 1024 * 1024;

const MINUTE = 60_000;

/** A fetched key set by `kid`, or why it could not be fetched. */
type FetchedSet =
  | { readonly status: 'fetched'; readonly keys: ReadonlyMap<string | undefined, VerificationKey> }
  | VerifierUnavailable;

/**
 * A key source backed by a JWKS endpoint. Every fetch reads the whole set, and every key in it is
 * cached by `kid` for `cacheMaxAge` (a lone key also answers tokens without `kid`); concurrent
 * lookups share one fetch. An unknown `kid` triggers a refetch, at most `requestsPerMinute` in any
 * minute; still unknown → refusal (`signature`). Because a refetch caches the whole set, a flood of
 * made-up `kid`s cannot keep the genuine keys out of the cache. An endpoint that is down, slow or
 * answers anything but a usable JWKS → unavailability (503), never a silent accept; and while
 * refetches are exhausted after such a failure, unknown `kid`s keep getting that unavailability
 * rather than a refusal (a token that could not be checked is not called invalid).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-5 | RFC 7517 §5} (JWK Set)
 */
export function jwksKeySource(options: JwksKeySourceOptions): KeySource {
  const client = new (jwksRsa().JwksClient)({
    jwksUri: options.jwksUri,
    // the whole set is cached and refetches are limited here, not per kid by jwks-rsa
    cache: false,
    rateLimit: false,
    fetcher: async (uri) => {
      const { body } = await fetchBounded({
        url: uri,
        headers: options.headers,
        agent: options.agent,
        timeoutMs: options.timeout,
        maxBytes: options.maxBytes ?? JWKS_MAX_BYTES,
      });
      const text = body.toString('utf8');
      // as jwks-rsa's own client: an empty body is "no keys", anything else must be JSON
      return (text && JSON.parse(text)) as { keys: unknown };
    },
  });
  const keys = new LruCache<string | undefined, VerificationKey>(options.cacheMaxEntries);
  /** When the fetches of the last minute started (oldest first). */
  const fetchTimes: number[] = [];
  /** The outcome of the last fetch when it failed; `undefined` after a success. */
  let lastFailure: VerifierUnavailable | undefined;
  let inFlight: Promise<FetchedSet> | undefined;

  /** The one mapping of a failed fetch: `jwks_unavailable` (503). */
  function unusable(error: unknown): VerifierUnavailable {
    // jwks-rsa rejects with Errors only: ours (the download) or its own (the set's content)
    const message = error instanceof HttpClientError ? error.detail : (error as Error).message;
    return unavailable('jwks_unavailable', `JWKS ${options.jwksUri} unusable: ${message}`, error);
  }

  /** Fetches the whole set and caches every key in it; also returns it, by `kid`. */
  async function fetchSet(): Promise<FetchedSet> {
    let signingKeys: JwksRsa.SigningKey[];
    try {
      signingKeys = await traceDependency('jwks', () => client.getSigningKeys());
    } catch (error) {
      return unusable(error);
    }
    const expires = Date.now() + options.cacheMaxAge;
    const set = new Map<string | undefined, VerificationKey>();
    for (const signingKey of signingKeys) {
      const key = createPublicKey(signingKey.getPublicKey());
      const entry: VerificationKey = Object.freeze({
        status: 'key',
        key,
        algorithms: allowedAlgorithms(key, options.algorithms, signingKey.alg),
      });
      // jwks-rsa leaves kid out when the JWK has none
      const kid = signingKey.kid as string | undefined;
      if (kid !== undefined) set.set(kid, entry);
      if (signingKeys.length === 1) set.set(undefined, entry);
    }
    keys.delete(undefined);
    for (const [kid, entry] of set) keys.set(kid, entry, expires);
    return { status: 'fetched', keys: set };
  }

  /** Whether one more fetch fits in the last minute's budget. */
  function mayFetch(now: number): boolean {
    while (fetchTimes.length > 0 && now - (fetchTimes[0] as number) >= MINUTE) fetchTimes.shift();
    return fetchTimes.length < options.requestsPerMinute;
  }

  async function fetchAndFind(kid: string | undefined): Promise<KeyLookup> {
    if (inFlight === undefined) {
      const now = Date.now();
      if (!mayFetch(now)) {
        return (
          lastFailure ??
          refused('signature', 'unknown kid, and the JWKS refetch rate limit is reached')
        );
      }
      fetchTimes.push(now);
      inFlight = fetchSet().then((fetched) => {
        lastFailure = fetched.status === 'fetched' ? undefined : fetched;
        inFlight = undefined;
        return fetched;
      });
    }
    const fetched = await inFlight;
    if (fetched.status !== 'fetched') return fetched;
    return (
      fetched.keys.get(kid) ?? refused('signature', 'no key of the JWKS matches the token kid')
    );
  }

  return {
    get(kid) {
      const key = keys.get(kid);
      publishCache('jwks_key', key !== undefined);
      return key ?? fetchAndFind(kid);
    },
  };
}
