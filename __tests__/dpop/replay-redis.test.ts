import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { redisReplayStore, UnavailableError, type ReplayStore } from '../../lib';
import { replayKeyDigest, withReplayTimeout } from '../../lib/dpop/replay-store';
import { requireRedisServer, startRedisServer, type RedisServer } from '../helpers/redis-server';

const REDIS = requireRedisServer();

/** An attacker-chosen jti: long, with separators, CR/LF and non-ASCII text. */
const HOSTILE_JTI = `a:b*c?[x]\r\nSET evil 1\r\n${'é'.repeat(300)}`;

describe('redisReplayStore(): options, checked at creation', () => {
  const nodeRedisShape = { isOpen: true, set: () => Promise.resolve('OK'), SET: () => undefined };

  it.each<[string, unknown]>([
    ['no options', undefined],
    ['no client', {}],
    ['a client of neither package', { client: { set: () => Promise.resolve('OK') } }],
    ['a string', { client: 'redis://127.0.0.1:6379' }],
    ['null', { client: null }],
  ])('refuses %s with a TypeError naming both packages', (_name, options) => {
    expect(() => redisReplayStore(options as never)).toThrow(
      /"client" must be a client of the "redis" package \(createClient\(\)\) or of "ioredis"/,
    );
  });

  it.each<[string, unknown]>([
    ['an empty prefix', ''],
    ['a number', 7],
  ])('refuses %s as prefix', (_name, prefix) => {
    expect(() => redisReplayStore({ client: nodeRedisShape, prefix } as never)).toThrow(
      'redisReplayStore(): "prefix" must be a non-empty string.',
    );
  });

  it('refuses a misspelled option with a hint', () => {
    expect(() => redisReplayStore({ client: nodeRedisShape, prefx: 'x' } as never)).toThrow(
      /unknown option "prefx"\. Did you mean "prefix"\?/,
    );
  });

  it('rejects (never accepts) on a reply that is neither OK nor nil', async () => {
    const store = redisReplayStore({
      client: { ...nodeRedisShape, set: () => Promise.resolve('QUEUED') },
    });
    await expect(store.add('k', 1000)).rejects.toThrow(/something other than OK or nil/);
    const guarded = withReplayTimeout(store, 1000);
    await expect(guarded.add('k', 1000)).rejects.toMatchObject({
      code: 'ERR_MTLS_UNAVAILABLE',
      status: 503,
      reason: 'replay_store_unavailable',
    });
  });

  it('takes a Buffer OK (a client with a type mapping) as set', async () => {
    const store = redisReplayStore({
      client: { ...nodeRedisShape, set: () => Promise.resolve(Buffer.from('OK')) },
    });
    await expect(store.add('k', 1000)).resolves.toBe(true);
  });

  it('rejects a bad TTL or key before calling Redis', async () => {
    const set = jest.fn(() => Promise.resolve('OK'));
    const store = redisReplayStore({ client: { ...nodeRedisShape, set } });
    await expect(store.add('k', 0)).rejects.toThrow(RangeError);
    await expect(store.add('k', Number.NaN)).rejects.toThrow(RangeError);
    await expect(store.add(42 as never, 1000)).rejects.toThrow(TypeError);
    expect(set).not.toHaveBeenCalled();
  });
});

interface Client {
  readonly name: string;
  readonly store: ReplayStore;
  close(): Promise<void>;
}

async function nodeRedisClient(url: string, prefix?: string): Promise<Client> {
  const client = createClient({ url, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => undefined);
  await client.connect();
  return {
    name: 'redis',
    store: redisReplayStore({ client, ...(prefix === undefined ? {} : { prefix }) }),
    close: async () => {
      client.destroy();
    },
  };
}

async function ioRedisClient(url: string, prefix?: string): Promise<Client> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
  });
  client.on('error', () => undefined);
  await client.connect();
  return {
    name: 'ioredis',
    store: redisReplayStore({ client, ...(prefix === undefined ? {} : { prefix }) }),
    close: async () => {
      client.disconnect();
    },
  };
}

