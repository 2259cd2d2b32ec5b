/**
 * Two instances of a resource server, each in its own process with its own Redis client (node-redis
 * in one, ioredis in the other), share one real redis-server through redisReplayStore(): a proof
 * accepted by one is refused as replayed by the other, a nonce issued by one is accepted by the
 * other, and Redis killed mid-run gives 503 on both until it is back on the same port.
 *
 * redis-server is required: without it this suite fails at load, saying what to install.
 */
import { createHash } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KEYS, makeProof } from './helpers/proof';
import { AUDIENCE, claims, ISSUER, privateKey, publicPem, signJwt } from '../binding/helpers/keys';
import { requireRedisServer, startRedisServer, type RedisServer } from '../helpers/redis-server';

const REDIS = requireRedisServer({ ...process.env, EXPRESS_MTLS_REQUIRE_PROXIES: '1' }) as string;

const PUBLIC = 'https://api.example.com';
const NONCE_SECRET = 'multi-instance-nonce-secret-32-bytes!';
const REPLAY_TIMEOUT = 300;
const TOKEN = signJwt(claims({ cnf: { jkt: KEYS.ec.jkt } }), privateKey('rsa'), 'RS256');
const ATH = createHash('sha256').update(TOKEN).digest('base64url');

/** The challenge of a refused proof when only DPoP-bound tokens are accepted. */
const PROOF_CHALLENGE =
  /^DPoP realm="api", error="invalid_dpop_proof", error_description="[^"]+", algs="ES256 PS256 EdDSA"$/;

interface Instance {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly code: string | null;
  readonly reason: string | null;
  readonly wwwAuthenticate: string | null;
  readonly nonce: string | null;
  readonly retryAfter: string | null;
}

/** Transpiled library files, shared by the instances (register-ts.js); removed in afterAll. */
let cache: string;

function startInstance(name: string, kind: 'redis' | 'ioredis', redisUrl: string) {
  const config = {
    name,
    kind,
    redisUrl,
    issuer: ISSUER,
    audience: AUDIENCE,
    publicKey: publicPem('rsa'),
    publicUrl: PUBLIC,
    nonceSecret: NONCE_SECRET,
    replayTimeout: REPLAY_TIMEOUT,
  };
  const child: ChildProcess = fork(
    join(__dirname, 'helpers', 'api-instance.js'),
    [JSON.stringify(config)],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, EXPRESS_MTLS_TS_CACHE: cache },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        done();
        return;
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.disconnect();
    });
  return new Promise<Instance>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`instance ${name} did not start within 20 s: ${stderr}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`instance ${name} exited (${String(code)}): ${stderr}`));
    });
    child.once('message', (message: { ready?: true; port?: number; failed?: string }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      if (message.ready !== true) {
        child.kill('SIGKILL');
        reject(new Error(`instance ${name} failed: ${String(message.failed)}`));
        return;
      }
      resolve({ name, url: `http://127.0.0.1:${String(message.port)}`, pid: child.pid!, stop });
    });
  });
}

/** A fresh proof (new jti, iat now) for GET /resource, with `nonce` when given. */
function proof(nonce?: string): string {
  return makeProof({
    payload: { htu: `${PUBLIC}/resource`, iat: Math.floor(Date.now() / 1000), ath: ATH, nonce },
  });
}

/** GET /resource at `instance` with the DPoP-bound token and `dpop`; bounded by 5 s. */
async function get(instance: Instance, dpop: string): Promise<Answer> {
  const res = await fetch(`${instance.url}/resource`, {
    headers: { authorization: `DPoP ${TOKEN}`, dpop },
    signal: AbortSignal.timeout(5000),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    code: res.headers.get('x-test-error-code'),
    reason: res.headers.get('x-test-error-reason'),
    wwwAuthenticate: res.headers.get('www-authenticate'),
    nonce: res.headers.get('dpop-nonce'),
    retryAfter: res.headers.get('retry-after'),
  };
}

/** A nonce, asked of `instance` the way a client learns it: a proof without one. */
async function nonceFrom(instance: Instance): Promise<string> {
  const answer = await get(instance, proof());
  expect(answer).toMatchObject({ status: 401, code: 'ERR_MTLS_USE_DPOP_NONCE', reason: null });
  expect(answer.wwwAuthenticate).toMatch(
    /^DPoP realm="api", error="use_dpop_nonce", error_description="[^"]+", algs="ES256 PS256 EdDSA"$/,
  );
  expect(answer.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return answer.nonce as string;
}

let redis: RedisServer;
let a: Instance;
let b: Instance;

/** What afterAll undoes, last started first (whatever beforeAll got to start). */
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), 'express-mtls-instances-'));
  cleanup.push(() => {
    rmSync(cache, { recursive: true, force: true });
  });
  redis = await startRedisServer(REDIS);
  cleanup.push(() => redis.stop());
  // one after the other: B loads what A transpiled
  a = await startInstance('A', 'redis', redis.url);
  cleanup.push(() => a.stop());
  b = await startInstance('B', 'ioredis', redis.url);
  cleanup.push(() => b.stop());
});

