/**
 * The in-memory replay store: bounded, per process.
 *
 * @packageDocumentation
 */
import { UnavailableError } from '../errors';
import { checkOptions, integerOption } from '../internal/options';
import { warnOnce } from '../warnings';
import { checkReplayArguments, replayKeyDigest, type ReplayStore } from './replay-store';

const FACTORY = 'memoryReplayStore()';

/** How many expired entries one `add` removes from the oldest end, at most. */
const SWEEP_PER_ADD = 2;

/** Options of {@link memoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * The most keys held at once (an integer ≥ 1). Default `100000`. Size it to at least the peak
   * number of proofs accepted per second times the proof window in seconds: a store full of
   * unexpired keys refuses new ones with a 503 (see {@link memoryReplayStore}). Each entry costs
   * about 120 bytes of heap (12 MB at the default bound).
   */
  readonly maxEntries?: number | undefined;
  /** The clock, in epoch milliseconds (tests). Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/**
 * A replay store in this process's memory: the default of the DPoP middleware, right for one
 * process only. Several instances (a cluster, several pods) each keep their own, so a proof
 * accepted by one is accepted again by the others: use `redisReplayStore()` there. The first
 * `add` emits the warning `MTLS_REPLAY_STORE_LOCAL` once per process.
 *
 * Keys are kept as their SHA-256 digest, so an entry has a fixed size whatever the key. `add` is
 * O(1): entries are kept in insertion order, and each call first drops up to two expired entries
 * from the oldest end. With one TTL for every key (the proof window, as the middleware uses it),
 * insertion order is expiry order, so expired entries are always dropped before live ones.
 *
 * At the bound (`maxEntries` keys, none expired) the store fails closed: `add` rejects with
 * {@link UnavailableError} `replay_store_full` (503) instead of evicting a live key, because an
 * evicted key could be replayed within its window. A client holding a valid token can fill the
 * store with fresh proofs; that costs availability (503 until keys expire), never a replay.
 *
 * @throws {TypeError} on an unknown option, a `maxEntries` that is not an integer ≥ 1, or a `now`
 * that is not a function.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-11.1 | RFC 9449 §11.1}
 */
export function memoryReplayStore(options?: MemoryReplayStoreOptions): ReplayStore {
  const o = checkOptions(FACTORY, options, ['maxEntries', 'now']);
  const maxEntries = integerOption(FACTORY, 'maxEntries', o.maxEntries, 100_000, 1);
  const clock: unknown = o.now ?? Date.now;
  if (typeof clock !== 'function') {
    throw new TypeError(`${FACTORY}: "now" must be a function returning epoch milliseconds.`);
  }
  const now = clock as () => number;
  const expiries = new Map<string, number>();
  let warned = false;

  const sweep = (time: number): void => {
    let removed = 0;
    for (const [digest, expires] of expiries) {
      if (expires > time || removed === SWEEP_PER_ADD) return;
      expiries.delete(digest);
      removed++;
    }
  };

  const addNow = (key: string, ttlMs: number): boolean => {
    const ttl = checkReplayArguments(FACTORY, key, ttlMs);
    if (!warned) {
      warned = true;
      warnOnce(
        'MTLS_REPLAY_STORE_LOCAL',
        'DPoP replay protection uses memoryReplayStore(), which protects this process only: ' +
          'with several instances, a proof accepted by one is accepted again by another. ' +
          'Share a redisReplayStore() between the instances.',
      );
    }
    const time = now();
    sweep(time);
    const digest = replayKeyDigest(key);
    const expires = expiries.get(digest);
    if (expires !== undefined) {
      if (expires > time) return false;
      expiries.delete(digest);
    }
    if (expiries.size >= maxEntries) {
      throw new UnavailableError('replay_store_full', {
        message:
          `the in-memory DPoP replay store holds ${maxEntries} unexpired proofs: ` +
          'raise maxEntries or use redisReplayStore()',
      });
    }
    expiries.set(digest, time + ttl);
    return true;
  };

  return {
    add: (key, ttlMs) =>
      new Promise<boolean>((resolve) => {
        resolve(addNow(key, ttlMs));
      }),
  };
}
