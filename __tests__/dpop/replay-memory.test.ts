import { memoryReplayStore, UnavailableError } from '../../lib';
import { withReplayTimeout } from '../../lib/dpop/replay-store';
import { forgetWarnings } from '../../lib/warnings';

let emitWarning: jest.SpyInstance;

beforeEach(() => {
  forgetWarnings();
  emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});

afterEach(() => {
  emitWarning.mockRestore();
});

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

describe('memoryReplayStore(): options, checked at creation', () => {
  it.each<[string, unknown, RegExp]>([
    ['a zero bound', { maxEntries: 0 }, /"maxEntries" must be an integer ≥ 1/],
    ['a fractional bound', { maxEntries: 1.5 }, /"maxEntries" must be an integer ≥ 1/],
    ['a string bound', { maxEntries: '10' }, /"maxEntries" must be an integer ≥ 1/],
    ['a clock that is not a function', { now: 5 }, /"now" must be a function/],
    ['a misspelled option', { maxentries: 5 }, /unknown option "maxentries"\. Did you mean/],
    ['options that are not an object', 'big', /options must be an object/],
  ])('refuses %s with a TypeError', (_name, options, message) => {
    expect(() => memoryReplayStore(options as never)).toThrow(TypeError);
    expect(() => memoryReplayStore(options as never)).toThrow(message);
  });

  it('takes no options, {} and { maxEntries: undefined } alike', async () => {
    for (const store of [
      memoryReplayStore(),
      memoryReplayStore({}),
      memoryReplayStore({ maxEntries: undefined, now: undefined }),
    ]) {
      await expect(store.add('k', 1000)).resolves.toBe(true);
      await expect(store.add('k', 1000)).resolves.toBe(false);
    }
  });
});

describe('memoryReplayStore(): replay detection', () => {
  it('answers true for a new key, false for the same key within its TTL', async () => {
    const clock = manualClock();
    const store = memoryReplayStore({ now: clock.now });
    await expect(store.add('jkt:jti-1', 300_000)).resolves.toBe(true);
    await expect(store.add('jkt:jti-1', 300_000)).resolves.toBe(false);
    await expect(store.add('jkt:jti-2', 300_000)).resolves.toBe(true);
    clock.advance(299_999);
    await expect(store.add('jkt:jti-1', 300_000)).resolves.toBe(false);
  });

  it('forgets a key once its TTL has passed (expiry is exclusive)', async () => {
    const clock = manualClock();
    const store = memoryReplayStore({ now: clock.now });
    await expect(store.add('k', 1000)).resolves.toBe(true);
    clock.advance(1000);
    await expect(store.add('k', 1000)).resolves.toBe(true);
    await expect(store.add('k', 1000)).resolves.toBe(false);
  });

  it('rounds a fractional TTL up, never down', async () => {
    const clock = manualClock();
    const store = memoryReplayStore({ now: clock.now });
    await expect(store.add('k', 0.2)).resolves.toBe(true);
    await expect(store.add('k', 0.2)).resolves.toBe(false);
    clock.advance(1);
    await expect(store.add('k', 0.2)).resolves.toBe(true);
  });

  it('answers exactly one true of 50 concurrent adds of one key', async () => {
    const store = memoryReplayStore();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.add('raced', 1000)));
    expect(results.filter((r) => r)).toHaveLength(1);
  });

  it('holds keys of any length and content as fixed-size digests', async () => {
    const store = memoryReplayStore();
    const huge = 'x'.repeat(1_000_000);
    await expect(store.add(huge, 1000)).resolves.toBe(true);
    await expect(store.add(huge, 1000)).resolves.toBe(false);
    await expect(store.add(`${huge}y`, 1000)).resolves.toBe(true);
    await expect(store.add('', 1000)).resolves.toBe(true);
    await expect(store.add('', 1000)).resolves.toBe(false);
  });

  it.each<[string, unknown, unknown, ErrorConstructor]>([
    ['a zero TTL', 'k', 0, RangeError],
    ['a negative TTL', 'k', -5, RangeError],
    ['an infinite TTL', 'k', Infinity, RangeError],
    ['a NaN TTL', 'k', Number.NaN, RangeError],
    ['a string TTL', 'k', '1000', RangeError],
    ['a key that is not a string', 42, 1000, TypeError],
  ])('rejects %s (and records nothing)', async (_name, key, ttl, type) => {
    const store = memoryReplayStore();
    await expect(store.add(key as string, ttl as number)).rejects.toThrow(type);
    await expect(store.add('k', 1000)).resolves.toBe(true);
  });
});

