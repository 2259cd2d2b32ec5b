/**
 * Interop, DPoP end to end with code we did not write: oidc-provider 9 (a child process) issues
 * DPoP-bound JWT access tokens (`cnf.jkt`) for client_credentials; oauth4webapi (a child process,
 * through its public API) makes every DPoP proof, for the token request and for the resource
 * requests, and sends them over real loopback HTTP to requireSenderConstrainedToken() in an Express
 * app listening on a port. Keys come from the provider's /jwks over https.
 */
import { createServer, type Server } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express, RequestHandler } from 'express';
import { requireCertificateBoundToken } from '../../lib/binding/require-certificate-bound-token';
import { requireSenderConstrainedToken } from '../../lib/binding/require-sender-constrained-token';
import type { SenderConstrainedTokenOptions } from '../../lib/binding/sender-constrained-options';
import type { MtlsError } from '../../lib/errors';
import {
  DPOP_ALGS as ALGS,
  PROOF_CHALLENGE,
  senderConstrainedApi,
  type SenderConstrainedApi,
} from '../binding/helpers/dpop-app';
import { KEYS } from '../dpop/helpers/proof';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { pem, X5T_S256 } from '../helpers/fixtures';
import { startDpopClient, type DpopClient, type Exchange } from './dpop-client';
import {
  decodeSegment,
  httpsCall,
  startAuthorizationServer,
  type AuthorizationServer,
} from './helpers';

const AUDIENCE = 'https://rs-es.example.test/';
const OPAQUE_AUDIENCE = 'https://rs-opaque.example.test/';
const INTROSPECTOR = {
  clientId: 'rs-introspector',
  clientSecret: 'rs-introspector-secret-0123456789abcdef',
};
const CLIENT = { clientId: 'dpop-client', clientSecret: 'dpop-client-secret-0123456789abcdef' };
const NONCE_SECRET = 'interop-nonce-secret-of-32-bytes-or-more';

let as: AuthorizationServer;
let client: DpopClient;
let jwksAgent: HttpsAgent;
/** The token oidc-provider bound to KEYS.ec, and the token request oauth4webapi made for it. */
let token: string;
let tokenExchange: Exchange;
/** An opaque token oidc-provider bound to KEYS.ec, for introspection. */
let opaqueToken: string;
let introspectionEndpoint: string;

/** The configuration warnings the resource servers emit, captured (asserted at the end). */
let emitWarning: jest.SpyInstance;

beforeAll(async () => {
  emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  [as, client] = await Promise.all([startAuthorizationServer(), startDpopClient()]);
  jwksAgent = new HttpsAgent({ ca: pem('root-ca'), keepAlive: false });
  introspectionEndpoint = (await client.discover(as.issuer)).introspection_endpoint;
  const opaque = await client.token({
    handle: 'token',
    key: 'ec-p256.key',
    ...CLIENT,
    params: { resource: OPAQUE_AUDIENCE, scope: 'read' },
  });
  if (opaque.tokens === undefined) {
    throw new Error(`token request failed: ${JSON.stringify(opaque)} ${as.stderr()}`);
  }
  opaqueToken = opaque.tokens.access_token;
  const issued = await client.token({
    handle: 'token',
    key: 'ec-p256.key',
    ...CLIENT,
    params: { resource: AUDIENCE, scope: 'read' },
  });
  if (issued.tokens === undefined) {
    throw new Error(`token request failed: ${JSON.stringify(issued)} ${as.stderr()}`);
  }
  token = issued.tokens.access_token;
  tokenExchange = issued.exchanges[0] as Exchange;
});

afterAll(async () => {
  emitWarning.mockRestore();
  jwksAgent.destroy();
  await Promise.all([client.stop(), as.stop()]);
});

describe('oidc-provider issues DPoP-bound tokens to oauth4webapi', () => {
  it('accepts the proof oauth4webapi made for the token request (POST to the token endpoint)', () => {
    expect(tokenExchange).toMatchObject({
      method: 'POST',
      url: `${as.issuer}/token`,
      status: 200,
      authorization: null,
    });
    const proof = tokenExchange.dpop as string;
    expect(decodeSegment(proof, 0)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(decodeSegment(proof, 1)).toMatchObject({ htm: 'POST', htu: `${as.issuer}/token` });
    expect(decodeSegment(proof, 1).ath).toBeUndefined();
  });

  it('answers token_type DPoP with a JWT whose cnf.jkt is the thumbprint of the proof key', () => {
    expect(JSON.parse(tokenExchange.body)).toMatchObject({ token_type: 'DPoP', scope: 'read' });
    expect(decodeSegment(token, 0)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'as-es256' });
    expect(decodeSegment(token, 1)).toMatchObject({
      iss: as.issuer,
      aud: AUDIENCE,
      client_id: 'dpop-client',
      cnf: { jkt: KEYS.ec.jkt },
    });
  });

  it('refuses a token request without a proof for a client registered dpop_bound_access_tokens', async () => {
    const refused = await client.token({ ...CLIENT, params: { resource: AUDIENCE } });
    expect(refused.tokens).toBeUndefined();
    expect(refused.error).toMatchObject({
      name: 'ResponseBodyError',
      status: 400,
      error: 'invalid_grant',
    });
  });
});

