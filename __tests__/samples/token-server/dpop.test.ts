import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  checkTokenEndpointProof,
  DpopProofError,
  jwkThumbprint,
} from '../../../samples/token-server/dpop-proof';
import { createTokenServer } from '../../../samples/token-server/token-server';
import { privatePem } from '../../binding/helpers/keys';
import { KEYS, makeProof, type ProofOptions } from '../../dpop/helpers/proof';
import { EXPRESS_VERSIONS } from '../../helpers/express-versions';
import { captureProcessWarnings, type CapturedWarnings } from '../../helpers/process-warnings';
import { pem } from '../../helpers/fixtures';
import { call, CLIENT_A_WITH_CHAIN, listenHttps, type Listening, type Reply } from '../helpers';

const ISSUER = 'https://as.example.test';
const MTLS = 'https://mtls.as.example.test';
const ENDPOINT = `${MTLS}/token`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const BODY = 'grant_type=client_credentials&client_id=payments-app&scope=payments%3Aread';

/** A token-endpoint proof (no `ath`): POST to the mTLS alias, issued now. */
function proof(options: ProofOptions = {}): string {
  return makeProof({
    ...options,
    payload: {
      htm: 'POST',
      htu: ENDPOINT,
      iat: Math.floor(Date.now() / 1000),
      ath: undefined,
      ...options.payload,
    },
  });
}