/** A plain client to look at what the stores wrote. */
async function inspector(url: string): Promise<ReturnType<typeof createClient>> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Retries `attempt` every 100 ms until it resolves, for at most `ms`. */
async function eventually<T>(attempt: () => Promise<T>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

if (REDIS !== undefined) {
  const binary = REDIS;

  describe.each([
    ['redis (node-redis v5)', nodeRedisClient],
    ['ioredis v5', ioRedisClient],
  ])('redisReplayStore() on a real redis-server, with %s', (_name, makeClient) => {
    let server: RedisServer;
    let client: Client;
    let look: ReturnType<typeof createClient>;

    beforeAll(async () => {
      server = await startRedisServer(binary);
      client = await makeClient(server.url);
      look = await inspector(server.url);
    });

    afterAll(async () => {
      await client.close();
      look.destroy();
      await server.stop();
    });

    it('answers true for a new key, false for the same key again', async () => {
      await expect(client.store.add('jkt-1:jti-1', 60_000)).resolves.toBe(true);
      await expect(client.store.add('jkt-1:jti-1', 60_000)).resolves.toBe(false);
      await expect(client.store.add('jkt-1:jti-2', 60_000)).resolves.toBe(true);
    });

    it('stores prefix + the 43-character SHA-256 digest, never the raw key, with PX = ttl', async () => {
      await expect(client.store.add(HOSTILE_JTI, 30_000)).resolves.toBe(true);
      const name = `express-mtls:dpop:${replayKeyDigest(HOSTILE_JTI)}`;
      expect(replayKeyDigest(HOSTILE_JTI)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await look.get(name)).toBe('1');
      const ttl = await look.pTTL(name);
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      const keys = await look.keys('*');
      expect(keys.some((key) => key.includes('SET evil') || key.includes('é'))).toBe(false);
      expect(keys.every((key) => /^express-mtls:dpop:[A-Za-z0-9_-]{43}$/.test(key))).toBe(true);
      await expect(client.store.add(HOSTILE_JTI, 30_000)).resolves.toBe(false);
    });

    it('forgets a key after its TTL (PX), and accepts it again', async () => {
      await expect(client.store.add('short-lived', 1000)).resolves.toBe(true);
      await expect(client.store.add('short-lived', 1000)).resolves.toBe(false);
      await sleep(1300);
      await expect(client.store.add('short-lived', 1000)).resolves.toBe(true);
    });

    it('accepts a fractional TTL (sent to Redis as whole milliseconds, PX takes no fraction)', async () => {
      await expect(client.store.add('fractional', 20_000.2)).resolves.toBe(true);
      const ttl = await look.pTTL(`express-mtls:dpop:${replayKeyDigest('fractional')}`);
      expect(ttl).toBeGreaterThan(15_000);
      expect(ttl).toBeLessThanOrEqual(20_001);
    });

    it('keeps prefixes apart: one key is new once per prefix', async () => {
      const other = await makeClient(server.url, 'api-2:');
      try {
        await expect(client.store.add('shared-jti', 60_000)).resolves.toBe(true);
        await expect(other.store.add('shared-jti', 60_000)).resolves.toBe(true);
        await expect(other.store.add('shared-jti', 60_000)).resolves.toBe(false);
        expect(await look.exists(`api-2:${replayKeyDigest('shared-jti')}`)).toBe(1);
      } finally {
        await other.close();
      }
    });

    it('answers exactly one true of 50 concurrent adds of one key', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => client.store.add('raced', 60_000)),
      );
      expect(results.filter((r) => r)).toHaveLength(1);
      expect(results.filter((r) => !r)).toHaveLength(49);
    });

    it('times out on a frozen server (SIGSTOP) with replay_store_timeout, then works again', async () => {
      const guarded = withReplayTimeout(client.store, 300);
      server.pause();
      try {
        const started = Date.now();
        const error: unknown = await guarded.add('during-freeze', 60_000).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UnavailableError);
        expect(error).toMatchObject({ status: 503, reason: 'replay_store_timeout' });
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        server.resume();
      }
      // the SET sent during the freeze ran once Redis woke up: the key is now recorded
      await expect(eventually(() => guarded.add('during-freeze', 60_000), 5000)).resolves.toBe(
        false,
      );
      await expect(guarded.add('after-freeze', 60_000)).resolves.toBe(true);
    });
  });

  describe.each([
    ['redis (node-redis v5)', nodeRedisClient],
    ['ioredis v5', ioRedisClient],
  ])('redisReplayStore(), Redis killed mid-run, with %s', (_name, makeClient) => {
    let server: RedisServer | undefined;
    let client: Client | undefined;

    afterAll(async () => {
      await client?.close();
      await server?.stop();
    });

    it('refuses while Redis is down (503, never true) and recovers on a new server, same port', async () => {
      server = await startRedisServer(binary);
      const { port } = server;
      client = await makeClient(server.url);
      const guarded = withReplayTimeout(client.store, 500);
      await expect(guarded.add('before-crash', 60_000)).resolves.toBe(true);
      await expect(guarded.add('seen-before-crash', 60_000)).resolves.toBe(true);

      await server.kill();
      server = undefined;
      for (const key of ['before-crash', 'while-down-1', 'while-down-2']) {
        const error: unknown = await guarded.add(key, 60_000).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UnavailableError);
        expect((error as UnavailableError).status).toBe(503);
        expect(['replay_store_timeout', 'replay_store_unavailable']).toContain(
          (error as UnavailableError).reason,
        );
      }

      server = await startRedisServer(binary, port);
      await expect(eventually(() => guarded.add('after-restart', 60_000), 10_000)).resolves.toBe(
        true,
      );
      await expect(guarded.add('after-restart', 60_000)).resolves.toBe(false);
      // No persistence: the new server has no history, so a key seen before the crash is new.
      await expect(guarded.add('seen-before-crash', 60_000)).resolves.toBe(true);
    });
  });

  describe('redisReplayStore() shared by two processes (one node-redis, one ioredis)', () => {
    let server: RedisServer;
    const peers: ChildProcess[] = [];
    let nextId = 0;

    function startPeer(kind: 'redis' | 'ioredis'): Promise<ChildProcess> {
      const child = fork(join(__dirname, 'helpers', 'replay-peer.js'), [kind, server.url], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      peers.push(child);
      return new Promise((resolve, reject) => {
        child.once('message', (message: { ready?: boolean; failed?: string }) => {
          if (message.ready === true) resolve(child);
          else reject(new Error(`replay peer failed to start: ${message.failed}`));
        });
        child.once('exit', (code) => {
          reject(new Error(`replay peer exited with ${code}`));
        });
      });
    }

    function add(peer: ChildProcess, key: string, count = 1): Promise<boolean[]> {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const onMessage = (message: { id?: number; results?: boolean[]; error?: string }): void => {
          if (message.id !== id) return;
          peer.off('message', onMessage);
          if (message.results !== undefined) resolve(message.results);
          else reject(new Error(message.error));
        };
        peer.on('message', onMessage);
        peer.send({ id, key, ttl: 60_000, count });
      });
    }

    beforeAll(async () => {
      server = await startRedisServer(binary);
    });

    afterAll(async () => {
      await Promise.all(
        peers.map(
          (peer) =>
            new Promise<void>((resolve) => {
              if (peer.exitCode !== null || peer.signalCode !== null) {
                resolve();
                return;
              }
              const timer = setTimeout(() => peer.kill('SIGKILL'), 5000);
              peer.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              peer.disconnect();
            }),
        ),
      );
      await server.stop();
    });

    it('a key accepted by one process is refused by the other, both ways', async () => {
      const [a, b] = await Promise.all([startPeer('redis'), startPeer('ioredis')]);
      expect(a.pid).not.toBe(b.pid);
      expect(a.pid).not.toBe(process.pid);
      await expect(add(a, 'proof-1')).resolves.toEqual([true]);
      await expect(add(b, 'proof-1')).resolves.toEqual([false]);
      await expect(add(b, HOSTILE_JTI)).resolves.toEqual([true]);
      await expect(add(a, HOSTILE_JTI)).resolves.toEqual([false]);
      const [fromA, fromB] = await Promise.all([add(a, 'raced', 25), add(b, 'raced', 25)]);
      expect([...fromA, ...fromB].filter((r) => r)).toHaveLength(1);
    });
  });
}