describe('memoryReplayStore(): the bound', () => {
  it('drops expired keys first, so a full store of expired keys takes new ones', async () => {
    const clock = manualClock();
    const store = memoryReplayStore({ maxEntries: 3, now: clock.now });
    for (const key of ['a', 'b', 'c']) await expect(store.add(key, 1000)).resolves.toBe(true);
    clock.advance(1000);
    for (const key of ['d', 'e', 'f']) await expect(store.add(key, 1000)).resolves.toBe(true);
    for (const key of ['d', 'e', 'f']) await expect(store.add(key, 1000)).resolves.toBe(false);
  });

  it('fails closed when full of live keys: 503 replay_store_full, and no live key is evicted', async () => {
    const clock = manualClock();
    const store = memoryReplayStore({ maxEntries: 3, now: clock.now });
    for (const key of ['a', 'b', 'c']) await expect(store.add(key, 1000)).resolves.toBe(true);
    const error: unknown = await store.add('d', 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({
      code: 'ERR_MTLS_UNAVAILABLE',
      status: 503,
      reason: 'replay_store_full',
      headers: { 'Retry-After': '5' },
    });
    expect((error as Error).message).toMatch(/holds 3 unexpired proofs: raise maxEntries/);
    // the oldest live key is still refused as a replay: nothing was evicted to make room
    await expect(store.add('a', 1000)).resolves.toBe(false);
    // a replayed key is still recognised while full
    await expect(store.add('c', 1000)).resolves.toBe(false);
    // once the oldest key expires, there is room again
    clock.advance(1000);
    await expect(store.add('d', 1000)).resolves.toBe(true);
  });

  it('re-adds an expired key that is not the oldest in its place', async () => {
    const clock = manualClock();
    const store = memoryReplayStore({ maxEntries: 3, now: clock.now });
    await expect(store.add('long', 10_000)).resolves.toBe(true);
    await expect(store.add('short', 100)).resolves.toBe(true);
    clock.advance(100);
    // 'short' expired but sits behind the live 'long': found expired on lookup, replaced
    await expect(store.add('short', 100)).resolves.toBe(true);
    await expect(store.add('short', 100)).resolves.toBe(false);
    await expect(store.add('other', 100)).resolves.toBe(true);
    await expect(store.add('long', 10_000)).resolves.toBe(false);
  });

  it('stays bounded under a flood of expiring keys (two expired entries dropped per add)', async () => {
    const clock = manualClock();
    const store = memoryReplayStore({ maxEntries: 100, now: clock.now });
    const results: boolean[] = [];
    for (let i = 0; i < 2000; i++) {
      results.push(await store.add(`k${i}`, 50));
      clock.advance(1);
    }
    expect(results.every((r) => r)).toBe(true);
  });

  it('holds the default 100 000 keys, then fails closed', async () => {
    const store = memoryReplayStore();
    for (let i = 0; i < 100_000; i++) await store.add(String(i), 60_000);
    await expect(store.add('one more', 60_000)).rejects.toMatchObject({
      reason: 'replay_store_full',
    });
    await expect(store.add('99999', 60_000)).resolves.toBe(false);
  });
});

describe('memoryReplayStore(): the one-process warning', () => {
  it('warns once per process, at the first add (not at creation), with its code and link', async () => {
    const first = memoryReplayStore();
    const second = memoryReplayStore();
    expect(emitWarning).not.toHaveBeenCalled();
    await first.add('a', 1000);
    await first.add('b', 1000);
    await second.add('a', 1000);
    expect(emitWarning).toHaveBeenCalledTimes(1);
    expect(emitWarning).toHaveBeenCalledWith(
      expect.stringMatching(
        /^DPoP replay protection uses memoryReplayStore\(\), which protects this process only: .*redisReplayStore\(\).* See docs\/errors\.md#mtls_replay_store_local$/,
      ),
      { type: 'ExpressMtlsWarning', code: 'MTLS_REPLAY_STORE_LOCAL' },
    );
  });
});

describe('withReplayTimeout()', () => {
  it('passes true and false through', async () => {
    const store = withReplayTimeout(memoryReplayStore(), 1000);
    await expect(store.add('k', 1000)).resolves.toBe(true);
    await expect(store.add('k', 1000)).resolves.toBe(false);
  });

  it('rejects with replay_store_timeout when the store does not answer in time', async () => {
    const store = withReplayTimeout({ add: () => new Promise<boolean>(() => undefined) }, 30);
    const started = Date.now();
    const error: unknown = await store.add('k', 1000).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({
      code: 'ERR_MTLS_UNAVAILABLE',
      status: 503,
      reason: 'replay_store_timeout',
      message: 'the DPoP replay store did not answer within 30 ms',
    });
  });

  it.each<[string, () => Promise<boolean>, RegExp]>([
    [
      'rejects',
      () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      /^the DPoP replay store failed: connect ECONNREFUSED/,
    ],
    [
      'throws synchronously',
      () => {
        throw new Error('client is closed');
      },
      /^the DPoP replay store failed: client is closed$/,
    ],
    [
      'rejects with a non-Error',
      () => Promise.reject(Object.create(null) as Error),
      /^the DPoP replay store failed: a thrown object$/,
    ],
    [
      'answers something other than a boolean',
      () => Promise.resolve('OK' as unknown as boolean),
      /answered something other than true or false/,
    ],
    [
      'answers undefined',
      () => Promise.resolve(undefined as unknown as boolean),
      /answered something other than true or false/,
    ],
  ])(
    'maps a store that %s to 503 replay_store_unavailable, never to acceptance',
    async (_n, add, message) => {
      const error: unknown = await withReplayTimeout({ add }, 1000)
        .add('k', 1000)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect(error).toMatchObject({ status: 503, reason: 'replay_store_unavailable' });
      expect((error as Error).message).toMatch(message);
    },
  );

  it('passes an MtlsError of the store through unchanged', async () => {
    const full = new UnavailableError('replay_store_full');
    const error: unknown = await withReplayTimeout({ add: () => Promise.reject(full) }, 1000)
      .add('k', 1000)
      .catch((e: unknown) => e);
    expect(error).toBe(full);
  });

  it.each<[string, unknown, unknown]>([
    ['no store', undefined, 1000],
    ['a store without add', {}, 1000],
    ['a zero deadline', { add: () => Promise.resolve(true) }, 0],
    ['a fractional deadline', { add: () => Promise.resolve(true) }, 1.5],
  ])('refuses %s with a TypeError', (_name, store, ms) => {
    expect(() => withReplayTimeout(store as never, ms as number)).toThrow(TypeError);
  });
});
