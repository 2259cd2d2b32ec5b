import type { Express } from 'express';
import request from 'supertest';
import {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  type ProtectedResourceMetadataOptions,
} from '../../lib';
import { compileProtectedResourceMetadata } from '../../lib/binding/protected-resource-metadata';
import { requireSenderConstrainedToken } from '../../lib/binding/require-sender-constrained-token';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { publicPem } from './helpers/keys';

const BASE: ProtectedResourceMetadataOptions = {
  resource: 'https://api.example.com',
  authorizationServers: ['https://as.example.com'],
};

function appWith(make: () => Express, options: ProtectedResourceMetadataOptions): Express {
  const app = make();
  app.use(protectedResourceMetadata(options));
  app.use((req, res) => {
    res.status(404).json({ fallthrough: req.method + ' ' + req.path });
  });
  return app;
}

describe.each(EXPRESS_VERSIONS)('protectedResourceMetadata() on %s', (_name, make) => {
  it('serves the RFC 9728 document at /.well-known/oauth-protected-resource, defaults filled', async () => {
    const response = await request(appWith(make, BASE)).get(
      '/.well-known/oauth-protected-resource',
    );
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=3600');
    expect(response.text).toBe(
      '{"resource":"https://api.example.com","authorization_servers":["https://as.example.com"],' +
        '"bearer_methods_supported":["header"],"tls_client_certificate_bound_access_tokens":true,' +
        '"dpop_signing_alg_values_supported":["ES256","PS256","EdDSA"],' +
        '"dpop_bound_access_tokens_required":false}',
    );
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await request(appWith(make, BASE)).head(
      '/.well-known/oauth-protected-resource',
    );
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=3600');
    expect(response.text).toBeUndefined();
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('passes %s on the path to next()', async (m) => {
    const response = await request(appWith(make, BASE))[
      m.toLowerCase() as 'post' | 'put' | 'delete' | 'options'
    ]('/.well-known/oauth-protected-resource');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ fallthrough: `${m} /.well-known/oauth-protected-resource` });
  });

  it.each([
    '/',
    '/.well-known/oauth-protected-resource/',
    '/.well-known/oauth-protected-resource/api',
    '/.well-known/oauth-protected-resourc',
    '/.WELL-KNOWN/OAUTH-PROTECTED-RESOURCE',
    '/.well-known/oauth-authorization-server',
    '/%2Ewell-known/oauth-protected-resource',
  ])('passes any other path (%s) to next()', async (path) => {
    const response = await request(appWith(make, BASE)).get(path);
    expect(response.status).toBe(404);
    expect(response.body).toHaveProperty('fallthrough');
  });

  it('answers a query on the well-known path (the path decides)', async () => {
    const response = await request(appWith(make, BASE)).get(
      '/.well-known/oauth-protected-resource?x=1',
    );
    expect(response.status).toBe(200);
  });

  it('answers a conditional GET with 304 (ETag)', async () => {
    const app = appWith(make, BASE);
    const first = await request(app).get('/.well-known/oauth-protected-resource');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^W\/"/);
    const second = await request(app)
      .get('/.well-known/oauth-protected-resource')
      .set('If-None-Match', etag);
    expect(second.status).toBe(304);
  });

  it('inserts the well-known suffix before the resource path (RFC 9728 §3)', async () => {
    const app = appWith(make, { ...BASE, resource: 'https://example.com/api/v1' });
    const response = await request(app).get('/.well-known/oauth-protected-resource/api/v1');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ resource: 'https://example.com/api/v1' });
    expect((await request(app).get('/.well-known/oauth-protected-resource')).status).toBe(404);
    expect((await request(app).get('/api/v1/.well-known/oauth-protected-resource')).status).toBe(
      404,
    );
  });

  it('serves at `path` when given, and nowhere else', async () => {
    const app = appWith(make, { ...BASE, path: '/meta/prm' });
    expect((await request(app).get('/meta/prm')).status).toBe(200);
    expect((await request(app).get('/.well-known/oauth-protected-resource')).status).toBe(404);
  });

  it('fills every field from the options', async () => {
    const app = appWith(make, {
      resource: 'https://api.example.com/',
      authorizationServers: ['https://as.example.com', 'https://as2.example.com/tenant'],
      scopesSupported: ['accounts:read', 'payments'],
      methods: ['dpop'],
      dpopAlgorithms: ['ES256', 'Ed25519'],
      jwksUri: 'https://api.example.com/jwks.json',
      maxAge: 60,
    });
    const response = await request(app).get('/.well-known/oauth-protected-resource');
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    expect(response.body).toEqual({
      resource: 'https://api.example.com/',
      authorization_servers: ['https://as.example.com', 'https://as2.example.com/tenant'],
      jwks_uri: 'https://api.example.com/jwks.json',
      scopes_supported: ['accounts:read', 'payments'],
      bearer_methods_supported: ['header'],
      tls_client_certificate_bound_access_tokens: false,
      dpop_signing_alg_values_supported: ['ES256', 'Ed25519'],
      dpop_bound_access_tokens_required: true,
    });
  });

  it('mTLS only: no DPoP algorithms, DPoP not required', async () => {
    const app = appWith(make, { ...BASE, methods: ['mtls'] });
    const response = await request(app).get('/.well-known/oauth-protected-resource');
    expect(response.body).toEqual({
      resource: 'https://api.example.com',
      authorization_servers: ['https://as.example.com'],
      bearer_methods_supported: ['header'],
      tls_client_certificate_bound_access_tokens: true,
      dpop_bound_access_tokens_required: false,
    });
  });

  it('allows http: on a loopback resource (development)', async () => {
    const app = appWith(make, {
      resource: 'http://127.0.0.1:3000/api',
      authorizationServers: ['http://localhost:4000'],
    });
    const response = await request(app).get('/.well-known/oauth-protected-resource/api');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ resource: 'http://127.0.0.1:3000/api' });
  });
});

