/**
 * Attacks on bearer tokens that `__tests__/binding/` does not already cover (SECURITY.md lists
 * both): `kid` path and URL tricks and floods against a real loopback JWKS endpoint, keys
 * embedded in the token (`jwk`, `jku`, `x5u`), alg confusion with a JWKS key, `none` spellings,
 * every `crit` shape, huge tokens, hostile `cnf` shapes and thumbprint variants. Each is refused
 * with its documented status, code, reason and challenge, on Express 4 and 5.
 */
import { createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import type { CertificateBoundTokenOptions, MtlsError } from '../../lib';
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
import { X5T_S256 } from '../helpers/fixtures';
import { keepAliveAgent, send, serve } from './helpers/http';

const CLIENT_A = X5T_S256['client-a'];
const CLIENT_B = X5T_S256['client-b'];
const DESCRIPTIONS = {
  malformed: 'the access token is malformed',
  signature: 'the access token signature is invalid',
  algorithm: 'the access token algorithm is not accepted',
  unbound: 'the access token is not certificate-bound',
  binding_mismatch: 'the client certificate does not match the access token binding',
} as const;

function challenge(reason: keyof typeof DESCRIPTIONS): string {
  return `Bearer realm="api", error="invalid_token", error_description="${DESCRIPTIONS[reason]}"`;
}

/** An RS256 token bound to client-a (or with the given cnf), with extra header members. */
function rs256(header: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return signJwt(
    claims({ cnf: { 'x5t#S256': CLIENT_A }, ...extra }),
    privateKey('rsa'),
    'RS256',
    header,
  );
}

/** A JWS with a hand-written header, signed RS256 with the real key. */
function rawRs256(
  header: Record<string, unknown>,
  payload = claims({ cnf: { 'x5t#S256': CLIENT_A } }),
): string {
  return signRaw(header, payload, (input) => cryptoSign('sha256', input, privateKey('rsa')));
}

describe.each(EXPRESS_VERSIONS)('token attacks on %s', (_name, makeApp) => {
  const STATIC: CertificateBoundTokenOptions = {
    issuer: ISSUER,
    audience: AUDIENCE,
    publicKey: publicPem('rsa'),
  };

  async function refused(
    app: Express,
    token: string,
    errors: unknown[],
    reason: keyof typeof DESCRIPTIONS,
  ): Promise<MtlsError> {
    const res = await request(app)
      .get('/resource')
      .set('Authorization', `Bearer ${token}`)
      .set(CERT_HEADER, certHeader('client-a'));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(challenge(reason));
    expect(res.body).toEqual({ error: 'invalid_token', error_description: DESCRIPTIONS[reason] });
    const error = errors[errors.length - 1] as MtlsError;
    expect([error.code, error.reason]).toEqual(['ERR_MTLS_INVALID_TOKEN', reason]);
    return error;
  }

  describe('kid tricks against a real JWKS endpoint', () => {
    let jwks: LoopbackServer;
    const jwk = {
      ...publicKey('rsa').export({ format: 'jwk' }),
      kid: 'k1',
      alg: 'RS256',
      use: 'sig',
    };

    beforeAll(async () => {
      jwks = await startServer((_req, res) => {
        sendJson(res, 200, { keys: [jwk] });
      });
    });

    afterAll(async () => {
      await jwks.close();
    });

    function jwksServer(): ReturnType<typeof resourceServer> {
      jwks.requests.length = 0;
      return resourceServer(makeApp, {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: `${jwks.url}/jwks`,
      });
    }

    it('the genuine kid is accepted (the endpoint works)', async () => {
      const { app } = jwksServer();
      await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${rs256({ kid: 'k1' })}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      expect(jwks.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /jwks']);
    });

    it.each([
      ['path traversal', '../../../../etc/passwd'],
      ['a relative path', '../jwks?kid=k1'],
      ['an absolute URL', 'https://attacker.example/jwks.json'],
      ['a file URL', 'file:///etc/passwd'],
      ['a loopback URL', 'http://127.0.0.1:1/k1'],
      ['NUL and CRLF', 'k1\u0000\r\nX-Injected: 1'],
      ['a prototype name', '__proto__'],
      ['8000 characters', 'k'.repeat(8000)],
    ])(
      '%s as kid: 401 signature, and only the configured JWKS URL is fetched',
      async (_what, kid) => {
        const { app, errors } = jwksServer();
        await refused(app, rs256({ kid }), errors, 'signature');
        expect(jwks.requests.length).toBeGreaterThanOrEqual(1);
        for (const r of jwks.requests) expect(`${r.method} ${r.url}`).toBe('GET /jwks');
      },
    );

    it('a flood of 40 distinct unknown kids: all 401 signature, JWKS fetches rate-limited (≤ 11)', async () => {
      const { app, errors } = jwksServer();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          request(app)
            .get('/resource')
            .set('Authorization', `Bearer ${rs256({ kid: `unknown-${i}` })}`)
            .set(CERT_HEADER, certHeader('client-a')),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(40).fill(401));
      expect((errors as MtlsError[]).map((e) => e.reason)).toEqual(Array(40).fill('signature'));
      expect(jwks.requests.length).toBeLessThanOrEqual(11);
      // the genuine kid still works after the flood
      await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${rs256({ kid: 'k1' })}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
    });

    it('HS256 with the JWKS key (as PEM, or as the JWK n value) as HMAC secret: 401 algorithm', async () => {
      const { app, errors } = jwksServer();
      for (const secret of [publicPem('rsa'), String(jwk.n)]) {
        const token = signRaw(
          { alg: 'HS256', kid: 'k1' },
          claims({ cnf: { 'x5t#S256': CLIENT_A } }),
          (input) => createHmac('sha256', secret).update(input).digest(),
        );
        await refused(app, token, errors, 'algorithm');
      }
    });
  });

  describe('keys carried by the token are never used', () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const attackerJwk = attacker.publicKey.export({ format: 'jwk' });
    const forged = (header: Record<string, unknown>): string =>
      signRaw({ alg: 'RS256', ...header }, claims({ cnf: { 'x5t#S256': CLIENT_A } }), (input) =>
        cryptoSign('sha256', input, attacker.privateKey),
      );

    it.each([
      ['an embedded jwk (CVE-2018-0114 style)', { jwk: attackerJwk }],
      ['a jku pointing at the attacker', { jku: 'https://attacker.example/jwks' }],
      ['an x5u pointing at the attacker', { x5u: 'https://attacker.example/cert.pem' }],
      ['an x5c chain', { x5c: ['MIIB'] }],
    ])('%s, signed by the attacker: 401 signature', async (_what, header) => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      await refused(app, forged(header), errors, 'signature');
    });
  });

  describe('alg and crit', () => {
    it.each(['none', 'None', 'NONE', 'nOnE', '', 'RS256 ', 'rs256', 'HS256', 'ES256K'])(
      'alg %j: 401 algorithm',
      async (alg) => {
        const { app, errors } = resourceServer(makeApp, STATIC);
        const token = signRaw({ alg }, claims({ cnf: { 'x5t#S256': CLIENT_A } }), undefined);
        await refused(app, token, errors, 'algorithm');
      },
    );

    it.each([
      ['an empty list', []],
      ['a registered name', ['exp']],
      ['a string', 'b64'],
      ['null', null],
    ])('crit as %s, correctly signed: 401 malformed', async (_what, crit) => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      await refused(app, rawRs256({ alg: 'RS256', crit }), errors, 'malformed');
    });
  });

  describe('huge tokens', () => {
    it('a 15 000-character b64token: 401 malformed', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      await refused(app, `${'A'.repeat(7500)}.${'B'.repeat(7500)}`, errors, 'malformed');
    });

    it('a correctly signed token with a 12 KB claim is verified, not truncated: accepted', async () => {
      const { app } = resourceServer(makeApp, STATIC);
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${rs256({}, { padding: 'p'.repeat(9000) })}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      expect(res.body.auth.thumbprint).toBe(CLIENT_A);
    });

    it('a 2 MB token (server limit raised) is refused as malformed, one request at a time', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      const listening = await serve(app, { maxHeaderSize: 4 * 1024 * 1024 });
      const agent = keepAliveAgent();
      try {
        for (const token of [
          `${'a'.repeat(1_000_000)}.${'b'.repeat(1_000_000)}.c`,
          `${rs256().split('.').slice(0, 2).join('.')}.${'s'.repeat(2_000_000)}`,
        ]) {
          const reply = await send(listening.port, {
            path: '/resource',
            agent,
            headers: { authorization: `Bearer ${token}`, [CERT_HEADER]: certHeader('client-a') },
          });
          expect(reply.status).toBe(401);
          expect(reply.text.length).toBeLessThan(200);
        }
        expect((errors as MtlsError[]).map((e) => e.reason)).toEqual(['malformed', 'signature']);
      } finally {
        agent.destroy();
        await listening.close();
      }
    });

    it('over Node’s 16 KiB header limit: Node answers 431 before any middleware runs', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      const listening = await serve(app);
      try {
        const reply = await send(listening.port, {
          path: '/resource',
          headers: { authorization: `Bearer ${'A'.repeat(20_000)}` },
        });
        expect(reply.status).toBe(431);
        expect(errors).toEqual([]);
      } finally {
        await listening.close();
      }
    });
  });

  describe('cnf shapes', () => {
    it.each([
      ['x5t#S256 with a jkt', { 'x5t#S256': CLIENT_A, jkt: 'x' }, 'malformed'],
      [
        'x5t#S256 with a second, space-suffixed x5t#S256',
        { 'x5t#S256': CLIENT_A, 'x5t#S256 ': CLIENT_A },
        'malformed',
      ],
      [
        'x5t#S256 with x5t (SHA-1)',
        { 'x5t#S256': CLIENT_A, x5t: 'uT9K3WmxoRtqsjQDVzQ6Fi1P8iA' },
        'malformed',
      ],
      ['x5t#S256 as an array', { 'x5t#S256': [CLIENT_A] }, 'malformed'],
      ['x5t#S256 as a number', { 'x5t#S256': 1 }, 'malformed'],
      ['x5t#S256 as null', { 'x5t#S256': null }, 'malformed'],
      ['only x5t (client-a SHA-1, openssl)', { x5t: 'uT9K3WmxoRtqsjQDVzQ6Fi1P8iA' }, 'unbound'],
      [
        'a __proto__ member holding x5t#S256',
        JSON.parse(`{"__proto__":{"x5t#S256":"${CLIENT_A}"}}`),
        'unbound',
      ],
      ['an empty object', {}, 'unbound'],
      ['a JSON string', CLIENT_A, 'malformed'],
      ['an array', [CLIENT_A], 'malformed'],
      ['false', false, 'malformed'],
    ] as const)('cnf %s: 401 %s', async (_what, cnf, reason) => {
      const { app, errors } = resourceServer(makeApp, { ...STATIC, allowUnboundTokens: true });
      await refused(app, rs256({}, { cnf }), errors, reason);
    });

    it.each([
      ['a leading space', ` ${CLIENT_B}`],
      ['a trailing space', `${CLIENT_B} `],
      ['a trailing line feed', `${CLIENT_B}\n`],
      ['a zero-width space inside', `${CLIENT_B.slice(0, 10)}\u200b${CLIENT_B.slice(10)}`],
      ['standard base64 (- written +)', CLIENT_B.replace(/-/g, '+')],
      ['padding', `${CLIENT_B}=`],
      // openssl x509 -outform DER | openssl dgst -sha256, of client-b
      ['the hex SHA-256', '6c0be1b3e8bb8d3171e45f1e20ccd4b8fe5f892880856e80b62f67c5a9ee8c34'],
    ])('thumbprint with %s: 401 malformed', async (_what, value) => {
      const app = resourceServer(makeApp, STATIC);
      await request(app.app)
        .get('/resource')
        .set('Authorization', `Bearer ${rs256({}, { cnf: { 'x5t#S256': value } })}`)
        .set(CERT_HEADER, certHeader('client-b'))
        .expect(401);
      expect((app.errors[app.errors.length - 1] as MtlsError).reason).toBe('malformed');
    });

    it.each([
      ['upper-cased', CLIENT_B.toUpperCase()],
      ['lower-cased', CLIENT_B.toLowerCase()],
      ['with its last character changed', `${CLIENT_B.slice(0, -1)}R`],
    ])(
      'thumbprint %s (still 43 base64url characters): 401 binding_mismatch',
      async (_what, value) => {
        const { app, errors } = resourceServer(makeApp, STATIC);
        const res = await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${rs256({}, { cnf: { 'x5t#S256': value } })}`)
          .set(CERT_HEADER, certHeader('client-b'))
          .expect(401);
        expect(res.headers['www-authenticate']).toBe(challenge('binding_mismatch'));
        expect((errors[errors.length - 1] as MtlsError).reason).toBe('binding_mismatch');
      },
    );

    it('the exact thumbprint of the presented certificate is accepted (the variants above are meaningful)', async () => {
      const { app } = resourceServer(makeApp, STATIC);
      await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${rs256({}, { cnf: { 'x5t#S256': CLIENT_B } })}`)
        .set(CERT_HEADER, certHeader('client-b'))
        .expect(200);
    });
  });
});
