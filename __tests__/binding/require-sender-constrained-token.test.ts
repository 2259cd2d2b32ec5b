/**
 * requireSenderConstrainedToken(): tokens bound by mTLS (RFC 8705 §3), DPoP (RFC 9449 §7) or
 * both, through Express 4 and 5, with every rejection's status, code, reason and challenge —
 * including each negative case the OpenID FAPI 2.0 conformance suite sends to a resource server.
 */
import { createHash } from 'node:crypto';
import type { Express, RequestHandler } from 'express';
import request from 'supertest';
import { requireSenderConstrainedToken } from '../../lib/binding/require-sender-constrained-token';
import type { SenderConstrainedTokenOptions } from '../../lib/binding/sender-constrained-options';
import { forgetWarnings } from '../../lib/warnings';
import type { MtlsError } from '../../lib/errors';
import type { ReplayStore } from '../../lib/dpop/replay-store';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { X5T_S256 } from '../helpers/fixtures';
import { KEYS, makeProof, type ProofOptions } from '../dpop/helpers/proof';
import { CERT_HEADER, certHeader } from './helpers/app';
import {
  PROOF_CHALLENGE,
  senderConstrainedApi,
  type SenderConstrainedApi,
} from './helpers/dpop-app';
import { AUDIENCE, claims, ISSUER, privateKey, publicPem, signJwt } from './helpers/keys';

const PUBLIC = 'https://api.example.com';
const HTU = `${PUBLIC}/resource`;
const SECRET = 'a-nonce-secret-that-is-32-bytes-long!';
const BASE: SenderConstrainedTokenOptions = {
  issuer: ISSUER,
  audience: AUDIENCE,
  publicKey: publicPem('rsa'),
  dpop: { publicUrl: PUBLIC },
};

function token(cnf: Record<string, unknown> | undefined, alg: 'RS256' | 'PS256' = 'RS256') {
  return signJwt(claims(cnf === undefined ? {} : { cnf }), privateKey('rsa'), alg);
}

const DPOP_TOKEN = token({ jkt: KEYS.ec.jkt });
const MTLS_TOKEN = token({ 'x5t#S256': X5T_S256['client-a'] });
const BOTH_TOKEN = token({ jkt: KEYS.ec.jkt, 'x5t#S256': X5T_S256['client-a'] });

function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

interface Proof extends ProofOptions {
  readonly accessToken?: string;
}

/** A proof for `GET HTU` now, for DPOP_TOKEN, made with node:crypto (not the code under test). */
function proof({ accessToken = DPOP_TOKEN, ...options }: Proof = {}): string {
  return makeProof({
    ...options,
    payload: {
      htu: HTU,
      iat: Math.floor(Date.now() / 1000),
      ath: ath(accessToken),
      ...options.payload,
    },
  });
}

function api(
  makeApp: () => Express,
  options: SenderConstrainedTokenOptions = BASE,
  front?: RequestHandler[],
): SenderConstrainedApi {
  return senderConstrainedApi(makeApp, requireSenderConstrainedToken(options), front);
}

function last(errors: MtlsError[]): MtlsError {
  return errors[errors.length - 1] as MtlsError;
}

function dpopGet(app: Express, dpop: string | string[] | undefined, accessToken = DPOP_TOKEN) {
  const req = request(app).get('/resource').set('Authorization', `DPoP ${accessToken}`);
  // an array is sent as separate field lines (Node's setHeader), as a client could
  return dpop === undefined ? req : req.set('DPoP', dpop as string);
}

let emitWarning: jest.SpyInstance;

beforeAll(() => {
  emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});

afterAll(() => {
  emitWarning.mockRestore();
});

/** The messages of the ExpressMtlsWarnings emitted with `code` since the last mockClear(). */
function warningsOf(code: string): unknown[] {
  return emitWarning.mock.calls
    .filter((call: unknown[]) => (call[1] as { code?: string } | undefined)?.code === code)
    .map((call: unknown[]) => call[0]);
}