describe('the sample token server binds tokens to a DPoP key (RFC 9449 §5)', () => {
  describe.each(EXPRESS_VERSIONS)('on %s', (_label, createApp) => {
    let server: Listening;
    let warnings: CapturedWarnings;
    beforeAll(async () => {
      warnings = captureProcessWarnings();
      server = await listenHttps(
        createTokenServer(
          {
            issuer: ISSUER,
            mtlsBaseUrl: MTLS,
            audience: 'https://api.example.test/',
            signingKey: privatePem('ec-p256'),
            trustAnchors: [pem('root-ca')],
            intermediates: [pem('intermediate-ca')],
            clients: [
              {
                client_id: 'payments-app',
                token_endpoint_auth_method: 'tls_client_auth',
                tls_client_auth_subject_dn: 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
                scope: 'payments:read',
              },
            ],
          },
          createApp(),
        ),
      );
    });
    afterAll(async () => {
      warnings.restore();
      await server.close();
    });

    const token = (dpop?: string | string[]): Promise<Reply> =>
      call({
        port: server.port,
        method: 'POST',
        path: '/token',
        headers: { ...FORM, ...(dpop === undefined ? {} : { dpop }) },
        body: BODY,
        client: CLIENT_A_WITH_CHAIN,
      });

    function expectInvalidProof(reply: Reply): void {
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({
        error: 'invalid_dpop_proof',
        error_description: expect.any(String),
      });
    }

    it('warns once, at the first proof, that its default replay store protects one process (MTLS_REPLAY_STORE_LOCAL)', async () => {
      expect(warnings.all()).toEqual([]);
      expect((await token(proof())).status).toBe(200);
      expect((await token(proof())).status).toBe(200);
      expect(warnings.all()).toEqual([
        {
          code: 'MTLS_REPLAY_STORE_LOCAL',
          type: 'ExpressMtlsWarning',
          message: expect.stringContaining(
            'memoryReplayStore(), which protects this process only',
          ) as string,
        },
      ]);
    });

    it('issues a DPoP token bound to the proof key (cnf.jkt as jose computes it), not to the certificate', async () => {
      const reply = await token(proof());
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ token_type: 'DPoP', scope: 'payments:read' });
      const claims = jwt.decode(reply.json.access_token) as jwt.JwtPayload;
      expect(claims.cnf).toEqual({ jkt: KEYS.ec.jkt });
    });

    it('accepts the main host token endpoint as htu, and PS256 and EdDSA proofs', async () => {
      for (const [key, alg] of [
        ['ec', 'ES256'],
        ['rsa', 'PS256'],
        ['ed', 'EdDSA'],
      ] as const) {
        const reply = await token(proof({ key, alg, payload: { htu: `${ISSUER}/token?x=1` } }));
        expect(reply.status).toBe(200);
        expect((jwt.decode(reply.json.access_token) as jwt.JwtPayload).cnf).toEqual({
          jkt: KEYS[key].jkt,
        });
      }
    });

    it('refuses a replayed proof', async () => {
      const once = proof();
      expect((await token(once)).status).toBe(200);
      expectInvalidProof(await token(once));
    });

    it.each<[string, () => string | string[]]>([
      ['two DPoP headers', () => [proof(), proof()]],
      ['a proof that is not a JWS', () => 'not-a-jws'],
      ['a JWS of non-JSON parts', () => 'e30.bm90IGpzb24.c2ln'],
      ['a wrong typ', () => proof({ header: { typ: 'JWT' } })],
      ['a symmetric alg', () => proof({ header: { alg: 'HS256' } })],
      ['RS256 (not allowed)', () => proof({ key: 'rsa', alg: 'RS256' })],
      ['no jwk', () => proof({ header: { jwk: undefined } })],
      ['a private key in the jwk', () => proof({ header: { jwk: { ...KEYS.ec.jwk, d: 'AAAA' } } })],
      ['a signature by another key', () => proof({ header: { jwk: KEYS.ecOther.jwk } })],
      ['a wrong htm', () => proof({ payload: { htm: 'GET' } })],
      ['a wrong htu', () => proof({ payload: { htu: 'https://evil.example/token' } })],
      ['no htu', () => proof({ payload: { htu: undefined } })],
      [
        'an iat an hour old',
        () => proof({ payload: { iat: Math.floor(Date.now() / 1000) - 3600 } }),
      ],
      [
        'an iat in the future',
        () => proof({ payload: { iat: Math.floor(Date.now() / 1000) + 60 } }),
      ],
      ['no jti', () => proof({ payload: { jti: undefined } })],
      ['an over-long proof', () => 'a'.repeat(9000)],
    ])('refuses %s with 400 invalid_dpop_proof', async (_name, make) => {
      expectInvalidProof(await token(make()));
    });

    it('still issues certificate-bound tokens without a DPoP header', async () => {
      const reply = await token();
      expect(reply.json.token_type).toBe('Bearer');
      expect(Object.keys((jwt.decode(reply.json.access_token) as jwt.JwtPayload).cnf)).toEqual([
        'x5t#S256',
      ]);
    });
  });

  it('computes RFC 7638 thumbprints for EC, RSA and OKP keys as jose does', () => {
    expect(jwkThumbprint(KEYS.ec.jwk)).toBe(KEYS.ec.jkt);
    expect(jwkThumbprint(KEYS.rsa.jwk)).toBe(KEYS.rsa.jkt);
    expect(jwkThumbprint(KEYS.ed.jwk)).toBe(KEYS.ed.jkt);
  });

  it('records the jti in the given store for the whole window', async () => {
    const added: [string, number][] = [];
    const replay = {
      add: (key: string, ttl: number) => {
        added.push([key, ttl]);
        return Promise.resolve(true);
      },
    };
    const jti = randomBytes(8).toString('hex');
    await expect(
      checkTokenEndpointProof({
        proofs: [proof({ payload: { jti } })],
        method: 'POST',
        endpoints: [ENDPOINT],
        replay,
      }),
    ).resolves.toBe(KEYS.ec.jkt);
    // until the window closes (iat + 300 s + 5 s skew), plus the skew and a 5 s margin
    expect(added).toEqual([[expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expect.any(Number)]]);
    const ttl = (added[0] as [string, number])[1];
    expect(ttl).toBeGreaterThan(313_000);
    expect(ttl).toBeLessThanOrEqual(315_000);
    await expect(
      checkTokenEndpointProof({
        proofs: [proof()],
        method: 'POST',
        endpoints: [ENDPOINT],
        replay: { add: () => Promise.resolve(false) },
      }),
    ).rejects.toThrow(DpopProofError);
  });
});
