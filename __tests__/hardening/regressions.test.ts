/**
 * Regression tests for the defects the hardening suites found, one `describe` per finding, each
 * named after what was wrong. The property tests and the corpus that found them keep running too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import {
  CertificateParseError,
  ClientCertificate,
  clientCertificate,
  mtlsErrorHandler,
  requireClientCertificate,
  type MtlsError,
} from '../../lib';
import type { ServerResponse } from 'node:http';
import { jwksKeySource } from '../../lib/binding/jwks-key-source';
import { createJwtVerifier } from '../../lib/binding/jwt-verifier';
import { staticKeySource, type KeySource } from '../../lib/binding/key-source';
import { CERT_HEADER, certHeader, resourceServer } from '../binding/helpers/app';
import {
  AUDIENCE,
  claims,
  ISSUER,
  privateKey,
  publicKey,
  publicPem,
  signJwt,
  signRaw,
} from '../binding/helpers/keys';
import { sendJson, startServer, type LoopbackServer } from '../binding/helpers/servers';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { pem, X5T_S256 } from '../helpers/fixtures';

const STATIC_KEY = { issuer: ISSUER, audience: AUDIENCE, publicKey: publicPem('rsa') };

const CORPUS_DIR = join(__dirname, '..', 'fixtures', 'corpus');

function corpusDer(name: string): Buffer {
  return readFileSync(join(CORPUS_DIR, 'certificates', `${name}.der`));
}

describe('finding 1: a self-issued certificate whose key OpenSSL cannot decode gave a 500', () => {
  // rogue/self-issued-ca.pem with the first octet of its EC point set to 0x07 (make-corpus.py)
  const broken = corpusDer('self-issued-bad-key');

  it('publicKey throws CertificateParseError, not a raw OpenSSL error', () => {
    const certificate = new ClientCertificate(broken);
    expect(() => certificate.publicKey).toThrow(CertificateParseError);
    expect(() => certificate.publicKey).toThrow(/^malformed certificate: /);
  });

  it('isSelfSigned is false: a key that cannot be used verifies nothing', () => {
    const certificate = new ClientCertificate(broken);
    expect(certificate.subject).toBe(certificate.issuer);
    expect(certificate.isSelfSigned).toBe(false);
  });

  describe.each(EXPRESS_VERSIONS)('requireClientCertificate() on %s', (_name, makeApp) => {
    it('answers 403 unknown_issuer (it was 500 with the OpenSSL error)', async () => {
      const errors: MtlsError[] = [];
      const app = makeApp();
      app.use(
        clientCertificate({ format: 'der-base64', trustProxy: 'loopback' }),
        requireClientCertificate({ trustAnchors: [pem('root-ca')] }),
      );
      app.get('/', (_req, res) => res.json({ ok: true }));
      app.use((err: MtlsError, _req: unknown, _res: unknown, next: (e: unknown) => void) => {
        errors.push(err);
        next(err);
      }, mtlsErrorHandler());
      const res = await request(app).get('/').set('X-Client-Cert', broken.toString('base64'));
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        error: 'access_denied',
        error_description: 'client certificate not accepted',
      });
      expect(errors.map((e) => [e.code, e.reason])).toEqual([
        ['ERR_MTLS_CERTIFICATE_UNTRUSTED', 'unknown_issuer'],
      ]);
    });
  });
});

describe('finding 2: an unverified alg or typ reached the log message as is (log injection)', () => {
  const keys = staticKeySource(publicKey('rsa'), new Set(['RS256']));
  const verifier = createJwtVerifier(keys, {
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    algorithms: new Set(['RS256']),
    typ: 'application/at+jwt',
    requiredClaims: ['exp'],
    clockTolerance: 0,
    maxTokenAge: undefined,
  });

  function detail(header: Record<string, unknown>): string {
    const result = verifier.verify(signRaw(header, claims(), undefined));
    if (result instanceof Promise || result.status !== 'invalid')
      throw new Error('expected a refusal');
    return result.detail;
  }

  it('writes control characters and non-ASCII as \\uXXXX', () => {
    expect(detail({ alg: 'RS256\r\n2026-11-25 INFO forged' })).toBe(
      'alg RS256\\u000d\\u000a2026-11-25 INFO forged is not accepted',
    );
    expect(detail({ alg: 'RS256', typ: 'at+jwt\u2028é' })).toBe(
      'typ at+jwt\\u2028\\u00e9 is not application/at+jwt',
    );
  });

  it('clips a long value to 40 characters', () => {
    expect(detail({ alg: 'A'.repeat(10_000) })).toBe(`alg ${'A'.repeat(40)}... is not accepted`);
  });

  it('keeps ordinary values readable', () => {
    expect(detail({ alg: 'HS256' })).toBe('alg HS256 is not accepted');
    expect(detail({ alg: 'RS256' })).toBe('typ undefined is not application/at+jwt');
  });

  describe.each(EXPRESS_VERSIONS)('requireCertificateBoundToken() on %s', (_name, makeApp) => {
    it('the 401 error message has no line break and the response does not echo the header', async () => {
      const server = resourceServer(makeApp, STATIC_KEY);
      const token = signRaw({ alg: 'RS256\nX-Forged: 1', typ: 'JWT' }, claims(), undefined);
      const res = await request(server.app)
        .get('/resource')
        .set('Authorization', `Bearer ${token}`)
        .set(CERT_HEADER, certHeader('client-a'));
      const errors = server.errors as MtlsError[];
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="the access token algorithm is not accepted"',
      );
      expect(JSON.stringify(res.body)).not.toContain('Forged');
      expect(errors.map((e) => e.message)).toEqual([
        'invalid access token: algorithm (alg RS256\\u000aX-Forged: 1 is not accepted)',
      ]);
    });
  });
});

describe('finding 3: a flood of made-up kids locked the genuine JWKS keys out (401 for valid tokens)', () => {
  const genuine = { ...publicKey('rsa').export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' };
  let jwks: LoopbackServer;
  let answer: (res: ServerResponse) => void;

  beforeAll(async () => {
    jwks = await startServer((_req, res) => {
      answer(res);
    });
  });

  afterAll(async () => {
    await jwks.close();
  });

  beforeEach(() => {
    jwks.requests.length = 0;
    answer = (res) => {
      sendJson(res, 200, { keys: [genuine] });
    };
  });

  function source(requestsPerMinute: number): KeySource {
    return jwksKeySource({
      jwksUri: `${jwks.url}/jwks`,
      timeout: 2000,
      cacheMaxAge: 600_000,
      cacheMaxEntries: 16,
      requestsPerMinute,
      agent: undefined,
      headers: undefined,
      algorithms: ['RS256'],
    });
  }

  it('made-up kids use up the refetch budget, yet the genuine kid is found (every fetch caches the set)', async () => {
    const keys = source(3);
    for (const kid of ['x1', 'x2', 'x3', 'x4', 'x5']) {
      expect(await keys.get(kid)).toMatchObject({ status: 'invalid', reason: 'signature' });
    }
    expect(jwks.requests).toHaveLength(3);
    // before the fix: 'unknown kid, and the JWKS refetch rate limit is reached'
    const found = keys.get('k1');
    expect(found).toMatchObject({ status: 'key' });
    expect(jwks.requests).toHaveLength(3);
  });

  it('while the budget is used up by failed fetches, unknown kids get 503, not 401', async () => {
    answer = (res) => {
      sendJson(res, 500, { error: 'down' });
    };
    const keys = source(2);
    expect(await keys.get('k1')).toMatchObject({ status: 'unavailable' });
    expect(await keys.get('k1')).toMatchObject({ status: 'unavailable' });
    expect(await keys.get('k1')).toMatchObject({
      status: 'unavailable',
      reason: 'jwks_unavailable',
    });
    expect(jwks.requests).toHaveLength(2);
  });

  it('the refetch budget refills a minute after each fetch', async () => {
    jest.useFakeTimers({
      now: Date.parse('2026-11-25T12:00:00Z'),
      doNotFake: [
        'nextTick',
        'setImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'queueMicrotask',
      ],
    });
    try {
      const keys = source(1);
      expect(await keys.get('x1')).toMatchObject({
        reason: 'signature',
        detail: 'no key of the JWKS matches the token kid',
      });
      expect(await keys.get('x2')).toMatchObject({
        reason: 'signature',
        detail: 'unknown kid, and the JWKS refetch rate limit is reached',
      });
      jest.setSystemTime(Date.parse('2026-11-25T12:00:59.999Z'));
      expect(await keys.get('x3')).toMatchObject({
        detail: 'unknown kid, and the JWKS refetch rate limit is reached',
      });
      jest.setSystemTime(Date.parse('2026-11-25T12:01:00Z'));
      expect(await keys.get('x4')).toMatchObject({
        detail: 'no key of the JWKS matches the token kid',
      });
      expect(jwks.requests).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a JWK without kid answers only tokens without kid, and only when it is alone', async () => {
    const other = { ...publicKey('rsa-other').export({ format: 'jwk' }), kid: 'k2' };
    const anonymous: Record<string, unknown> = { ...genuine };
    delete anonymous.kid;
    answer = (res) => {
      sendJson(res, 200, { keys: [anonymous, other] });
    };
    const keys = source(10);
    expect(await keys.get(undefined)).toMatchObject({ status: 'invalid', reason: 'signature' });
    expect(await keys.get('k2')).toMatchObject({ status: 'key' });
    answer = (res) => {
      sendJson(res, 200, { keys: [anonymous] });
    };
    expect(await source(10).get(undefined)).toMatchObject({ status: 'key' });
  });

  describe.each(EXPRESS_VERSIONS)('requireCertificateBoundToken() on %s', (_name, makeApp) => {
    it('after 20 requests with made-up kids, a valid token is accepted (it was 401)', async () => {
      const server = resourceServer(makeApp, {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: `${jwks.url}/jwks`,
      });
      const bound = claims({ cnf: { 'x5t#S256': X5T_S256['client-a'] } });
      for (let i = 0; i < 20; i++) {
        await request(server.app)
          .get('/resource')
          .set(
            'Authorization',
            `Bearer ${signJwt(bound, privateKey('rsa'), 'RS256', { kid: `x${i}` })}`,
          )
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(401);
      }
      await request(server.app)
        .get('/resource')
        .set('Authorization', `Bearer ${signJwt(bound, privateKey('rsa'), 'RS256', { kid: 'k1' })}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
    });
  });
});