describe('protectedResourceMetadata(): options, checked at creation', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['no resource', { resource: undefined }, /"resource" must be an absolute URL/],
    ['a relative resource', { resource: '/api' }, /"resource" must be an absolute URL/],
    ['an http resource', { resource: 'http://api.example.com' }, /must use https:/],
    ['an http resource on 10/8', { resource: 'http://10.0.0.1' }, /must use https:/],
    ['a resource with a fragment', { resource: 'https://a.example/#x' }, /fragment/],
    ['a resource with credentials', { resource: 'https://u:p@a.example/' }, /credentials/],
    ['a resource with a query', { resource: 'https://a.example/?v=1' }, /must not contain a query/],
    ['no authorization server', { authorizationServers: [] }, /at least 1/],
    ['a string as servers', { authorizationServers: 'https://as.example' }, /must be an array/],
    ['an http server', { authorizationServers: ['http://as.example.com'] }, /must use https:/],
    ['a server with a query', { authorizationServers: ['https://as.example/?a'] }, /query/],
    ['a non-string server', { authorizationServers: [42] }, /must be an absolute URL/],
    ['an empty scope list', { scopesSupported: [] }, /"scopesSupported" must be a non-empty/],
    ['a scope with a space', { scopesSupported: ['a b'] }, /invalid entry; each a scope token/],
    ['a scope with a quote', { scopesSupported: ['a"b'] }, /invalid entry/],
    ['a scope with a backslash', { scopesSupported: ['a\\b'] }, /invalid entry/],
    ['a non-ASCII scope', { scopesSupported: ['é'] }, /invalid entry/],
    ['an empty scope', { scopesSupported: [''] }, /invalid entry/],
    ['a repeated scope', { scopesSupported: ['a', 'a'] }, /lists an entry twice/],
    ['an unknown method', { methods: ['bearer'] }, /each "mtls" or "dpop"/],
    ['no method', { methods: [] }, /"methods" must be a non-empty array/],
    ['a repeated method', { methods: ['dpop', 'dpop'] }, /lists an entry twice/],
    ['a symmetric algorithm', { dpopAlgorithms: ['HS256'] }, /asymmetric only/],
    ['none', { dpopAlgorithms: ['none'] }, /asymmetric only/],
    [
      'algorithms without dpop',
      { methods: ['mtls'], dpopAlgorithms: ['ES256'] },
      /"dpopAlgorithms" needs "dpop" in "methods"/,
    ],
    ['an http jwksUri', { jwksUri: 'http://api.example.com/jwks' }, /"jwksUri" must use https:/],
    ['a relative path', { path: 'meta' }, /"path" must be a path starting with "\/"/],
    ['a protocol-relative path', { path: '//evil.example/x' }, /"path" must be a path/],
    ['a path with a query', { path: '/meta?x' }, /"path" must be a path/],
    ['a path with a space', { path: '/me ta' }, /"path" must be a path/],
    ['a negative maxAge', { maxAge: -1 }, /"maxAge" must be an integer ≥ 0/],
    ['a misspelled option', { scopes_supported: ['a'] }, /unknown option "scopes_supported"/],
  ];

  it.each(bad)('refuses %s with a TypeError', (_name, change, message) => {
    const options = { ...BASE, ...change };
    expect(() => protectedResourceMetadata(options)).toThrow(TypeError);
    expect(() => protectedResourceMetadata(options)).toThrow(message);
  });

  it('refuses options that are not an object', () => {
    expect(() => protectedResourceMetadata('https://api.example.com' as never)).toThrow(
      'protectedResourceMetadata(): options must be an object.',
    );
  });

  it('treats { x: undefined } as not passed', async () => {
    const app = appWith(EXPRESS_VERSIONS[0]![1], {
      ...BASE,
      scopesSupported: undefined,
      methods: undefined,
      dpopAlgorithms: undefined,
      jwksUri: undefined,
      path: undefined,
      maxAge: undefined,
    });
    const plain = appWith(EXPRESS_VERSIONS[0]![1], BASE);
    const url = '/.well-known/oauth-protected-resource';
    expect((await request(app).get(url)).text).toBe((await request(plain).get(url)).text);
  });
});