describe.each(EXPRESS_VERSIONS)('requireSenderConstrainedToken() on %s', (_name, makeApp) => {
  it('warns once per process that the default replay store protects one process (MTLS_REPLAY_STORE_LOCAL)', async () => {
    forgetWarnings();
    emitWarning.mockClear();
    const { app } = api(makeApp);
    await dpopGet(app, proof()).expect(200);
    await dpopGet(app, proof()).expect(200);
    expect(warningsOf('MTLS_REPLAY_STORE_LOCAL')).toHaveLength(1);
  });

  describe('accepts', () => {
    it('a DPoP-bound token with a valid proof (RFC 9449 §7.1), binding "dpop"', async () => {
      const { app } = api(makeApp);
      const res = await dpopGet(app, proof()).expect(200);
      expect(res.body.auth).toMatchObject({ token: DPOP_TOKEN, binding: 'dpop', jkt: KEYS.ec.jkt });
      expect(res.body.auth.thumbprint).toBeUndefined();
      expect(res.headers['dpop-nonce']).toBeUndefined();
    });

    it('a certificate-bound token with its certificate as Bearer, binding "mtls"', async () => {
      const { app } = api(makeApp);
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${MTLS_TOKEN}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      expect(res.body.auth).toMatchObject({
        binding: 'mtls',
        thumbprint: X5T_S256['client-a'],
      });
      expect(res.body.auth.jkt).toBeUndefined();
    });

    it('a token bound both ways only with both the proof and the certificate', async () => {
      const { app, errors } = api(makeApp);
      const res = await dpopGet(app, proof({ accessToken: BOTH_TOKEN }), BOTH_TOKEN)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      expect(res.body.auth).toMatchObject({
        binding: 'dpop',
        jkt: KEYS.ec.jkt,
        thumbprint: X5T_S256['client-a'],
      });
      await dpopGet(app, proof({ accessToken: BOTH_TOKEN }), BOTH_TOKEN).expect(401);
      expect(last(errors)).toMatchObject({
        code: 'ERR_MTLS_INVALID_TOKEN',
        reason: 'certificate_missing',
      });
      await dpopGet(app, proof({ accessToken: BOTH_TOKEN }), BOTH_TOKEN)
        .set(CERT_HEADER, certHeader('client-b'))
        .expect(401);
      expect(last(errors).reason).toBe('binding_mismatch');
    });

    it('a proof whose htu carries a query and a fragment, for a request with a query', async () => {
      const { app } = api(makeApp);
      await request(app)
        .get('/resource?page=2')
        .set('Authorization', `DPoP ${DPOP_TOKEN}`)
        .set('DPoP', proof({ payload: { htu: `${HTU}?page=3#top` } }))
        .expect(200);
    });

    it('a proof by an RSA (PS256) and an Ed25519 key, each bound by its own jkt', async () => {
      const { app } = api(makeApp);
      for (const [key, alg] of [
        ['rsa', 'PS256'],
        ['ed', 'EdDSA'],
        ['ed', 'Ed25519'],
      ] as const) {
        const bound = token({ jkt: KEYS[key].jkt });
        await dpopGet(app, proof({ key, alg, accessToken: bound }), bound).expect(200);
      }
    });

    it('an unbound token only with allowUnboundTokens, binding "none"', async () => {
      const { app, errors } = api(makeApp);
      const unbound = token(undefined);
      await request(app).get('/resource').set('Authorization', `Bearer ${unbound}`).expect(401);
      expect(last(errors)).toMatchObject({ code: 'ERR_MTLS_INVALID_TOKEN', reason: 'unbound' });
      const open = api(makeApp, { ...BASE, allowUnboundTokens: true });
      const res = await request(open.app)
        .get('/resource')
        .set('Authorization', `Bearer ${unbound}`)
        .expect(200);
      expect(res.body.auth.binding).toBe('none');
    });
  });

  describe('refuses the FAPI 2.0 conformance suite negative cases, each with its reason', () => {
    const cases: [string, () => string, string][] = [
      ['missing htu', () => proof({ payload: { htu: undefined } }), 'htu'],
      ['missing iat', () => proof({ payload: { iat: undefined } }), 'iat'],
      ['missing ath', () => proof({ payload: { ath: undefined } }), 'ath'],
      ['bad typ', () => proof({ header: { typ: 'JWT' } }), 'type'],
      ['missing typ', () => proof({ header: { typ: undefined } }), 'type'],
      [
        'bad signature',
        () => {
          const good = proof();
          const other = proof().split('.')[2] as string;
          return `${good.slice(0, good.lastIndexOf('.'))}.${other}`;
        },
        'signature',
      ],
      [
        'private key in jwk',
        () => proof({ header: { jwk: { ...KEYS.ec.jwk, d: 'AAAA' } } }),
        'private_key',
      ],
      ['wrong htm', () => proof({ payload: { htm: 'POST' } }), 'htm'],
      ['wrong htu', () => proof({ payload: { htu: `${PUBLIC}/other` } }), 'htu'],
      [
        'wrong htu host',
        () => proof({ payload: { htu: 'https://evil.example.com/resource' } }),
        'htu',
      ],
      [
        'iat an hour ago',
        () => proof({ payload: { iat: Math.floor(Date.now() / 1000) - 3600 } }),
        'iat',
      ],
      [
        'iat an hour ahead',
        () => proof({ payload: { iat: Math.floor(Date.now() / 1000) + 3600 } }),
        'iat',
      ],
      ['wrong ath', () => proof({ payload: { ath: ath('another token') } }), 'ath'],
      ['missing jti', () => proof({ payload: { jti: undefined } }), 'malformed'],
      ['alg none', () => proof({ header: { alg: 'none' } }).replace(/\.[^.]*$/, '.'), 'algorithm'],
      ['alg not accepted (ES384)', () => proof({ key: 'ec384', alg: 'ES384' }), 'algorithm'],
      ['another key than cnf.jkt', () => proof({ key: 'ecOther' }), 'key_mismatch'],
      ['not a JWS', () => 'not-a-jws', 'malformed'],
    ];

    it.each(cases)('%s → 401 invalid_dpop_proof', async (_case, make, reason) => {
      const { app, errors } = api(makeApp);
      const text = make();
      const res = await dpopGet(app, text).expect(401);
      expect(res.body).toMatchObject({ error: 'invalid_dpop_proof' });
      expect(res.headers['www-authenticate']).toMatch(PROOF_CHALLENGE);
      expect(last(errors)).toMatchObject({ code: 'ERR_MTLS_INVALID_DPOP_PROOF', reason });
      expect(JSON.stringify(res.body)).not.toContain(text.slice(0, 40));
      expect(last(errors).message).not.toContain(text.slice(0, 40));
    });

    it('two DPoP headers → multiple', async () => {
      const { app, errors } = api(makeApp);
      await dpopGet(app, [proof(), proof()]).expect(401);
      expect(last(errors)).toMatchObject({
        code: 'ERR_MTLS_INVALID_DPOP_PROOF',
        reason: 'multiple',
      });
    });

    it('no DPoP header → missing', async () => {
      const { app, errors } = api(makeApp);
      await dpopGet(app, undefined).expect(401);
      expect(last(errors).reason).toBe('missing');
    });

    it('a proof used twice → replayed, on the second use only', async () => {
      const { app, errors } = api(makeApp);
      const once = proof();
      await dpopGet(app, once).expect(200);
      const res = await dpopGet(app, once).expect(401);
      expect(res.headers['www-authenticate']).toMatch(PROOF_CHALLENGE);
      expect(last(errors)).toMatchObject({
        code: 'ERR_MTLS_INVALID_DPOP_PROOF',
        reason: 'replayed',
      });
    });

    it('a proof that fails a check records nothing: a fixed copy is still fresh', async () => {
      const { app } = api(makeApp);
      const jti = `fixed-${Date.now()}`;
      await dpopGet(app, proof({ payload: { jti, htm: 'PUT' } })).expect(401);
      await dpopGet(app, proof({ payload: { jti } })).expect(200);
    });
  });

  describe('token and scheme', () => {
    it('a DPoP-bound token sent as Bearer → invalid_token scheme_mismatch (RFC 9449 §7.2)', async () => {
      const { app, errors } = api(makeApp);
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${DPOP_TOKEN}`)
        .set('DPoP', proof())
        .expect(401);
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="api", error="invalid_token", error_description="[^"]+", DPoP realm="api", algs="ES256 PS256 EdDSA"$/,
      );
      expect(last(errors)).toMatchObject({
        code: 'ERR_MTLS_INVALID_TOKEN',
        reason: 'scheme_mismatch',
      });
    });

    it('a certificate-bound token sent as DPoP → scheme_mismatch', async () => {
      const { app, errors } = api(makeApp);
      const res = await dpopGet(app, proof({ accessToken: MTLS_TOKEN }), MTLS_TOKEN)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(401);
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="api", DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="ES256 PS256 EdDSA"$/,
      );
      expect(last(errors).reason).toBe('scheme_mismatch');
    });

    it('a token bound by a method not in methods → binding_mismatch', async () => {
      const mtlsOnly = api(makeApp, { ...BASE, methods: ['mtls'], dpop: undefined });
      const res = await request(mtlsOnly.app)
        .get('/resource')
        .set('Authorization', `Bearer ${DPOP_TOKEN}`)
        .expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/);
      expect(last(mtlsOnly.errors).reason).toBe('binding_mismatch');
      const dpopOnly = api(makeApp, { ...BASE, methods: ['dpop'] }, []);
      const refused = await request(dpopOnly.app)
        .get('/resource')
        .set('Authorization', `Bearer ${MTLS_TOKEN}`)
        .expect(401);
      expect(refused.headers['www-authenticate']).toMatch(
        /^DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="ES256 PS256 EdDSA"$/,
      );
      expect(last(dpopOnly.errors).reason).toBe('binding_mismatch');
    });

    it('no token → 401 token missing with a challenge per scheme and no error', async () => {
      const { app, errors } = api(makeApp, {
        ...BASE,
        resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource',
      });
      const res = await request(app).get('/resource').expect(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource", ' +
          'DPoP realm="api", algs="ES256 PS256 EdDSA", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
      );
      expect(last(errors).code).toBe('ERR_MTLS_TOKEN_MISSING');
    });

    it('a forged or expired token is refused before the proof is looked at', async () => {
      const { app, errors } = api(makeApp);
      const expired = signJwt(
        claims({ cnf: { jkt: KEYS.ec.jkt }, exp: 1000, iat: 900 }),
        privateKey('rsa'),
        'RS256',
      );
      await dpopGet(app, proof({ accessToken: expired }), expired).expect(401);
      expect(last(errors)).toMatchObject({ code: 'ERR_MTLS_INVALID_TOKEN', reason: 'expired' });
    });
  });

  describe('nonces (RFC 9449 §8)', () => {
    it('asks for a nonce, then accepts it and sends the next one', async () => {
      const { app, errors } = api(makeApp, {
        ...BASE,
        dpop: { ...BASE.dpop, nonce: { secret: SECRET } },
      });
      const first = await dpopGet(app, proof()).expect(401);
      expect(first.body).toMatchObject({ error: 'use_dpop_nonce' });
      expect(first.headers['www-authenticate']).toMatch(
        /^Bearer realm="api", DPoP realm="api", error="use_dpop_nonce", error_description="[^"]+", algs="ES256 PS256 EdDSA"$/,
      );
      expect(last(errors)).toMatchObject({ code: 'ERR_MTLS_USE_DPOP_NONCE' });
      const nonce = first.headers['dpop-nonce'] as string;
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const ok = await dpopGet(app, proof({ payload: { nonce } })).expect(200);
      expect(ok.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{43}$/);
      await dpopGet(app, proof({ payload: { nonce: 'x'.repeat(43) } })).expect(401);
      expect(last(errors).code).toBe('ERR_MTLS_USE_DPOP_NONCE');
    });

    it('accepts a nonce issued by another instance sharing the secret', async () => {
      const one = api(makeApp, { ...BASE, dpop: { ...BASE.dpop, nonce: { secret: SECRET } } });
      const two = api(makeApp, {
        ...BASE,
        dpop: {
          ...BASE.dpop,
          nonce: { secrets: ['a-newer-secret-of-32-bytes-or-more!!', SECRET] },
        },
      });
      const nonce = (await dpopGet(one.app, proof()).expect(401)).headers['dpop-nonce'] as string;
      await dpopGet(two.app, proof({ payload: { nonce } })).expect(200);
    });
  });

  describe('the replay store fails closed', () => {
    it('a store that throws → 503 replay_store_unavailable', async () => {
      const broken: ReplayStore = { add: () => Promise.reject(new Error('connection refused')) };
      const { app, errors } = api(makeApp, { ...BASE, dpop: { ...BASE.dpop, replay: broken } });
      const res = await dpopGet(app, proof()).expect(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(last(errors)).toMatchObject({
        code: 'ERR_MTLS_UNAVAILABLE',
        reason: 'replay_store_unavailable',
      });
    });

    it('a store that does not answer in time → 503 replay_store_timeout', async () => {
      const silent: ReplayStore = { add: () => new Promise<boolean>(() => undefined) };
      const { app, errors } = api(makeApp, {
        ...BASE,
        dpop: { ...BASE.dpop, replay: silent, replayTimeout: 50 },
      });
      await dpopGet(app, proof()).expect(503);
      expect(last(errors)).toMatchObject({
        code: 'ERR_MTLS_UNAVAILABLE',
        reason: 'replay_store_timeout',
      });
    });

    it('a store answering anything but a boolean → 503', async () => {
      const odd = { add: () => Promise.resolve('OK') } as unknown as ReplayStore;
      const { app, errors } = api(makeApp, { ...BASE, dpop: { ...BASE.dpop, replay: odd } });
      await dpopGet(app, proof()).expect(503);
      expect(last(errors).reason).toBe('replay_store_unavailable');
    });
  });

  describe('htu behind proxies', () => {
    const hostBased: SenderConstrainedTokenOptions = { ...BASE, dpop: {} };
    function hostProof(htu: string): string {
      return proof({ payload: { htu } });
    }

    it('warns once (MTLS_DPOP_HTU_FROM_HOST) that the client writes Host, only without publicUrl', async () => {
      forgetWarnings();
      emitWarning.mockClear();
      const { app } = api(makeApp, hostBased);
      for (let i = 0; i < 2; i++) {
        await dpopGet(app, proof({ payload: { htu: 'http://api.example.com/resource' } }))
          .set('Host', 'api.example.com')
          .expect(200);
      }
      expect(warningsOf('MTLS_DPOP_HTU_FROM_HOST')).toEqual([
        expect.stringContaining('dpop.publicUrl is not set'),
      ]);
      forgetWarnings();
      emitWarning.mockClear();
      await dpopGet(api(makeApp).app, proof()).expect(200);
      expect(warningsOf('MTLS_DPOP_HTU_FROM_HOST')).toEqual([]);
    });

    it('without publicUrl: the Host header, http on a plain connection', async () => {
      const { app, errors } = api(makeApp, hostBased);
      await dpopGet(app, hostProof('http://api.example.com:8080/resource'))
        .set('Host', 'API.example.com:8080')
        .expect(200);
      await dpopGet(app, hostProof('https://api.example.com:8080/resource'))
        .set('Host', 'api.example.com:8080')
        .expect(401);
      expect(last(errors).reason).toBe('htu');
    });

    it('a Host that does not parse is never guessed: htu', async () => {
      const { app, errors } = api(makeApp, hostBased);
      for (const host of ['api.example.com:abc', 'user@api.example.com', '2130706433']) {
        await dpopGet(app, hostProof(`http://${host}/resource`))
          .set('Host', host)
          .expect(401);
        expect(last(errors)).toMatchObject({ code: 'ERR_MTLS_INVALID_DPOP_PROOF', reason: 'htu' });
      }
    });

    it('X-Forwarded-Proto/-Host from an untrusted peer are ignored', async () => {
      const { app, errors } = api(makeApp, hostBased);
      await dpopGet(app, hostProof('https://public.example.com/resource'))
        .set('Host', 'internal:3000')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'public.example.com')
        .expect(401);
      expect(last(errors).reason).toBe('htu');
      await dpopGet(app, hostProof('http://internal:3000/resource'))
        .set('Host', 'internal:3000')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'public.example.com')
        .expect(200);
    });

    it('X-Forwarded-Proto/-Host from a trusted proxy (trustProxy) replace them', async () => {
      const { app } = api(makeApp, { ...hostBased, trustProxy: 'loopback' });
      await dpopGet(app, hostProof('https://public.example.com/resource'))
        .set('Host', 'internal:3000')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'public.example.com')
        .expect(200);
    });

    it("the app's trust proxy hop count is not trust", async () => {
      const { app, errors } = api(() => {
        const made = makeApp();
        made.set('trust proxy', 1);
        return made;
      }, hostBased);
      await dpopGet(app, hostProof('https://public.example.com/resource'))
        .set('Host', 'internal:3000')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'public.example.com')
        .expect(401);
      expect(last(errors).reason).toBe('htu');
    });

    it('publicUrl as a function of the request', async () => {
      const { app } = api(makeApp, {
        ...BASE,
        dpop: { publicUrl: (req) => `https://tenant.example.com${req.originalUrl}` },
      });
      await dpopGet(app, hostProof('https://tenant.example.com/resource')).expect(200);
    });

    it('a request path with a dot segment is refused, so a proof cannot name another route', async () => {
      const prefixed = api(makeApp, {
        ...BASE,
        dpop: { publicUrl: 'https://api.example.com/api' },
      });
      await request(prefixed.app)
        .post('/%2e%2e/other/pay')
        .set('Authorization', `DPoP ${DPOP_TOKEN}`)
        .set('DPoP', proof({ payload: { htm: 'POST', htu: 'https://api.example.com/other/pay' } }))
        .expect(401);
      expect(last(prefixed.errors)).toMatchObject({
        code: 'ERR_MTLS_INVALID_DPOP_PROOF',
        reason: 'htu',
      });
      const { app, errors } = api(makeApp, hostBased);
      await dpopGet(app, hostProof('http://api.example.com/resource'))
        .set('Host', 'api.example.com')
        .expect(200);
      await request(app)
        .get('/other/%2E%2E/resource')
        .set('Host', 'api.example.com')
        .set('Authorization', `DPoP ${DPOP_TOKEN}`)
        .set('DPoP', hostProof('http://api.example.com/resource'))
        .expect(401);
      expect(last(errors).reason).toBe('htu');
    });

    it('publicUrl with a path prefix, for an API mounted under /api', async () => {
      const { app } = api(makeApp, { ...BASE, dpop: { publicUrl: 'https://example.com/api/' } });
      await dpopGet(app, hostProof('https://example.com/api/resource')).expect(200);
    });
  });

  describe('FAPI 2.0 profile', () => {
    const FAPI: SenderConstrainedTokenOptions = { ...BASE, profile: 'fapi2' };

    it('accepts a PS256 token and refuses an RS256 one (reason algorithm)', async () => {
      const { app, errors } = api(makeApp, FAPI);
      const ps = token({ jkt: KEYS.ec.jkt }, 'PS256');
      await dpopGet(app, proof({ accessToken: ps }), ps).expect(200);
      await dpopGet(app, proof()).expect(401);
      expect(last(errors)).toMatchObject({ code: 'ERR_MTLS_INVALID_TOKEN', reason: 'algorithm' });
    });

    it('never reads a body or query token', async () => {
      const { app, errors } = api(makeApp, FAPI);
      await request(app).get(`/resource?access_token=${DPOP_TOKEN}`).expect(401);
      expect(last(errors).code).toBe('ERR_MTLS_TOKEN_MISSING');
    });
  });

  it('needs clientCertificate() in front when mtls is accepted, not for DPoP alone', async () => {
    const { app, errors } = api(makeApp, BASE, []);
    await dpopGet(app, proof()).expect(500);
    expect(last(errors)).toMatchObject({ code: 'ERR_MTLS_MISCONFIGURED' });
    expect(last(errors).message).toContain('requireSenderConstrainedToken()');
    const dpopOnly = api(makeApp, { ...BASE, methods: ['dpop'] }, []);
    await dpopGet(dpopOnly.app, proof()).expect(200);
  });
});