afterAll(async () => {
  for (const undo of cleanup.reverse()) await undo();
});

describe('two instances, two processes, one Redis', () => {
  it('are separate processes with different Redis client packages', async () => {
    expect(a.pid).not.toBe(b.pid);
    const nonce = await nonceFrom(a);
    const [fromA, fromB] = await Promise.all([get(a, proof(nonce)), get(b, proof(nonce))]);
    expect(fromA.body).toMatchObject({ instance: 'A', pid: a.pid, client: 'redis' });
    expect(fromB.body).toMatchObject({ instance: 'B', pid: b.pid, client: 'ioredis' });
  });

  it('a nonce issued by A is accepted by B, and B sends the next one', async () => {
    const nonce = await nonceFrom(a);
    const answer = await get(b, proof(nonce));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      instance: 'B',
      auth: { binding: 'dpop', jkt: KEYS.ec.jkt },
    });
    expect(answer.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await get(a, proof(answer.nonce as string))).status).toBe(200);
  });

  it.each<[string, () => Instance, () => Instance]>([
    ['accepted by A (redis) is refused by B (ioredis)', () => a, () => b],
    ['accepted by B (ioredis) is refused by A (redis)', () => b, () => a],
  ])('a proof %s: 401 invalid_dpop_proof, replayed', async (_case, first, second) => {
    const once = proof(await nonceFrom(a));
    const accepted = await get(first(), once);
    expect(accepted.status).toBe(200);
    const replayed = await get(second(), once);
    expect(replayed).toMatchObject({
      status: 401,
      body: { error: 'invalid_dpop_proof' },
      code: 'ERR_MTLS_INVALID_DPOP_PROOF',
      reason: 'replayed',
    });
    expect(replayed.wwwAuthenticate).toMatch(PROOF_CHALLENGE);
  });

  it('one proof sent to both at once is accepted exactly once', async () => {
    const nonce = await nonceFrom(b);
    for (let round = 0; round < 10; round++) {
      const once = proof(nonce);
      const answers = await Promise.all([get(a, once), get(b, once), get(a, once), get(b, once)]);
      expect(answers.filter((x) => x.status === 200)).toHaveLength(1);
      for (const refused of answers.filter((x) => x.status !== 200)) {
        expect(refused).toMatchObject({ status: 401, reason: 'replayed' });
      }
    }
  });
});

describe('Redis frozen (SIGSTOP: connections open, no answer), then thawed', () => {
  it('gives 503 replay_store_timeout on both instances within replayTimeout, then recovers', async () => {
    const nonce = await nonceFrom(a);
    redis.pause();
    try {
      const answers = await Promise.all([get(a, proof(nonce)), get(b, proof(nonce))]);
      for (const answer of answers) {
        expect(answer).toMatchObject({
          status: 503,
          code: 'ERR_MTLS_UNAVAILABLE',
          reason: 'replay_store_timeout',
          wwwAuthenticate: null,
          body: { error: 'temporarily_unavailable' },
        });
      }
    } finally {
      redis.resume();
    }
    const [afterA, afterB] = await Promise.all([get(a, proof(nonce)), get(b, proof(nonce))]);
    expect([afterA.status, afterB.status]).toEqual([200, 200]);
  });
});

describe('Redis killed mid-run, then restarted on the same port', () => {
  it('gives 503 ERR_MTLS_UNAVAILABLE on both instances (never an acceptance), then recovers', async () => {
    const nonce = await nonceFrom(a);
    expect((await get(a, proof(nonce))).status).toBe(200);
    const { port } = redis;

    await redis.kill();
    for (const instance of [a, b, a, b]) {
      const answer = await get(instance, proof(nonce));
      expect(answer).toMatchObject({
        status: 503,
        code: 'ERR_MTLS_UNAVAILABLE',
        wwwAuthenticate: null,
      });
      expect(['replay_store_unavailable', 'replay_store_timeout']).toContain(answer.reason);
      expect(answer.retryAfter).toMatch(/^\d+$/);
      expect(answer.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'service temporarily unavailable',
      });
    }

    redis = await startRedisServer(REDIS, port);
    for (const instance of [a, b]) {
      const deadline = Date.now() + 10_000;
      let answer = await get(instance, proof(nonce));
      while (answer.status !== 200 && Date.now() < deadline) {
        expect(answer.status).toBe(503);
        await sleep(100);
        answer = await get(instance, proof(nonce));
      }
      expect(answer.status).toBe(200);
    }

    const once = proof(nonce);
    expect((await get(b, once)).status).toBe(200);
    expect(await get(a, once)).toMatchObject({ status: 401, reason: 'replayed' });
  });
});