describe('protectedResourceMetadataUrl() (RFC 9728 §3)', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/', 'https://api.example.com/.well-known/oauth-protected-resource'],
    [
      'https://example.com/resource1',
      'https://example.com/.well-known/oauth-protected-resource/resource1',
    ],
    [
      'https://example.com:8443/api/',
      'https://example.com:8443/.well-known/oauth-protected-resource/api/',
    ],
    ['http://localhost:3000', 'http://localhost:3000/.well-known/oauth-protected-resource'],
  ])('%s → %s', (resource, url) => {
    expect(protectedResourceMetadataUrl(resource)).toBe(url);
  });

  it('refuses what the middleware refuses', () => {
    expect(() => protectedResourceMetadataUrl('http://api.example.com')).toThrow(
      'protectedResourceMetadataUrl(): "resource" must use https:',
    );
    expect(() => protectedResourceMetadataUrl('https://api.example.com/?q')).toThrow(
      /must not contain a query/,
    );
  });
});

describe('protectedResourceMetadata({ middleware }): the fields from the middleware itself', () => {
  const TOKEN_OPTIONS = {
    issuer: 'https://as.example.com',
    audience: 'https://api.example.com',
    publicKey: publicPem('rsa'),
  };

  it('publishes what a DPoP-only middleware accepts', () => {
    const api = requireSenderConstrainedToken({
      ...TOKEN_OPTIONS,
      methods: ['dpop'],
      dpop: { algorithms: ['ES256', 'Ed25519'] },
    });
    const { document } = compileProtectedResourceMetadata({ ...BASE, middleware: api });
    expect(document).toMatchObject({
      tls_client_certificate_bound_access_tokens: false,
      dpop_bound_access_tokens_required: true,
      dpop_signing_alg_values_supported: ['ES256', 'Ed25519'],
    });
  });

  it('does not claim DPoP-bound tokens are required when unbound tokens pass', () => {
    const api = requireSenderConstrainedToken({
      ...TOKEN_OPTIONS,
      methods: ['dpop'],
      allowUnboundTokens: true,
    });
    const { document } = compileProtectedResourceMetadata({ ...BASE, middleware: api });
    expect(document.dpop_bound_access_tokens_required).toBe(false);
    expect(document.tls_client_certificate_bound_access_tokens).toBe(false);
  });

  it('publishes what an mTLS-only middleware accepts, without DPoP fields', () => {
    const api = requireSenderConstrainedToken({ ...TOKEN_OPTIONS, methods: ['mtls'] });
    const { document } = compileProtectedResourceMetadata({ ...BASE, middleware: api });
    expect(document.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(document.dpop_bound_access_tokens_required).toBe(false);
    expect(document).not.toHaveProperty('dpop_signing_alg_values_supported');
  });

  it('refuses another function, and methods or algorithms given twice', () => {
    const api = requireSenderConstrainedToken(TOKEN_OPTIONS);
    expect(() =>
      compileProtectedResourceMetadata({
        ...BASE,
        middleware: (_req, _res, next) => {
          next();
        },
      }),
    ).toThrow(/made by requireSenderConstrainedToken/);
    expect(() =>
      compileProtectedResourceMetadata({ ...BASE, middleware: api, methods: ['mtls'] }),
    ).toThrow(/remove "methods"/);
    expect(() =>
      compileProtectedResourceMetadata({ ...BASE, middleware: api, dpopAlgorithms: ['ES256'] }),
    ).toThrow(TypeError);
  });
});
