import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import express from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { ClientCertificate, DIAGNOSTICS_CHANNELS, encodeForwardedCertificate } from '../../../lib';
import {
  createTokenServer,
  type TokenServerClient,
  type TokenServerOptions,
} from '../../../samples/token-server/token-server';
import { privatePem } from '../../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../../helpers/express-versions';
import { der, pem, X5T_S256 } from '../../helpers/fixtures';
import { call, CLIENT_A_WITH_CHAIN, listenHttps, type Listening, type Reply } from '../helpers';

const ISSUER = 'https://as.example.test';
const MTLS = 'https://mtls.as.example.test';
const AUDIENCE = 'https://api.example.test/';
const CLIENT_A_DN = 'CN=client-a,OU=Payments,O=express-mtls tests,C=US';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function selfSignedJwks(): { keys: JsonWebKey[] } {
  const jwk = createPublicKey(pem('self-signed')).export({ format: 'jwk' });
  return { keys: [{ ...jwk, x5c: [der('self-signed').toString('base64')] }] };
}

const CLIENTS: readonly TokenServerClient[] = [
  {
    client_id: 'payments-app',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: CLIENT_A_DN,
    scope: 'payments:read payments:write',
  },
  {
    client_id: 'device-42',
    token_endpoint_auth_method: 'self_signed_tls_client_auth',
    jwks: selfSignedJwks(),
    scope: 'telemetry:write',
  },
  {
    client_id: 'no-scope-app',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_san_dns: 'client-b.example.test',
  },
  {
    client_id: 'code-only-app',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_san_dns: 'client-b.example.test',
    grant_types: ['authorization_code'],
  },
];

function options(overrides: Partial<TokenServerOptions> = {}): TokenServerOptions {
  return {
    issuer: ISSUER,
    mtlsBaseUrl: MTLS,
    audience: AUDIENCE,
    clients: CLIENTS,
    signingKey: privatePem('ec-p256'),
    trustAnchors: [pem('root-ca')],
    intermediates: [pem('intermediate-ca')],
    ...overrides,
  };
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** The last `express-mtls:oauth-client` event, to read the precise reason of a refusal. */
const oauthEvents: Record<string, unknown>[] = [];
const onOauthClient = (message: unknown): void => {
  oauthEvents.push(message as Record<string, unknown>);
};
beforeAll(() => {
  subscribe(DIAGNOSTICS_CHANNELS.oauthClient, onOauthClient);
});
afterAll(() => {
  unsubscribe(DIAGNOSTICS_CHANNELS.oauthClient, onOauthClient);
});

function expectTokenError(reply: Reply, status: number, error: string): void {
  expect(reply.status).toBe(status);
  expect(reply.json).toEqual({ error, error_description: expect.any(String) });
  expect(reply.headers['cache-control']).toBe('no-store');
}

describe('createTokenServer(): options', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown option', { issuerr: ISSUER }, /unknown option "issuerr"/],
    ['a relative issuer', { issuer: '/as' }, /"issuer" must be an absolute URL/],
    ['an http: issuer off loopback', { issuer: 'http://as.example.test' }, /issuer/],
    ['a missing mtlsBaseUrl', { mtlsBaseUrl: undefined }, /"mtlsBaseUrl" must be an absolute URL/],
    ['an empty audience', { audience: '' }, /"audience" must be a string or a non-empty array/],
    ['an empty audience list', { audience: [] }, /"audience"/],
    ['a non-string audience member', { audience: ['a', 1] }, /"audience"/],
    ['a zero lifetime', { accessTokenLifetime: 0 }, /"accessTokenLifetime" must be a positive/],
    ['a fractional lifetime', { accessTokenLifetime: 1.5 }, /"accessTokenLifetime"/],
    ['no clients', { clients: [] }, /"clients" must be a non-empty array/],
    ['clients not an array', { clients: {} }, /"clients"/],
    ['a client without id', { clients: [{ ...CLIENTS[0], client_id: '' }] }, /own non-empty/],
    ['two clients with one id', { clients: [CLIENTS[0], CLIENTS[0]] }, /own non-empty "client_id"/],
    [
      'a client with another method',
      { clients: [{ client_id: 'x', token_endpoint_auth_method: 'client_secret_basic' }] },
      /client "x": token_endpoint_auth_method must be/,
    ],
    [
      'a malformed client scope',
      { clients: [{ ...CLIENTS[0], scope: 'a  b' }] },
      /client "payments-app": "scope" must be space-separated scope tokens/,
    ],
    ['tls_client_auth without trustAnchors', { trustAnchors: undefined }, /"trustAnchors"/],
    ['a public signing key', { signingKey: pem('client-a') }, /signingKey/],
    ['an RSA-1024 signing key', { signingKey: privatePem('rsa-1024') }, /signingKey/],
  ])('refuses %s with a TypeError', (_name, change, message) => {
    const build = (): unknown => createTokenServer({ ...options(), ...change });
    expect(build).toThrow(TypeError);
    expect(build).toThrow(message);
  });

  it('refuses a missing options object', () => {
    expect(() => createTokenServer(undefined as unknown as TokenServerOptions)).toThrow(
      /pass an options object/,
    );
  });

  it('self-signed clients only need no trustAnchors', () => {
    expect(() =>
      createTokenServer(
        options({ clients: [CLIENTS[1] as TokenServerClient], trustAnchors: undefined }),
      ),
    ).not.toThrow();
  });

  it('adds its routes to the app it is given', async () => {
    const app = express();
    app.get('/own', (_req, res) => {
      res.json({ own: true });
    });
    expect(createTokenServer(options(), app)).toBe(app);
    await request(app).get('/own').expect(200, { own: true });
    await request(app).get('/jwks').expect(200);
  });
});

