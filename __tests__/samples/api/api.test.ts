import { generateKeyPairSync } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent } from 'node:https';
import express from 'express';
import jwt from 'jsonwebtoken';
import { ClientCertificate, DIAGNOSTICS_CHANNELS, encodeForwardedCertificate } from '../../../lib';
import { createApi, type ApiOptions } from '../../../samples/api/api';
import { createTokenServer } from '../../../samples/token-server/token-server';
import { privatePem } from '../../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../../helpers/express-versions';
import { pem, X5T_S256 } from '../../helpers/fixtures';
import {
  call,
  CLIENT_A_WITH_CHAIN,
  listenHttp,
  listenHttps,
  type Call,
  type Listening,
  type Reply,
} from '../helpers';
import { forgetWarnings } from '../../../lib/warnings';

const ISSUER = 'https://as.example.test';
const AUDIENCE = 'https://api.example.test/';

/** The sample token server, over TLS, minting the tokens the API is tested with. */
let authorizationServer: Listening;
const jwksAgent = new Agent({ ca: pem('root-ca') });
const tokenEvents: Record<string, unknown>[] = [];
const onToken = (message: unknown): void => {
  tokenEvents.push(message as Record<string, unknown>);
};

async function mint(client: Call['client'], clientId: string, scope?: string): Promise<string> {
  const reply = await call({
    port: authorizationServer.port,
    method: 'POST',
    path: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${clientId}${scope === undefined ? '' : `&scope=${encodeURIComponent(scope)}`}`,
    ...(client === undefined ? {} : { client }),
  });
  expect(reply.status).toBe(200);
  return reply.json.access_token as string;
}

function apiOptions(overrides: Partial<ApiOptions> = {}): ApiOptions {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: `https://127.0.0.1:${authorizationServer.port}/jwks`,
    jwksOptions: { agent: jwksAgent },
    ...overrides,
  };
}

function expectInvalidToken(reply: Reply, reason: string): void {
  expect(reply.status).toBe(401);
  expect(reply.json.error).toBe('invalid_token');
  expect(reply.headers['www-authenticate']).toMatch(
    /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
  );
  expect(tokenEvents.at(-1)).toMatchObject({ outcome: 'rejected', reason });
}

let tokenA: string;
let tokenAReadOnly: string;
let tokenB: string;

beforeAll(async () => {
  subscribe(DIAGNOSTICS_CHANNELS.token, onToken);
  authorizationServer = await listenHttps(
    createTokenServer({
      issuer: ISSUER,
      mtlsBaseUrl: 'https://mtls.as.example.test',
      audience: AUDIENCE,
      signingKey: privatePem('ec-p256'),
      trustAnchors: [pem('root-ca')],
      intermediates: [pem('intermediate-ca')],
      clients: [
        {
          client_id: 'payments-app',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
          scope: 'payments:read payments:write',
        },
        {
          client_id: 'reporting-app',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_san_dns: 'client-b.example.test',
          scope: 'payments:read payments:write',
        },
      ],
    }),
  );
  tokenA = await mint(CLIENT_A_WITH_CHAIN, 'payments-app');
  tokenAReadOnly = await mint(CLIENT_A_WITH_CHAIN, 'payments-app', 'payments:read');
  tokenB = await mint('client-b', 'reporting-app');
});

afterAll(async () => {
  unsubscribe(DIAGNOSTICS_CHANNELS.token, onToken);
  await authorizationServer.close();
  jwksAgent.destroy();
});

describe('createApi(): options', () => {
  it('refuses a missing options object', () => {
    expect(() => createApi(null as unknown as ApiOptions)).toThrow(/pass an options object/);
  });

  it.each<[string, Partial<ApiOptions>, RegExp]>([
    ['an http: JWKS off loopback', { jwksUri: 'http://as.example.test/jwks' }, /jwksUri/],
    ['no audience', { audience: undefined as unknown as string }, /audience/],
    ['a bad certificate format', { certificate: { format: 'haproxy' as 'pem' } }, /format/],
  ])('lets the library refuse %s with a TypeError', (_name, change, message) => {
    expect(() => createApi(apiOptions(change))).toThrow(TypeError);
    expect(() => createApi(apiOptions(change))).toThrow(message);
  });

  it('adds its routes to the app it is given', () => {
    const app = express();
    expect(createApi(apiOptions(), app)).toBe(app);
  });
});

describe.each(EXPRESS_VERSIONS)('API on %s (Node terminates TLS)', (_label, createApp) => {
  let api: Listening;
  beforeAll(async () => {
    api = await listenHttps(createApi(apiOptions(), createApp()));
  });
  afterAll(async () => {
    await api.close();
  });

  function payments(
    client: Call['client'],
    token: string | undefined,
    more: Partial<Call> = {},
  ): Promise<Reply> {
    return call({
      port: api.port,
      path: '/payments',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      ...(client === undefined ? {} : { client }),
      ...more,
    });
  }

  it('GET /health needs nothing', async () => {
    const reply = await call({ port: api.port, path: '/health' });
    expect(reply.json).toEqual({ status: 'ok' });
  });

  it('GET /payments: 200 with the token and the certificate it is bound to', async () => {
    const reply = await payments(CLIENT_A_WITH_CHAIN, tokenA);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      client_id: 'payments-app',
      binding: 'mtls',
      bound_to: X5T_S256['client-a'],
      payments: [],
    });
  });

  it("401 invalid_token (binding_mismatch): the token with another client's certificate", async () => {
    expectInvalidToken(await payments('client-b', tokenA), 'binding_mismatch');
  });

  it('401 invalid_token (certificate_missing): the token without a certificate', async () => {
    expectInvalidToken(await payments(undefined, tokenA), 'certificate_missing');
  });

  it('401 invalid_token (signature): a token signed by another key under the same kid', async () => {
    const kid = jwt.decode(tokenA, { complete: true })?.header.kid;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = jwt.sign(jwt.decode(tokenA) as object, privateKey, {
      algorithm: 'ES256',
      header: { alg: 'ES256', typ: 'at+jwt', ...(kid === undefined ? {} : { kid }) },
    });
    expectInvalidToken(await payments(CLIENT_A_WITH_CHAIN, forged), 'signature');
  });

  it('401 without a token: a bare Bearer challenge', async () => {
    const reply = await payments(CLIENT_A_WITH_CHAIN, undefined);
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('403 insufficient_scope: POST with a read-only token', async () => {
    const reply = await payments(CLIENT_A_WITH_CHAIN, tokenAReadOnly, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenAReadOnly}`, 'content-type': 'application/json' },
      body: '{"amount":1,"currency":"EUR"}',
    });
    expect(reply.status).toBe(403);
    expect(reply.headers['www-authenticate']).toMatch(
      /^Bearer realm="api", scope="payments:write", error="insufficient_scope"/,
    );
  });

  it("POST records a payment that only its client's GET lists", async () => {
    const created = await payments(CLIENT_A_WITH_CHAIN, tokenA, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
      body: '{"amount":12.5,"currency":"EUR"}',
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.any(String),
      amount: 12.5,
      currency: 'EUR',
      client_id: 'payments-app',
    });
    const mine = await payments(CLIENT_A_WITH_CHAIN, tokenA);
    expect(mine.json.payments).toEqual([created.json]);
    const theirs = await payments('client-b', tokenB);
    expect(theirs.status).toBe(200);
    expect(theirs.json).toEqual({
      client_id: 'reporting-app',
      binding: 'mtls',
      bound_to: X5T_S256['client-b'],
      payments: [],
    });
  });

  it.each<[string, string]>([
    ['a negative amount', '{"amount":-1,"currency":"EUR"}'],
    ['a string amount', '{"amount":"1","currency":"EUR"}'],
    ['an infinite amount', '{"amount":1e999,"currency":"EUR"}'],
    ['a bad currency', '{"amount":1,"currency":"euro"}'],
    ['a missing currency', '{"amount":1}'],
    ['malformed JSON', '{"amount":'],
    ['no body', ''],
  ])('POST 400 invalid_request: %s', async (_name, body) => {
    const reply = await payments(CLIENT_A_WITH_CHAIN, tokenA, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
      body,
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe('invalid_request');
  });

  it('answers unknown paths with 404', async () => {
    const reply = await call({ port: api.port, path: '/admin' });
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({ error: 'not_found' });
  });
});

describe.each(EXPRESS_VERSIONS)(
  'API on %s behind a proxy (certificate header)',
  (_label, createApp) => {
    let api: Listening;
    const forwarded = encodeForwardedCertificate(
      ClientCertificate.from(pem('client-a-fullchain')),
      'nginx',
    );
    beforeAll(async () => {
      api = await listenHttp(
        createApi(
          apiOptions({ certificate: { format: 'nginx', trustProxy: '127.0.0.1' } }),
          createApp(),
        ),
      );
    });
    afterAll(async () => {
      await api.close();
    });

    it('believes the header from the trusted proxy address', async () => {
      const reply = await call({
        port: api.port,
        tls: false,
        path: '/payments',
        headers: { authorization: `Bearer ${tokenA}`, ...forwarded },
      });
      expect(reply.status).toBe(200);
      expect(reply.json.bound_to).toBe(X5T_S256['client-a']);
    });

    it('ignores the same header from 127.0.0.2: 401 invalid_token (certificate_missing), and warns', async () => {
      forgetWarnings();
      const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      try {
        const reply = await call({
          port: api.port,
          tls: false,
          localAddress: '127.0.0.2',
          path: '/payments',
          headers: { authorization: `Bearer ${tokenA}`, ...forwarded },
        });
        expectInvalidToken(reply, 'certificate_missing');
        expect(emitWarning).toHaveBeenCalledWith(expect.stringContaining('127.0.0.2'), {
          type: 'ExpressMtlsWarning',
          code: 'MTLS_UNTRUSTED_PEER',
        });
      } finally {
        emitWarning.mockRestore();
      }
    });
  },
);