describe('a token bound both ways (mTLS certificate and DPoP key)', () => {
  it('cannot be minted: oidc-provider refuses a DPoP proof from a client with certificate-bound tokens', async () => {
    const both = await client.token({
      handle: 'both',
      key: 'ec-p256.key',
      clientId: 'pki-client',
      params: { scope: 'read' },
      certificate: 'client-a',
    });
    expect(both.tokens).toBeUndefined();
    expect(both.error).toMatchObject({
      name: 'ResponseBodyError',
      status: 400,
      error: 'invalid_request',
      error_description: 'multiple proof-of-possession mechanisms are not allowed',
    });
    expect(decodeSegment(both.exchanges[0]?.dpop as string, 1)).toMatchObject({ htm: 'POST' });
  });

  it('while the same request without the proof gets a certificate-bound token (the refusal is the second binding)', async () => {
    const mtls = await client.token({
      clientId: 'pki-client',
      params: { scope: 'read' },
      certificate: 'client-a',
    });
    expect(mtls.exchanges[0]?.dpop).toBeNull();
    expect(decodeSegment(mtls.tokens?.access_token as string, 1).cnf).toEqual({
      'x5t#S256': X5T_S256['client-a'],
    });
  });
});

interface Api extends SenderConstrainedApi {
  readonly url: string;
  close(): Promise<void>;
}

