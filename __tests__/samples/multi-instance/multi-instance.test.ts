import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import express from 'express';
import jwt from 'jsonwebtoken';
import { instanceOptionsFromEnv, portsFromEnv } from '../../../samples/multi-instance/main';
import { privatePem } from '../../binding/helpers/keys';
import { KEYS, makeProof } from '../../dpop/helpers/proof';
import { freePort } from '../../../scripts/local-services';
import { requireRedisServer, startRedisServer, type RedisServer } from '../../helpers/redis-server';
import { call, listenHttp, type Listening, type Reply } from '../helpers';

const ROOT = join(__dirname, '..', '..', '..');
const OUT = join(ROOT, '.tmp', 'multi-instance-test');
const ISSUER = 'https://as.example.test';
const AUDIENCE = 'https://api.example.test/';
const PUBLIC_URL = 'https://api.example.test';
const SECRET = 'a shared nonce secret of at least 32 bytes!';
const KID = 'sample-key';

describe('samples/multi-instance: configuration', () => {
  const env: NodeJS.ProcessEnv = {
    ISSUER,
    AUDIENCE,
    JWKS_URI: 'https://as.example.test/jwks',
    REDIS_URL: 'redis://127.0.0.1:6379',
    PUBLIC_URL,
    DPOP_NONCE_SECRETS: `${SECRET},an-older-secret-also-at-least-32-bytes`,
  };

  it('reads the API variables plus Redis, public URL and nonce secrets', () => {
    expect(instanceOptionsFromEnv(env)).toMatchObject({
      issuer: ISSUER,
      redisUrl: 'redis://127.0.0.1:6379',
      publicUrl: PUBLIC_URL,
      nonceSecrets: [SECRET, 'an-older-secret-also-at-least-32-bytes'],
    });
    expect(portsFromEnv({})).toEqual([5001, 5002]);
    expect(portsFromEnv({ PORTS: '7001, 7002,7003' })).toEqual([7001, 7002, 7003]);
  });

  it.each([
    ['REDIS_URL', /set REDIS_URL/],
    ['PUBLIC_URL', /set PUBLIC_URL/],
    ['DPOP_NONCE_SECRETS', /set DPOP_NONCE_SECRETS/],
    ['ISSUER', /set ISSUER/],
  ])('refuses a missing %s', (name, message) => {
    expect(() => instanceOptionsFromEnv({ ...env, [name]: undefined })).toThrow(message);
  });

  it.each(['', '0', '5001,x', '70000'])('refuses PORTS=%j', (ports) => {
    expect(() => portsFromEnv({ PORTS: ports })).toThrow(/PORTS must be/);
  });
});

const redisBinary = requireRedisServer();
if (redisBinary !== undefined) {
  describe('samples/multi-instance: two API processes on one real Redis', () => {
    let redis: RedisServer;
    let jwks: Listening;
    let main: ChildProcess | undefined;
    let ports: number[];
    let output = '';
    const token = jwt.sign(
      { client_id: 'payments-app', scope: 'payments:read', cnf: { jkt: KEYS.ec.jkt } },
      privatePem('ec-p256'),
      {
        algorithm: 'ES256',
        keyid: KID,
        header: { alg: 'ES256', typ: 'at+jwt', kid: KID },
        issuer: ISSUER,
        subject: 'payments-app',
        audience: AUDIENCE,
        expiresIn: 300,
      },
    );
    const ath = createHash('sha256').update(token).digest('base64url');

    beforeAll(async () => {
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          join(ROOT, 'scripts', 'tsconfig.demo.json'),
          '--outDir',
          OUT,
          '--tsBuildInfoFile',
          join(OUT, '.tsbuildinfo'),
        ],
        { cwd: ROOT, stdio: 'pipe' },
      );
      redis = await startRedisServer(redisBinary);
      const app = express();
      const publicJwk = createPublicKey(privatePem('ec-p256')).export({ format: 'jwk' });
      app.get('/jwks', (_req, res) => {
        res.json({ keys: [{ ...publicJwk, kid: KID, alg: 'ES256', use: 'sig' }] });
      });
      jwks = await listenHttp(app);
      ports = [await freePort(), await freePort()];
      main = spawn(process.execPath, [join(OUT, 'samples', 'multi-instance', 'main.js')], {
        cwd: ROOT,
        env: {
          ...process.env,
          ISSUER,
          AUDIENCE,
          JWKS_URI: `http://127.0.0.1:${jwks.port}/jwks`,
          REDIS_URL: redis.url,
          PUBLIC_URL,
          DPOP_NONCE_SECRETS: SECRET,
          PORTS: ports.join(','),
          HOST: '127.0.0.1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const started = main;
      started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const deadline = Date.now() + 20_000;
      while ((output.match(/listening on/g) ?? []).length < 2) {
        if (Date.now() > deadline || started.exitCode !== null) {
          throw new Error(`the instances did not start:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }, 120_000);

    afterAll(async () => {
      const child = main;
      if (child?.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await jwks.close();
      await redis.stop();
    });

    const get = (port: number, proof: string): Promise<Reply> =>
      call({
        port,
        tls: false,
        path: '/payments',
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      });
    const proof = (nonce?: string): string =>
      makeProof({
        payload: {
          htu: `${PUBLIC_URL}/payments`,
          iat: Math.floor(Date.now() / 1000),
          ath,
          ...(nonce === undefined ? {} : { nonce }),
        },
      });

    it('runs two processes with their own pids', () => {
      const pids = [...output.matchAll(/instance (\d+) listening on http:\/\/127\.0\.0\.1:(\d+)/g)];
      expect(pids.map((m) => Number(m[2])).sort()).toEqual([...ports].sort());
      expect(new Set(pids.map((m) => m[1])).size).toBe(2);
    });

    it('a nonce issued by one instance is accepted by the other; the proof replayed at the first is refused', async () => {
      const [a, b] = ports as [number, number];
      const first = await get(a, proof());
      expect(first.status).toBe(401);
      expect(first.headers['www-authenticate']).toContain('DPoP');
      expect(first.headers['www-authenticate']).toContain('error="use_dpop_nonce"');
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).toMatch(/^[\w-]+$/);

      const withNonce = proof(nonce);
      const accepted = await get(b, withNonce);
      expect(accepted.status).toBe(200);
      expect(accepted.json).toMatchObject({ binding: 'dpop', bound_to: KEYS.ec.jkt });

      const replayed = await get(a, withNonce);
      expect(replayed.status).toBe(401);
      expect(replayed.json).toEqual({
        error: 'invalid_dpop_proof',
        error_description: expect.any(String),
      });
      expect(replayed.headers['www-authenticate']).toContain('error="invalid_dpop_proof"');
    });

    it('answers 503 while Redis is down, never accepting an unchecked proof', async () => {
      const [a] = ports as [number, number];
      const nonce = (await get(a, proof())).headers['dpop-nonce'] as string;
      redis.pause();
      try {
        const reply = await get(a, proof(nonce));
        expect(reply.status).toBe(503);
      } finally {
        redis.resume();
      }
      expect((await get(a, proof(nonce))).status).toBe(200);
    }, 30_000);
  });
}
