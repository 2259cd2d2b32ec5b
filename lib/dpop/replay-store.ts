/**
 * The replay store of DPoP proofs: the one shared state a resource server needs so that a proof's
 * `jti` is accepted once within the proof window, on every instance that shares the store.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-11.1 | RFC 9449 §11.1}
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { isMtlsError, UnavailableError } from '../errors';
import { withTimeout } from '../internal/with-timeout';

/**
 * Remembers keys for a while and says whether a key is new. `add` must be atomic across every
 * process that shares the store: of two concurrent calls with the same live key, exactly one
 * resolves `true`. A store that cannot answer rejects; it never resolves `true` for a key it
 * could not record (fail closed).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-11.1 | RFC 9449 §11.1}
 */
export interface ReplayStore {
  /**
   * Records `key` for `ttlMs` milliseconds.
   *
   * @returns `true` when the key was new (now recorded), `false` when it is already recorded and
   * not yet expired (a replay).
   */
  add(key: string, ttlMs: number): Promise<boolean>;
}

/**
 * The fixed-length form of a key as stores keep it: base64url of its SHA-256 (43 characters). A
 * key carries attacker-chosen text (a proof's `jti`); its digest bounds every entry's size and
 * keeps that text out of Redis and out of logs.
 */
export function replayKeyDigest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64url');
}

/**
 * Checks the arguments every store receives: a string key and a TTL that is a positive, finite
 * number of milliseconds (rounded up to a whole millisecond).
 *
 * @returns the TTL in whole milliseconds.
 * @throws {TypeError} on a key that is not a string, {@link RangeError} on a bad TTL.
 */
export function checkReplayArguments(store: string, key: unknown, ttlMs: unknown): number {
  if (typeof key !== 'string') throw new TypeError(`${store}: the key must be a string.`);
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`${store}: the TTL must be a positive number of milliseconds.`);
  }
  return Math.ceil(ttlMs);
}

/**
 * Wraps a store so that every failure is a 503 and never an acceptance: `add` rejects with
 * {@link UnavailableError} `replay_store_timeout` when the store has not answered within `ms`
 * milliseconds, and `replay_store_unavailable` when it throws, rejects or answers anything but a
 * boolean. An {@link MtlsError} from the store (the memory store's `replay_store_full`) passes
 * through unchanged. The middleware calls its store only through this wrapper.
 *
 * A timed-out `add` may still complete later and record the key: the request was refused, and a
 * retry with the same proof is then a replay — the client makes a new proof.
 *
 * @param ms the deadline in milliseconds (an integer ≥ 1).
 * @throws {TypeError} from the call, on a store without `add` or a bad deadline.
 */
export function withReplayTimeout(store: ReplayStore, ms: number): ReplayStore {
  const given: unknown = store;
  if (
    typeof given !== 'object' ||
    given === null ||
    typeof (given as { add?: unknown }).add !== 'function'
  ) {
    throw new TypeError('withReplayTimeout(): the store must have an add(key, ttlMs) method.');
  }
  if (!Number.isSafeInteger(ms) || ms < 1) {
    throw new TypeError('withReplayTimeout(): the deadline must be an integer ≥ 1 (milliseconds).');
  }
  return {
    add: (key, ttlMs) =>
      withTimeout(
        Promise.resolve().then(() => store.add(key, ttlMs)),
        ms,
        () =>
          new UnavailableError('replay_store_timeout', {
            message: `the DPoP replay store did not answer within ${ms} ms`,
          }),
      ).then(
        (answer: unknown) => {
          if (typeof answer === 'boolean') return answer;
          throw new UnavailableError('replay_store_unavailable', {
            message: 'the DPoP replay store answered something other than true or false',
          });
        },
        (error: unknown) => {
          if (isMtlsError(error)) throw error;
          throw new UnavailableError('replay_store_unavailable', {
            message: `the DPoP replay store failed: ${error instanceof Error ? error.message : `a thrown ${typeof error}`}`,
            cause: error,
          });
        },
      ),
  };
}