describe('requireSenderConstrainedToken() options', () => {
  const bad: [string, SenderConstrainedTokenOptions, RegExp][] = [
    [
      'an unknown option',
      { ...BASE, method: ['dpop'] } as never,
      /unknown option "method".*methods/i,
    ],
    ['an unknown method', { ...BASE, methods: ['dpopp'] } as never, /unknown method "dpopp".*dpop/],
    ['empty methods', { ...BASE, methods: [] }, /non-empty array/],
    ['dpop options without dpop', { ...BASE, methods: ['mtls'] }, /methods" leaves out/],
    ['an unknown dpop option', { ...BASE, dpop: { maxage: 60 } } as never, /maxage/],
    ['a symmetric proof algorithm', { ...BASE, dpop: { algorithms: ['HS256'] } }, /asymmetric/],
    ['a bad publicUrl', { ...BASE, dpop: { publicUrl: 'api.example.com' } }, /publicUrl/],
    ['a publicUrl with a query', { ...BASE, dpop: { publicUrl: 'https://a.example/?x' } }, /query/],
    ['a short nonce secret', { ...BASE, dpop: { nonce: { secret: 'short' } } }, /32 bytes/],
    ['a replay store without add', { ...BASE, dpop: { replay: {} as never } }, /add\(key, ttlMs\)/],
    ['a bad replayTimeout', { ...BASE, dpop: { replayTimeout: 0 } }, /replayTimeout/],
    ['an http resourceMetadata', { ...BASE, resourceMetadata: 'http://a.example/x' }, /https/],
    ['an unknown profile', { ...BASE, profile: 'fapi1' as never }, /profile/],
    [
      'fapi2 with allowUnboundTokens',
      { ...BASE, profile: 'fapi2', allowUnboundTokens: true },
      /sender constraint/,
    ],
    [
      'fapi2 with allowBodyToken',
      { ...BASE, profile: 'fapi2', allowBodyToken: true },
      /Authorization header/,
    ],
    [
      'fapi2 with a query token',
      { ...BASE, profile: 'fapi2', dangerouslyAllowQueryToken: true },
      /Authorization header/,
    ],
    [
      'fapi2 with secret',
      { issuer: ISSUER, audience: AUDIENCE, secret: 'x'.repeat(32), profile: 'fapi2' },
      /HMAC/,
    ],
    ['fapi2 with RS256 tokens', { ...BASE, profile: 'fapi2', algorithms: ['RS256'] }, /RS256/],
    [
      'fapi2 with RS256 tokens as a string',
      { ...BASE, profile: 'fapi2', algorithms: 'RS256' as never },
      /RS256/,
    ],
    [
      'fapi2 with an ES384 proof algorithm',
      { ...BASE, profile: 'fapi2', dpop: { algorithms: ['ES384'] } },
      /FAPI 2.0/,
    ],
  ];

  it.each(bad)('throws a TypeError for %s', (_case, options, message) => {
    expect(() => requireSenderConstrainedToken(options)).toThrow(TypeError);
    expect(() => requireSenderConstrainedToken(options)).toThrow(message);
  });

  it('combines profile fapi2 with introspection (no token algorithm to restrict)', () => {
    expect(() =>
      requireSenderConstrainedToken({
        issuer: ISSUER,
        audience: AUDIENCE,
        introspection: {
          endpoint: 'https://as.example.com/introspect',
          clientId: 'rs',
          clientSecret: 's',
        },
        profile: 'fapi2',
        dpop: { publicUrl: PUBLIC },
      }),
    ).not.toThrow();
  });

  it('returns a named middleware', () => {
    expect(requireSenderConstrainedToken(BASE).name).toBe(
      'requireSenderConstrainedTokenMiddleware',
    );
  });
});