/** The resource server: clientCertificate() then the token middleware, on a loopback port. */
async function listen(makeApp: () => Express, middleware: RequestHandler): Promise<Api> {
  const api = senderConstrainedApi(makeApp, middleware);
  const server: Server = createServer(api.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...api,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** requireSenderConstrainedToken() for the AS's JWT access tokens, keys from its /jwks. */
function jwtResourceServer(dpop: SenderConstrainedTokenOptions['dpop']): RequestHandler {
  return requireSenderConstrainedToken({
    issuer: as.issuer,
    audience: AUDIENCE,
    jwksUri: `${as.issuer}/jwks`,
    jwksOptions: { agent: jwksAgent },
    typ: 'at+jwt',
    dpop,
  });
}

/** The AS's introspection endpoint, as the resource server `rs-introspector`. */
function introspection() {
  return { endpoint: introspectionEndpoint, ...INTROSPECTOR, agent: jwksAgent };
}

function last(errors: MtlsError[]): MtlsError | undefined {
  return errors[errors.length - 1];
}

describe.each(EXPRESS_VERSIONS)(
  'requireSenderConstrainedToken() with oidc-provider tokens and oauth4webapi proofs on %s',
  (name, makeApp) => {
    let api: Api;
    let nonceApi: Api;

    beforeAll(async () => {
      api = await listen(makeApp, jwtResourceServer({}));
      nonceApi = await listen(makeApp, jwtResourceServer({ nonce: { secret: NONCE_SECRET } }));
    });

    afterAll(async () => {
      await Promise.all([api.close(), nonceApi.close()]);
    });

    /** One GET by oauth4webapi with the DPoP key `key` (a handle per version and key). */
    function get(
      path: string,
      options: { key?: string; mutate?: { htu?: string; htm?: string } } = {},
    ) {
      const key = options.key ?? 'ec-p256.key';
      return client.resource({
        handle: `${name}:${key}`,
        key,
        accessToken: token,
        method: 'GET',
        url: `${api.url}${path}`,
        ...(options.mutate === undefined ? {} : { mutate: options.mutate }),
      });
    }

    it('accepts the token with the proof oauth4webapi made (binding dpop, the AS-issued jkt)', async () => {
      const result = await get('/resource');
      expect(result.error).toBeUndefined();
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body as string).auth).toMatchObject({
        binding: 'dpop',
        jkt: KEYS.ec.jkt,
        payload: { client_id: 'dpop-client', aud: AUDIENCE },
      });
      const [exchange] = result.exchanges;
      expect(exchange?.authorization).toBe(`DPoP ${token}`);
      expect(decodeSegment(exchange?.dpop as string, 1)).toMatchObject({
        htm: 'GET',
        htu: `${api.url}/resource`,
      });
      expect(exchange?.wwwAuthenticate).toBeNull();
      expect(api.errors).toEqual([]);
    });

    it('refuses the same proof sent again: 401 invalid_dpop_proof, replayed', async () => {
      const accepted = (await get('/resource')).exchanges[0] as Exchange;
      expect(accepted.status).toBe(200);
      const replay = await fetch(`${api.url}/resource`, {
        headers: {
          authorization: accepted.authorization as string,
          dpop: accepted.dpop as string,
        },
      });
      expect(replay.status).toBe(401);
      expect(await replay.json()).toMatchObject({ error: 'invalid_dpop_proof' });
      expect(replay.headers.get('www-authenticate')).toMatch(PROOF_CHALLENGE);
      expect(last(api.errors)).toMatchObject({
        code: 'ERR_MTLS_INVALID_DPOP_PROOF',
        reason: 'replayed',
      });
    });

    it.each<[string, { key?: string; mutate?: { htu?: string; htm?: string } }, string, string]>([
      ['signed with another key', { key: 'ec-p256-other.key' }, '/resource', 'key_mismatch'],
      ['made for another URL (htu /other)', { mutate: { htu: '/other' } }, '/resource', 'htu'],
      ['made for another method (htm POST)', { mutate: { htm: 'POST' } }, '/resource', 'htm'],
    ])('refuses a proof %s: 401 invalid_dpop_proof', async (_case, options, path, reason) => {
      const mutate =
        options.mutate?.htu === undefined
          ? options.mutate
          : { ...options.mutate, htu: `${api.url}${options.mutate.htu}` };
      const result = await get(path, { ...options, ...(mutate === undefined ? {} : { mutate }) });
      const [exchange] = result.exchanges;
      expect(exchange?.status).toBe(401);
      expect(JSON.parse(exchange?.body as string)).toMatchObject({ error: 'invalid_dpop_proof' });
      expect(exchange?.wwwAuthenticate).toMatch(PROOF_CHALLENGE);
      expect(last(api.errors)).toMatchObject({ code: 'ERR_MTLS_INVALID_DPOP_PROOF', reason });
      expect(result.error).toMatchObject({
        name: 'WWWAuthenticateChallengeError',
        status: 401,
        nonceError: false,
      });
      expect(result.error?.challenges?.map((c) => c.scheme)).toEqual(['bearer', 'dpop']);
      expect(result.error?.challenges?.[1]?.parameters).toMatchObject({
        realm: 'api',
        error: 'invalid_dpop_proof',
        algs: 'ES256 PS256 EdDSA',
      });
    });

    it('refuses the token sent as Bearer (RFC 9449 §7.2): 401 invalid_token, scheme_mismatch', async () => {
      const result = await client.resource({
        accessToken: token,
        method: 'GET',
        url: `${api.url}/resource`,
      });
      const [exchange] = result.exchanges;
      expect(exchange).toMatchObject({ authorization: `Bearer ${token}`, dpop: null, status: 401 });
      expect(JSON.parse(exchange?.body as string)).toMatchObject({ error: 'invalid_token' });
      expect(exchange?.wwwAuthenticate).toMatch(
        new RegExp(
          `^Bearer realm="api", error="invalid_token", error_description="[^"]+", DPoP realm="api", ${ALGS}$`,
        ),
      );
      expect(last(api.errors)).toMatchObject({
        code: 'ERR_MTLS_INVALID_TOKEN',
        reason: 'scheme_mismatch',
      });
      expect(result.error?.challenges?.[0]).toMatchObject({
        scheme: 'bearer',
        parameters: { error: 'invalid_token' },
      });
    });

    describe('with nonces on', () => {
      it('answers use_dpop_nonce to the first proof; oauth4webapi retries with the DPoP-Nonce and is accepted', async () => {
        const result = await client.resource({
          handle: `${name}:nonce`,
          key: 'ec-p256.key',
          accessToken: token,
          method: 'GET',
          url: `${nonceApi.url}/resource`,
          retryOnNonce: true,
        });
        expect(result.error).toBeUndefined();
        expect(result.exchanges).toHaveLength(2);
        const [first, second] = result.exchanges as [Exchange, Exchange];

        expect(decodeSegment(first.dpop as string, 1).nonce).toBeUndefined();
        expect(first.status).toBe(401);
        expect(JSON.parse(first.body)).toMatchObject({ error: 'use_dpop_nonce' });
        expect(first.wwwAuthenticate).toMatch(
          new RegExp(
            `^Bearer realm="api", DPoP realm="api", error="use_dpop_nonce", error_description="[^"]+", ${ALGS}$`,
          ),
        );
        expect(first.dpopNonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(nonceApi.errors).toHaveLength(1);
        expect(nonceApi.errors[0]).toMatchObject({ code: 'ERR_MTLS_USE_DPOP_NONCE', status: 401 });
        expect(nonceApi.errors[0]?.reason).toBeUndefined();

        expect(decodeSegment(second.dpop as string, 1).nonce).toBe(first.dpopNonce);
        expect(second.status).toBe(200);
        expect(JSON.parse(second.body).auth).toMatchObject({ binding: 'dpop', jkt: KEYS.ec.jkt });
        expect(second.dpopNonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(nonceApi.errors).toHaveLength(1);
      });

      it('refuses a proof without the nonce, and oauth4webapi reads it as a nonce error', async () => {
        const before = nonceApi.errors.length;
        const result = await client.resource({
          handle: `${name}:no-nonce`,
          key: 'ec-p256.key',
          accessToken: token,
          method: 'GET',
          url: `${nonceApi.url}/resource`,
        });
        expect(result.exchanges).toHaveLength(1);
        expect(result.exchanges[0]?.status).toBe(401);
        expect(result.exchanges[0]?.wwwAuthenticate).toMatch(
          /DPoP realm="api", error="use_dpop_nonce"/,
        );
        expect(result.error).toMatchObject({ status: 401, nonceError: true });
        expect(nonceApi.errors).toHaveLength(before + 1);
        expect(last(nonceApi.errors)?.code).toBe('ERR_MTLS_USE_DPOP_NONCE');
      });
    });
  },
);

describe.each(EXPRESS_VERSIONS)(
  'an opaque DPoP-bound token through RFC 7662 introspection (RFC 9449 §6.2) on %s',
  (name, makeApp) => {
    let api: Api;
    let mtlsOnly: Api;

    beforeAll(async () => {
      api = await listen(
        makeApp,
        requireSenderConstrainedToken({
          issuer: as.issuer,
          audience: OPAQUE_AUDIENCE,
          introspection: introspection(),
          cacheMaxEntries: 0,
        }),
      );
      mtlsOnly = await listen(
        makeApp,
        requireCertificateBoundToken({
          issuer: as.issuer,
          audience: OPAQUE_AUDIENCE,
          introspection: introspection(),
          cacheMaxEntries: 0,
        }),
      );
    });

    afterAll(async () => {
      await Promise.all([api.close(), mtlsOnly.close()]);
    });

    it('is introspected by oidc-provider as token_type DPoP with cnf.jkt', async () => {
      const basic = Buffer.from(`${INTROSPECTOR.clientId}:${INTROSPECTOR.clientSecret}`);
      const answer = await httpsCall(introspectionEndpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic.toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: opaqueToken }).toString(),
      });
      expect(JSON.parse(answer.body)).toMatchObject({
        active: true,
        token_type: 'DPoP',
        aud: OPAQUE_AUDIENCE,
        cnf: { jkt: KEYS.ec.jkt },
      });
    });

    it('is accepted with the proof oauth4webapi made (binding dpop)', async () => {
      const result = await client.resource({
        handle: `${name}:opaque`,
        key: 'ec-p256.key',
        accessToken: opaqueToken,
        method: 'GET',
        url: `${api.url}/resource`,
      });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body as string).auth).toMatchObject({
        binding: 'dpop',
        jkt: KEYS.ec.jkt,
        payload: { token_type: 'DPoP', client_id: 'dpop-client' },
      });
      expect(api.errors).toEqual([]);
    });

    it('is refused sent as Bearer: 401 invalid_token, scheme_mismatch', async () => {
      const result = await client.resource({
        accessToken: opaqueToken,
        method: 'GET',
        url: `${api.url}/resource`,
      });
      expect(result.exchanges[0]?.status).toBe(401);
      expect(result.exchanges[0]?.wwwAuthenticate).toMatch(
        new RegExp(
          `^Bearer realm="api", error="invalid_token", error_description="[^"]+", DPoP realm="api", ${ALGS}$`,
        ),
      );
      expect(last(api.errors)).toMatchObject({
        code: 'ERR_MTLS_INVALID_TOKEN',
        reason: 'scheme_mismatch',
      });
    });

    it('is refused by the mTLS-only requireCertificateBoundToken(), as before (reason type)', async () => {
      const result = await client.resource({
        accessToken: opaqueToken,
        method: 'GET',
        url: `${mtlsOnly.url}/resource`,
      });
      expect(result.exchanges[0]?.status).toBe(401);
      expect(result.exchanges[0]?.wwwAuthenticate).toMatch(
        /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
      );
      expect(last(mtlsOnly.errors)).toMatchObject({
        code: 'ERR_MTLS_INVALID_TOKEN',
        reason: 'type',
      });
    });
  },
);

describe('configuration warnings of these resource servers', () => {
  it('are the local replay store and the htu read from Host (no dpop.publicUrl), once each', () => {
    const codes = emitWarning.mock.calls.map(
      (call: unknown[]) => (call[1] as { code?: string } | undefined)?.code,
    );
    expect(codes.sort()).toEqual(['MTLS_DPOP_HTU_FROM_HOST', 'MTLS_REPLAY_STORE_LOCAL']);
  });
});