describe.each(EXPRESS_VERSIONS)('token server on %s', (_label, createApp) => {
  let server: Listening;
  let rsaServer: Listening;

  beforeAll(async () => {
    server = await listenHttps(createTokenServer(options(), createApp()));
    rsaServer = await listenHttps(
      createTokenServer(
        options({
          signingKey: privatePem('rsa'),
          accessTokenLifetime: 60,
          audience: [AUDIENCE, 'x'],
        }),
        createApp(),
      ),
    );
  });
  afterAll(async () => {
    await server.close();
    await rsaServer.close();
  });

  function token(
    body: string,
    client?: Parameters<typeof call>[0]['client'],
    port = server.port,
  ): Promise<Reply> {
    return call({
      port,
      method: 'POST',
      path: '/token',
      headers: FORM,
      body,
      ...(client === undefined ? {} : { client }),
    });
  }

  async function verified(accessToken: string, port = server.port): Promise<jwt.JwtPayload> {
    const jwks = (await call({ port, path: '/jwks' })).json as { keys: JsonWebKey[] };
    const decoded = jwt.decode(accessToken, { complete: true });
    const jwk = jwks.keys.find((k) => k.kid === decoded?.header.kid);
    expect(jwk).toBeDefined();
    return jwt.verify(accessToken, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), {
      algorithms: [decoded?.header.alg as jwt.Algorithm],
    }) as jwt.JwtPayload;
  }

  describe('metadata and keys', () => {
    it('serves RFC 8414 metadata with the RFC 8705 §5 aliases', async () => {
      const reply = await call({
        port: server.port,
        path: '/.well-known/oauth-authorization-server',
      });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({
        issuer: ISSUER,
        token_endpoint: 'https://as.example.test/token',
        jwks_uri: 'https://as.example.test/jwks',
        grant_types_supported: ['client_credentials'],
        response_types_supported: [],
        token_endpoint_auth_methods_supported: ['tls_client_auth', 'self_signed_tls_client_auth'],
        scopes_supported: ['payments:read', 'payments:write', 'telemetry:write'],
        tls_client_certificate_bound_access_tokens: true,
        mtls_endpoint_aliases: { token_endpoint: 'https://mtls.as.example.test/token' },
        dpop_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA'],
      });
    });

    it('serves the public signing key, without private members', async () => {
      const reply = await call({ port: server.port, path: '/jwks' });
      expect(reply.json.keys).toHaveLength(1);
      expect(reply.json.keys[0]).toEqual({
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
        kid: expect.any(String),
        alg: 'ES256',
        use: 'sig',
      });
    });

    it('answers unknown paths with 404', async () => {
      const reply = await call({ port: server.port, path: '/authorize' });
      expect(reply.status).toBe(404);
      expect(reply.json).toEqual({ error: 'not_found' });
    });
  });

  describe('POST /token: bound access tokens', () => {
    it('tls_client_auth: an RFC 9068 at+jwt bound to client-a (cnf x5t#S256 from openssl)', async () => {
      const reply = await token(
        'grant_type=client_credentials&client_id=payments-app&scope=payments%3Aread',
        CLIENT_A_WITH_CHAIN,
      );
      expect(reply.status).toBe(200);
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(reply.headers.pragma).toBe('no-cache');
      expect(reply.json).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'payments:read',
      });
      const header = jwt.decode(reply.json.access_token, { complete: true })?.header;
      expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
      const claims = await verified(reply.json.access_token);
      expect(claims).toEqual({
        iss: ISSUER,
        sub: 'payments-app',
        aud: AUDIENCE,
        client_id: 'payments-app',
        scope: 'payments:read',
        jti: expect.stringMatching(UUID),
        iat: expect.any(Number),
        exp: (claims.iat ?? 0) + 300,
        cnf: { 'x5t#S256': X5T_S256['client-a'] },
      });
    });

    it('tls_client_auth: the intermediate may come from the configuration', async () => {
      const reply = await token('grant_type=client_credentials&client_id=payments-app', 'client-a');
      expect(reply.status).toBe(200);
      const claims = await verified(reply.json.access_token);
      expect(claims.scope).toBe('payments:read payments:write');
    });

    it('self_signed_tls_client_auth: bound to the self-signed certificate', async () => {
      const reply = await token('grant_type=client_credentials&client_id=device-42', 'self-signed');
      expect(reply.status).toBe(200);
      const claims = await verified(reply.json.access_token);
      expect(claims.cnf).toEqual({ 'x5t#S256': X5T_S256['self-signed'] });
      expect(claims.scope).toBe('telemetry:write');
    });

    it('RS256 with an RSA key; audience list and lifetime as configured', async () => {
      const reply = await token(
        'grant_type=client_credentials&client_id=payments-app',
        CLIENT_A_WITH_CHAIN,
        rsaServer.port,
      );
      expect(reply.json.expires_in).toBe(60);
      const header = jwt.decode(reply.json.access_token, { complete: true })?.header;
      expect(header?.alg).toBe('RS256');
      const claims = await verified(reply.json.access_token, rsaServer.port);
      expect(claims.aud).toEqual([AUDIENCE, 'x']);
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
    });

    it('grants requested scopes once each; a client without scopes gets a token without scope', async () => {
      const twice = await token(
        'grant_type=client_credentials&client_id=payments-app&scope=payments%3Aread+payments%3Aread',
        CLIENT_A_WITH_CHAIN,
      );
      expect(twice.json.scope).toBe('payments:read');
      const none = await token(
        'grant_type=client_credentials&client_id=no-scope-app&scope=',
        'client-b',
      );
      expect(none.status).toBe(200);
      expect(none.json.scope).toBeUndefined();
      expect((await verified(none.json.access_token)).scope).toBeUndefined();
    });
  });

  describe('POST /token: RFC 6749 §5.2 errors', () => {
    it.each<[string, string, Parameters<typeof call>[0]['client'] | undefined, string]>([
      ['no certificate', 'payments-app', undefined, 'certificate_missing'],
      ["another client's certificate", 'payments-app', 'client-b', 'subject_mismatch'],
      [
        'a self-signed certificate for a PKI client',
        'payments-app',
        'self-signed',
        'chain:self_signed_not_allowed',
      ],
      [
        'an unregistered self-signed certificate',
        'device-42',
        'client-a',
        'unregistered_certificate',
      ],
      ['an unknown client', 'nobody', CLIENT_A_WITH_CHAIN, 'unknown_client'],
    ])('401 invalid_client: %s', async (_name, clientId, client, reason) => {
      oauthEvents.length = 0;
      const reply = await token(`grant_type=client_credentials&client_id=${clientId}`, client);
      expectTokenError(reply, 401, 'invalid_client');
      expect(oauthEvents.at(-1)).toMatchObject({ outcome: 'rejected', reason });
    });

    it('401 invalid_client: no client_id', async () => {
      oauthEvents.length = 0;
      const reply = await token('grant_type=client_credentials', CLIENT_A_WITH_CHAIN);
      expectTokenError(reply, 401, 'invalid_client');
      expect(oauthEvents.at(-1)).toMatchObject({ reason: 'client_id_missing' });
    });

    it.each<[string, Record<string, string>, string]>([
      [
        'a JSON body',
        { 'content-type': 'application/json' },
        '{"grant_type":"client_credentials"}',
      ],
      ['no content type', {}, 'grant_type=client_credentials&client_id=payments-app'],
    ])('400 invalid_request: %s', async (_name, headers, body) => {
      const reply = await call({
        port: server.port,
        method: 'POST',
        path: '/token',
        headers,
        body,
        client: CLIENT_A_WITH_CHAIN,
      });
      expectTokenError(reply, 400, 'invalid_request');
      expect(reply.json.error_description).toBe(
        'the token request must be application/x-www-form-urlencoded',
      );
    });

    it.each<[string, string, string, string]>([
      [
        'a missing grant_type',
        'client_id=payments-app',
        'invalid_request',
        'grant_type is required',
      ],
      [
        'an empty grant_type',
        'grant_type=&client_id=payments-app',
        'invalid_request',
        'grant_type is required',
      ],
      [
        'a repeated parameter',
        'grant_type=client_credentials&client_id=payments-app&scope=a&scope=b',
        'invalid_request',
        'parameter "scope" is repeated',
      ],
      [
        'a repeated client_id',
        'grant_type=client_credentials&client_id=payments-app&client_id=payments-app',
        'invalid_request',
        'parameter "client_id" is repeated',
      ],
      [
        'another grant',
        'grant_type=password&client_id=payments-app',
        'unsupported_grant_type',
        'only client_credentials is supported',
      ],
      [
        'a scope not registered',
        'grant_type=client_credentials&client_id=payments-app&scope=admin',
        'invalid_scope',
        'the requested scope is not allowed for this client',
      ],
      [
        'a malformed scope',
        'grant_type=client_credentials&client_id=payments-app&scope=payments%3Aread%5C',
        'invalid_scope',
        'the requested scope is not allowed for this client',
      ],
    ])('400: %s', async (_name, body, error, description) => {
      const reply = await token(body, CLIENT_A_WITH_CHAIN);
      expectTokenError(reply, 400, error);
      expect(reply.json.error_description).toBe(description);
    });

    it('400 unauthorized_client: a client not registered for client_credentials', async () => {
      const reply = await token(
        'grant_type=client_credentials&client_id=code-only-app',
        'client-b',
      );
      expectTokenError(reply, 400, 'unauthorized_client');
    });

    it('400 invalid_request: a body over 8 KiB', async () => {
      const reply = await token(
        `grant_type=client_credentials&client_id=payments-app&pad=${'a'.repeat(9000)}`,
        CLIENT_A_WITH_CHAIN,
      );
      expectTokenError(reply, 400, 'invalid_request');
      expect(reply.json.error_description).toBe('the request body cannot be read');
    });

    it('405 with Allow: POST for other methods', async () => {
      const reply = await call({ port: server.port, path: '/token' });
      expectTokenError(reply, 405, 'invalid_request');
      expect(reply.headers.allow).toBe('POST');
    });
  });

  it('reads the certificate from a trusted proxy header when configured (certificate option)', async () => {
    const app = createTokenServer(
      options({ certificate: { format: 'rfc9440', trustProxy: 'loopback' } }),
      createApp(),
    );
    const forwarded = encodeForwardedCertificate(
      ClientCertificate.from(pem('client-a-fullchain')),
      'rfc9440',
    );
    const reply = await request(app)
      .post('/token')
      .set(forwarded)
      .type('form')
      .send('grant_type=client_credentials&client_id=payments-app');
    expect(reply.status).toBe(200);
    const claims = jwt.decode(reply.body.access_token as string) as jwt.JwtPayload;
    expect(claims.cnf).toEqual({ 'x5t#S256': X5T_S256['client-a'] });
  });
});
