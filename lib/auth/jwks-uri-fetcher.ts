/**
 * Fetches the JWK Sets clients publish at their `jwks_uri`, with a timeout, a size limit, a
 * bounded cache, and a rate limit on refetches and on retries after a failure. No Express.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7591#section-2 | RFC 7591 §2} (jwks_uri)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.2.2 | RFC 8705 §2.2.2}
 * @packageDocumentation
 */
import { traceDependency } from '../diagnostics';
import { DomainError } from '../internal/domain-error';
import { fetchBounded, HttpClientError } from '../internal/http-client';
import { LruCache } from '../internal/lru-cache';
import { ClientRegistrationError } from './client-metadata';

/** Why a `jwks_uri` could not be used: unreachable or failing, or not a JWK Set. */
export type JwksFetchProblem = 'jwks_uri_unavailable' | 'jwks_uri_invalid';

/** Raised when a client's `jwks_uri` cannot be fetched or does not hold a usable JWK Set. */
export class JwksFetchError extends DomainError<JwksFetchProblem> {
  override readonly name = 'JwksFetchError';
  readonly kind = 'client_jwks';
}

/** Settings of a {@link JwksUriFetcher}. Durations in milliseconds. */
export interface JwksUriFetcherOptions {
  /** Longest wait for the whole response. */
  readonly timeout: number;
  /** Largest response body accepted, in bytes. */
  readonly maxBytes: number;
  /** How long a fetched set is used without asking again. */
  readonly cacheTtl: number;
  /** Shortest interval between two fetches of one URI (refetch on a miss, retry after a failure). */
  readonly cooldown: number;
  /** Most URIs kept in the cache. */
  readonly cacheSize: number;
  /** Accept `http:` URIs (tests on loopback only). */
  readonly allowHttp: boolean;
  /** The clock, in epoch milliseconds. */
  readonly now?: (() => number) | undefined;
}

/** A fetched-and-transformed JWK Set, and whether it came from the network just now. */
export interface FetchedJwks<T> {
  readonly value: T;
  readonly fresh: boolean;
}

/**
 * Fetches `jwks_uri` documents and keeps them, transformed, in a bounded cache. Concurrent
 * requests for one URI share one fetch. After a fetch (successful or not), the URI is not
 * fetched again for `cooldown`: a failure is remembered for that long, so that a client whose
 * server is down cannot make every request wait for a timeout.
 */
export class JwksUriFetcher<T> {
  readonly #options: JwksUriFetcherOptions;
  readonly #transform: (json: unknown) => T;
  readonly #now: () => number;
  readonly #cache: LruCache<string, T>;
  readonly #attempts: LruCache<string, { at: number; error?: JwksFetchError }>;
  readonly #inFlight = new Map<string, Promise<T>>();

  constructor(options: JwksUriFetcherOptions, transform: (json: unknown) => T) {
    this.#options = options;
    this.#transform = transform;
    this.#now = options.now ?? Date.now;
    this.#cache = new LruCache(options.cacheSize);
    this.#attempts = new LruCache(Math.max(options.cacheSize, 1));
  }

  /**
   * The JWK Set at `uri`, from the cache while fresh, otherwise fetched.
   *
   * @throws {ClientRegistrationError} `invalid_registration` when `uri` is not an HTTPS URL.
   * @throws {JwksFetchError} when the set cannot be fetched or is invalid.
   */
  async get(uri: string): Promise<FetchedJwks<T>> {
    const url = this.#checkUri(uri);
    const cached = this.#cache.get(uri, this.#now());
    if (cached !== undefined) return { value: cached, fresh: false };
    const recent = this.#recentAttempt(uri);
    if (recent?.error !== undefined) throw recent.error;
    return { value: await this.#fetchShared(uri, url), fresh: true };
  }

  /**
   * Fetches `uri` again (after a miss), unless it was fetched less than `cooldown` ago.
   *
   * @returns the new set, or `undefined` when rate-limited.
   * @throws {JwksFetchError} when the refetch fails.
   */
  async refresh(uri: string): Promise<T | undefined> {
    const url = this.#checkUri(uri);
    if (this.#recentAttempt(uri) !== undefined) return undefined;
    return this.#fetchShared(uri, url);
  }

  #recentAttempt(uri: string): { at: number; error?: JwksFetchError } | undefined {
    const attempt = this.#attempts.get(uri);
    return attempt !== undefined && this.#now() - attempt.at < this.#options.cooldown
      ? attempt
      : undefined;
  }

  #checkUri(uri: string): URL {
    let url: URL | undefined;
    try {
      url = new URL(uri);
    } catch {
      url = undefined;
    }
    const allowed =
      url?.protocol === 'https:' || (url?.protocol === 'http:' && this.#options.allowHttp);
    if (url === undefined || !allowed) {
      throw new ClientRegistrationError(
        'invalid_registration',
        `jwks_uri must be an absolute https: URL${this.#options.allowHttp ? ' (or http:)' : ''}`,
      );
    }
    return url;
  }

  #fetchShared(uri: string, url: URL): Promise<T> {
    let pending = this.#inFlight.get(uri);
    if (pending === undefined) {
      pending = this.#fetch(uri, url).finally(() => this.#inFlight.delete(uri));
      this.#inFlight.set(uri, pending);
    }
    return pending;
  }

  async #fetch(uri: string, url: URL): Promise<T> {
    const at = this.#now();
    try {
      const value = this.#transform(
        await traceDependency('client_jwks', () => this.#download(url)),
      );
      this.#attempts.set(uri, { at });
      this.#cache.set(uri, value, this.#now() + this.#options.cacheTtl);
      return value;
    } catch (error) {
      const failure =
        error instanceof JwksFetchError
          ? error
          : new JwksFetchError(
              'jwks_uri_invalid',
              `not a usable JWK Set: ${(error as Error).message}`,
              {
                cause: error,
              },
            );
      this.#attempts.set(uri, { at, error: failure });
      this.#cache.delete(uri);
      throw failure;
    }
  }

  async #download(url: URL): Promise<unknown> {
    const { timeout, maxBytes } = this.#options;
    let body: Buffer;
    try {
      ({ body } = await fetchBounded({
        url,
        headers: { accept: 'application/jwk-set+json, application/json' },
        timeoutMs: timeout,
        maxBytes,
        expectStatus: 200,
      }));
    } catch (error) {
      throw fetchFailure(error as HttpClientError, maxBytes);
    }
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch (error) {
      throw new JwksFetchError('jwks_uri_invalid', 'jwks_uri did not return JSON', {
        cause: error,
      });
    }
  }
}

/**
 * The one mapping of a failed `jwks_uri` download: an oversized answer is the client's invalid
 * JWK Set; any other failure (status, redirect, timeout, network) leaves it unavailable.
 */
function fetchFailure(error: HttpClientError, maxBytes: number): JwksFetchError {
  switch (error.kind) {
    case 'too_large':
      return new JwksFetchError(
        'jwks_uri_invalid',
        `jwks_uri returned more than ${maxBytes} bytes`,
        {
          cause: error,
        },
      );
    case 'status':
    case 'timeout':
      return new JwksFetchError('jwks_uri_unavailable', `jwks_uri ${error.detail}`, {
        cause: error,
      });
    default:
      return new JwksFetchError('jwks_uri_unavailable', 'jwks_uri request failed', {
        cause: error,
      });
  }
}
