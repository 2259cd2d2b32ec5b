/**
 * The Redis replay store: one atomic `SET key 1 NX PX ttl` per proof, shared by every instance.
 *
 * @packageDocumentation
 */
import { checkOptions } from '../internal/options';
import { checkReplayArguments, replayKeyDigest, type ReplayStore } from './replay-store';

const FACTORY = 'redisReplayStore()';

/**
 * A connected client of the `redis` package (node-redis v4/v5, `createClient()` or
 * `createCluster()`): `set(key, value, { NX: true, PX: ttl })` answers `'OK'` or `null`.
 */
export interface NodeRedisClientLike {
  /** Whether the client is open (node-redis has it; it tells the two packages apart). */
  readonly isOpen: boolean;
  /** `SET key value NX PX ttl`. */
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<unknown>;
}

/**
 * A client of the `ioredis` package (v5, `new Redis()` or `new Redis.Cluster()`):
 * `set(key, value, 'PX', ttl, 'NX')` answers `'OK'` or `null`.
 */
export interface IoRedisClientLike {
  /** The connection status (ioredis has it; it tells the two packages apart). */
  readonly status: string;
  /** ioredis's generic command method (only its presence is checked). */
  call(...args: never[]): unknown;
  /** `SET key value PX ttl NX`. */
  set(key: string, value: string, px: 'PX', ttl: number, nx: 'NX'): Promise<unknown>;
}

/** Options of {@link redisReplayStore}. */
export interface RedisReplayStoreOptions {
  /**
   * A `redis` (node-redis) or `ioredis` client, connected by you and shared by every instance's
   * store. Required. The store never connects, disconnects or configures it.
   */
  readonly client: NodeRedisClientLike | IoRedisClientLike;
  /**
   * Prepended to every key (a non-empty string). Default `'express-mtls:dpop:'`. Give each
   * resource server that must not share its proofs' history with another its own prefix.
   */
  readonly prefix?: string | undefined;
}

type SetOnce = (key: string, ttl: number) => Promise<unknown>;

function isNodeRedis(client: object): client is NodeRedisClientLike {
  const c = client as Partial<Record<string, unknown>>;
  return (
    typeof c.isOpen === 'boolean' && typeof c.set === 'function' && typeof c.SET === 'function'
  );
}

function isIoRedis(client: object): client is IoRedisClientLike {
  const c = client as Partial<Record<string, unknown>>;
  return (
    typeof c.status === 'string' && typeof c.call === 'function' && typeof c.set === 'function'
  );
}

/** Whether a `SET … NX` reply means "set" (`'OK'`, or a Buffer of it under a type mapping). */
function wasSet(reply: unknown): boolean {
  if (reply === null) return false;
  if (reply === 'OK' || (Buffer.isBuffer(reply) && reply.toString('latin1') === 'OK')) return true;
  throw new Error('Redis answered SET … NX with something other than OK or nil');
}

/**
 * A replay store on Redis, for several instances of a resource server: every instance given a
 * client of the same Redis refuses a proof that any of them accepted within its window.
 *
 * Each `add` is one atomic `SET <prefix><digest> 1 NX PX <ttl>`: Redis sets the key only if it is
 * absent, so of any number of concurrent adds of one key, on any instances, exactly one gets
 * `OK` (`true`); the key expires by itself after the TTL. `<digest>` is the base64url SHA-256 of
 * the key (43 characters): the attacker-chosen `jti` never reaches Redis as such.
 *
 * Works with the `redis` package (node-redis v4/v5) and `ioredis` (v5), clients or clusters; the
 * shape is recognised once, here. Errors are not caught: a refused connection, a closed client or
 * an unexpected reply rejects `add`, and the middleware answers 503 (`replay_store_unavailable`,
 * or `replay_store_timeout` after `dpop.replayTimeout` — an offline queue that waits for a
 * reconnect is cut short there). Once Redis is back, the client's own reconnect makes the store
 * work again.
 *
 * @throws {TypeError} on an unknown option, a missing or unrecognised client, or a prefix that is
 * not a non-empty string.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-11.1 | RFC 9449 §11.1}
 * @see {@link https://redis.io/docs/latest/commands/set/ | Redis SET (NX, PX)}
 */
export function redisReplayStore(options: RedisReplayStoreOptions): ReplayStore {
  const o = checkOptions(FACTORY, options, ['client', 'prefix']);
  const client: unknown = o.client;
  const prefix: unknown = o.prefix ?? 'express-mtls:dpop:';
  if (typeof prefix !== 'string' || prefix === '') {
    throw new TypeError(`${FACTORY}: "prefix" must be a non-empty string.`);
  }
  let setOnce: SetOnce;
  if (typeof client === 'object' && client !== null && isNodeRedis(client)) {
    setOnce = (key, ttl) => client.set(key, '1', { NX: true, PX: ttl });
  } else if (typeof client === 'object' && client !== null && isIoRedis(client)) {
    setOnce = (key, ttl) => client.set(key, '1', 'PX', ttl, 'NX');
  } else {
    throw new TypeError(
      `${FACTORY}: "client" must be a client of the "redis" package (createClient()) or of ` +
        '"ioredis" (new Redis()).',
    );
  }
  return {
    async add(key: string, ttlMs: number): Promise<boolean> {
      const ttl = checkReplayArguments(FACTORY, key, ttlMs);
      return wasSet(await setOnce(prefix + replayKeyDigest(key), ttl));
    },
  };
}
