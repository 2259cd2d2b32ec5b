/**
 * Issue #17, identity-only XFCC (Istio ambient waypoints, Envoy without `Cert`):
 * `proxyAssertedIdentity()` reads `req.proxyAssertedIdentity` from trusted proxies only, refuses
 * any header whose element boundaries a client's SAN could have forged, and never stands in for a
 * certificate (DESIGN.md §6).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import request from 'supertest';
import {
  clientCertificate,
  mtlsErrorHandler,
  proxyAssertedIdentity,
  requireCertificateBoundToken,
  requireClientCertificate,
  requireProxyAssertedIdentity,
  type MtlsError,
  type ProxyAssertedIdentityOptions,
  type RequireProxyAssertedIdentityOptions,
} from '../../lib';
import { forgetWarnings } from '../../lib/warnings';
import { AUDIENCE, claims, ISSUER, privateKey, publicPem, signJwt } from '../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { X5T_S256 } from '../helpers/fixtures';
import { sanCertificate } from '../helpers/san-certificate';
import { appendForward, sanitizeSet, type EnvoyDetails } from './support/envoy-xfcc';
import { get, listen } from './support/http';

const SVID = new X509Certificate(
  readFileSync(join(__dirname, '..', 'fixtures', 'spiffe', 'svid-api.pem')),
).raw;
/** Pinned: `openssl x509 -in __tests__/fixtures/spiffe/svid-api.pem -outform der | sha256sum`. */
const SVID_HASH = '267ac51318a63f8ab9bae717047289dd0e5c23ac94598274c3c01a86ab5121dc';
const CLIENT_ID = 'spiffe://example.org/ns/prod/sa/api';
const WAYPOINT = 'spiffe://example.org/ns/prod/sa/waypoint';
const IDENTITY_ONLY: EnvoyDetails = { uri: true };
/** What an Istio ambient waypoint writes (SANITIZE_SET, no Cert). */
const ISTIO = sanitizeSet({ by: [WAYPOINT], peer: SVID, details: IDENTITY_ONLY });
const HEX = 'ab'.repeat(32);

describe.each(EXPRESS_VERSIONS)('proxyAssertedIdentity() on %s', (_name, makeApp) => {
  const errors: MtlsError[] = [];
  let emitWarning: jest.SpyInstance;

  beforeEach(() => {
    errors.length = 0;
    forgetWarnings();
    emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });

  afterEach(() => {
    emitWarning.mockRestore();
  });

  function warnings(): unknown[] {
    return emitWarning.mock.calls.map((call: unknown[]) => (call[1] as { code?: string }).code);
  }

  function appWith(
    options: ProxyAssertedIdentityOptions | undefined,
    extra: readonly RequestHandler[] = [],
    configure?: (app: Express) => void,
  ): Express {
    const app = makeApp();
    configure?.(app);
    app.get('/', proxyAssertedIdentity(options), ...extra, (req, res) => {
      res.json({
        identity: req.proxyAssertedIdentity ?? null,
        clientCert: req.clientCert?.thumbprint ?? null,
      });
    });
    const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
      errors.push(err);
      next(err);
    };
    app.use(record, mtlsErrorHandler());
    return app;
  }

  const LOOPBACK = { trustProxy: 'loopback' } as const;

  async function expectError(
    app: Express,
    xfcc: string | undefined,
    status: number,
    code: string,
    reason: string | undefined,
    token?: string,
  ) {
    let call = request(app).get('/');
    if (xfcc !== undefined) call = call.set('x-forwarded-client-cert', xfcc);
    if (token !== undefined) call = call.set('authorization', `Bearer ${token}`);
    const res = await call;
    expect(res.status).toBe(status);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code, reason });
    return res;
  }

  describe('reading', () => {
    it('reads what an Istio ambient waypoint writes (SANITIZE_SET, no Cert)', async () => {
      expect(ISTIO).toBe(`By=${WAYPOINT};Hash=${SVID_HASH};URI=${CLIENT_ID}`);
      const res = await request(appWith(LOOPBACK)).get('/').set('x-forwarded-client-cert', ISTIO);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        identity: {
          source: 'xfcc',
          uri: [CLIENT_ID],
          dns: [],
          spiffeId: CLIENT_ID,
          by: [WAYPOINT],
          proxyHash: SVID_HASH,
        },
        clientCert: null,
      });
      expect(warnings()).toEqual([]);
    });

    it('reads DNS names, an empty URI and an empty Subject; several URIs have no spiffeId', async () => {
      const app = appWith(LOOPBACK);
      const dnsOnly = `Hash=${HEX.toUpperCase()};Subject="";URI=;DNS=a.example;DNS=b.example`;
      const res = await request(app).get('/').set('x-forwarded-client-cert', dnsOnly);
      expect(res.body.identity).toEqual({
        source: 'xfcc',
        uri: [],
        dns: ['a.example', 'b.example'],
        by: [],
        proxyHash: HEX,
      });
      const two = `Hash=${HEX};URI=${CLIENT_ID};URI=spiffe://example.org/other`;
      const res2 = await request(app).get('/').set('x-forwarded-client-cert', two);
      expect(res2.body.identity).toMatchObject({ uri: [CLIENT_ID, 'spiffe://example.org/other'] });
      expect(res2.body.identity).not.toHaveProperty('spiffeId');
      const notSpiffe = `Hash=${HEX};URI=https://example.org/x`;
      const res3 = await request(app).get('/').set('x-forwarded-client-cert', notSpiffe);
      expect(res3.body.identity).toMatchObject({ uri: ['https://example.org/x'] });
      expect(res3.body.identity).not.toHaveProperty('spiffeId');
    });

    it('no header, or an empty one, is no identity', async () => {
      const app = appWith(LOOPBACK);
      expect((await request(app).get('/')).body).toEqual({ identity: null, clientCert: null });
      const res = await request(app).get('/').set('x-forwarded-client-cert', '');
      expect(res.body).toEqual({ identity: null, clientCert: null });
    });

    it('reads a custom header name', async () => {
      const app = appWith({ ...LOOPBACK, header: 'X-Identity' });
      const res = await request(app).get('/').set('x-identity', ISTIO);
      expect(res.body.identity).toMatchObject({ spiffeId: CLIENT_ID });
    });

    it('believes the element xfccHops from the right; the header must hold exactly that many', async () => {
      const edgeCert = sanCertificate({ uri: ['spiffe://example.org/edge'] });
      const twoHops = appendForward(ISTIO, {
        by: ['spiffe://example.org/inner'],
        peer: edgeCert,
        details: IDENTITY_ONLY,
      });
      const res = await request(appWith({ ...LOOPBACK, xfccHops: 2 }))
        .get('/')
        .set('x-forwarded-client-cert', twoHops);
      expect(res.body.identity).toMatchObject({ spiffeId: CLIENT_ID, by: [WAYPOINT] });
      const three = await request(appWith({ ...LOOPBACK, xfccHops: 3 }))
        .get('/')
        .set('x-forwarded-client-cert', twoHops);
      expect(three.body.identity).toBeNull();
      await expectError(
        appWith(LOOPBACK),
        twoHops,
        400,
        'ERR_MTLS_HEADER_MALFORMED',
        'xfcc_ambiguous',
      );
    });

    it('refuses a repeated header (400 ERR_MTLS_HEADER_DUPLICATE)', async () => {
      const server = await listen(appWith(LOOPBACK));
      try {
        const res = await get({ port: server.port }, [
          ['x-forwarded-client-cert', ISTIO],
          ['x-forwarded-client-cert', ISTIO],
        ]);
        expect(res.status).toBe(400);
      } finally {
        await server.close();
      }
      expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_HEADER_DUPLICATE' });
    });
  });

  describe('trust', () => {
    it('ignores the header from an untrusted peer', async () => {
      const app = appWith({ trustProxy: '10.0.0.1' });
      const res = await request(app).get('/').set('x-forwarded-client-cert', ISTIO);
      expect(res.body).toEqual({ identity: null, clientCert: null });
    });

    it('ignores it, without parsing, from an untrusted peer (even malformed)', async () => {
      const res = await request(appWith({ trustProxy: '10.0.0.1' }))
        .get('/')
        .set('x-forwarded-client-cert', '"');
      expect(res.status).toBe(200);
    });

    it.each<[string, unknown]>([
      ['true', true],
      ['a hop count of 1', 1],
    ])('an inherited trust proxy of %s is no trust (one warning)', async (_what, setting) => {
      const app = appWith(undefined, [], (a) => a.set('trust proxy', setting));
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get('/').set('x-forwarded-client-cert', ISTIO);
        expect(res.body).toEqual({ identity: null, clientCert: null });
      }
      expect(warnings()).toEqual(['MTLS_TRUST_PROXY_TOO_BROAD']);
      expect(emitWarning.mock.calls[0]?.[0]).toMatch(
        /^proxyAssertedIdentity\(\): .*trusts every peer/,
      );
    });

    it('no trusted proxy at all: ignored, MTLS_NO_TRUSTED_PROXY', async () => {
      const res = await request(appWith(undefined)).get('/').set('x-forwarded-client-cert', ISTIO);
      expect(res.body.identity).toBeNull();
      expect(warnings()).toEqual(['MTLS_NO_TRUSTED_PROXY']);
    });

    it("uses the app's trust proxy address list", async () => {
      const app = appWith(undefined, [], (a) => a.set('trust proxy', 'loopback'));
      const res = await request(app).get('/').set('x-forwarded-client-cert', ISTIO);
      expect(res.body.identity).toMatchObject({ spiffeId: CLIENT_ID });
    });

    it('dangerouslyTrustAnyProxy believes every peer, and warns', async () => {
      const app = appWith({ dangerouslyTrustAnyProxy: true });
      const res = await request(app).get('/').set('x-forwarded-client-cert', ISTIO);
      expect(res.body.identity).toMatchObject({ spiffeId: CLIENT_ID });
      expect(warnings()).toEqual(['MTLS_DANGEROUSLY_TRUST_ANY_PROXY']);
    });
  });

  describe('ambiguous element boundaries (400 ERR_MTLS_HEADER_MALFORMED, xfcc_ambiguous)', () => {
    /** A client SAN that splits the waypoint's element and forges a last one. */
    const forgingSan = `spiffe://example.org/x,By=${WAYPOINT};Hash=${HEX};URI=spiffe://example.org/admin`;
    const forged = sanitizeSet({
      by: [WAYPOINT],
      peer: sanCertificate({ uri: [forgingSan] }),
      details: IDENTITY_ONLY,
    });
    const clientInjected = appendForward(
      `By=${WAYPOINT};Hash=${HEX};URI=spiffe://example.org/admin`,
      {
        by: [WAYPOINT],
        peer: SVID,
        details: IDENTITY_ONLY,
      },
    );
    const withCert = sanitizeSet({
      by: [WAYPOINT],
      peer: SVID,
      details: { cert: true, uri: true },
    });

    it.each<[string, string, RegExp]>([
      ['a SAN that splits the element (By=…;Hash=…;URI=…)', forged, /holds 2 elements where 1/],
      [
        'an element injected on the left through APPEND_FORWARD',
        clientInjected,
        /holds 2 elements where 1/,
      ],
      ['a certificate element (use clientCertificate())', withCert, /carries a certificate/],
      [
        'a Chain element',
        sanitizeSet({ by: [WAYPOINT], peer: SVID, details: { chain: true } }),
        /carries a certificate/,
      ],
      [
        'a quote in a URI value',
        `Hash=${HEX};URI=spiffe://example.org/a"b`,
        /a By, URI or DNS value/,
      ],
      ['a backslash in a DNS value', `Hash=${HEX};DNS=a\\b`, /a By, URI or DNS value/],
      [
        'a quoted URI with a separator',
        `Hash=${HEX};URI="spiffe://a/x,URI=spiffe://a/y"`,
        /a By, URI or DNS value/,
      ],
      ['an empty By', `By=;Hash=${HEX};URI=${CLIENT_ID}`, /a By, URI or DNS value/],
      [
        'an empty URI next to another',
        `Hash=${HEX};URI=;URI=${CLIENT_ID}`,
        /a By, URI or DNS value/,
      ],
      ['no Hash', `By=${WAYPOINT};URI=${CLIENT_ID}`, /no single hex SHA-256 Hash/],
      ['two Hash', `Hash=${HEX};Hash=${HEX};URI=${CLIENT_ID}`, /no single hex SHA-256 Hash/],
      [
        'a Hash that is not hex SHA-256',
        `Hash=${HEX.slice(2)};URI=${CLIENT_ID}`,
        /no single hex SHA-256 Hash/,
      ],
      ['a non-empty Subject', `Hash=${HEX};Subject="CN=a";URI=${CLIENT_ID}`, /non-empty Subject/],
      ['two Subjects', `Hash=${HEX};Subject="";Subject="";URI=${CLIENT_ID}`, /non-empty Subject/],
      ['an unknown key', `Foo="x";Hash=${HEX};URI=${CLIENT_ID}`, /a key other than/],
      [
        'a DNS SAN holding ";URI=…" (a URI after a DNS)',
        sanitizeSet({
          by: [WAYPOINT],
          peer: sanCertificate({ dns: ['worker.example;URI=spiffe://example.org/admin'] }),
          details: { dns: true },
        }),
        /out of the order/,
      ],
      ['a Hash after a URI', `URI=${CLIENT_ID};Hash=${HEX}`, /out of the order/],
      [
        'a URI SAN whose own text is in quotes (Envoy writes URI values raw)',
        sanitizeSet({
          by: [WAYPOINT],
          peer: sanCertificate({ uri: ['"spiffe://example.org/ns/prod/sa/admin"'] }),
          details: IDENTITY_ONLY,
        }),
        /is quoted, which Envoy never writes/,
      ],
      ['a quoted DNS value', `Hash=${HEX};DNS="admin.internal"`, /is quoted/],
      ['a quoted By value', `By="${WAYPOINT}";Hash=${HEX};URI=${CLIENT_ID}`, /is quoted/],
    ])('refuses %s', async (_what, xfcc, why) => {
      const res = await expectError(
        appWith(LOOPBACK),
        xfcc,
        400,
        'ERR_MTLS_HEADER_MALFORMED',
        'xfcc_ambiguous',
      );
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: 'malformed client certificate header',
      });
      expect(errors[0]?.message).toMatch(why);
      expect(errors[0]?.message).not.toContain('example.org');
    });

    it('refuses broken syntax (xfcc_syntax)', async () => {
      await expectError(appWith(LOOPBACK), 'URI', 400, 'ERR_MTLS_HEADER_MALFORMED', 'xfcc_syntax');
    });
  });

  describe('requireProxyAssertedIdentity()', () => {
    function requiring(options: RequireProxyAssertedIdentityOptions, trust = LOOPBACK): Express {
      return appWith(trust, [requireProxyAssertedIdentity(options)]);
    }
    const DOMAIN = { spiffe: { trustDomains: ['example.org'] } };

    it('accepts an identity in an allowed trust domain, with a listed ID, and allow() true', async () => {
      const allow = jest.fn(() => true);
      const app = requiring({ spiffe: { trustDomains: ['example.org'], ids: [CLIENT_ID] }, allow });
      const res = await request(app).get('/').set('x-forwarded-client-cert', ISTIO);
      expect(res.status).toBe(200);
      expect(res.body.identity).toMatchObject({ spiffeId: CLIENT_ID });
      expect(allow).toHaveBeenCalledWith(
        expect.objectContaining({ spiffeId: CLIENT_ID }),
        expect.anything(),
      );
    });

    it('no identity: 401 ERR_MTLS_CERTIFICATE_REQUIRED, identity_missing', async () => {
      const res = await expectError(
        requiring(DOMAIN),
        undefined,
        401,
        'ERR_MTLS_CERTIFICATE_REQUIRED',
        'identity_missing',
      );
      expect(res.body).toEqual({
        error: 'unauthorized',
        error_description: 'client identity required',
      });
    });

    it('an identity from an untrusted peer is missing (401 identity_missing)', async () => {
      await expectError(
        requiring(DOMAIN, { trustProxy: '10.0.0.1' } as never),
        ISTIO,
        401,
        'ERR_MTLS_CERTIFICATE_REQUIRED',
        'identity_missing',
      );
    });

    it.each<[string, RequireProxyAssertedIdentityOptions, string]>([
      ['another trust domain', { spiffe: { trustDomains: ['other.org'] } }, ISTIO],
      [
        'an unlisted ID',
        { spiffe: { trustDomains: ['example.org'], ids: ['spiffe://example.org/x'] } },
        ISTIO,
      ],
      ['no SPIFFE ID (DNS only)', DOMAIN, `Hash=${HEX};DNS=a.example`],
      ['an invalid SPIFFE ID', DOMAIN, `Hash=${HEX};URI=spiffe://Example.org/x`],
      ['allow() false', { allow: () => false }, ISTIO],
      ['allow() truthy but not true', { allow: () => 1 as unknown as boolean }, ISTIO],
    ])(
      'refuses %s: 403 ERR_MTLS_CERTIFICATE_UNTRUSTED, identity_not_allowed',
      async (_w, options, xfcc) => {
        const res = await expectError(
          requiring(options),
          xfcc,
          403,
          'ERR_MTLS_CERTIFICATE_UNTRUSTED',
          'identity_not_allowed',
        );
        expect(res.body).toEqual({
          error: 'access_denied',
          error_description: 'client certificate not accepted',
        });
      },
    );

    it('passes an exception thrown by allow() to next(err)', async () => {
      const boom = new Error('boom');
      const res = await request(
        requiring({
          allow: () => {
            throw boom;
          },
        }),
      )
        .get('/')
        .set('x-forwarded-client-cert', ISTIO);
      expect(res.status).toBe(500);
      expect(errors).toEqual([boom]);
    });
  });

  describe('never a certificate', () => {
    const token = signJwt(
      claims({ cnf: { 'x5t#S256': X5T_S256['client-a'] } }),
      privateKey('rsa'),
      'RS256',
    );
    const readCert = clientCertificate({
      format: 'xfcc',
      trustProxy: 'loopback',
      onInvalid: 'ignore',
    });

    it('requireClientCertificate() answers 401 ERR_MTLS_CERTIFICATE_REQUIRED', async () => {
      const app = appWith(LOOPBACK, [
        readCert,
        requireClientCertificate({ thumbprints: [X5T_S256['client-a']] }),
      ]);
      const res = await expectError(app, ISTIO, 401, 'ERR_MTLS_CERTIFICATE_REQUIRED', undefined);
      expect(res.body).toEqual({
        error: 'unauthorized',
        error_description: 'client certificate required',
      });
    });

    it('requireCertificateBoundToken() refuses a bound token (certificate_missing)', async () => {
      const app = appWith(LOOPBACK, [
        readCert,
        requireCertificateBoundToken({
          issuer: ISSUER,
          audience: AUDIENCE,
          publicKey: publicPem('rsa'),
        }),
      ]);
      const res = await expectError(
        app,
        ISTIO,
        401,
        'ERR_MTLS_INVALID_TOKEN',
        'certificate_missing',
        token,
      );
      expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
    });

    it('leaves req.clientCert as it is, even with the identity read', async () => {
      const app = appWith(LOOPBACK, [readCert]);
      const res = await request(app).get('/').set('x-forwarded-client-cert', ISTIO);
      expect(res.body).toMatchObject({ clientCert: null, identity: { spiffeId: CLIENT_ID } });
    });
  });
});

describe('option checks', () => {
  it.each<[string, () => unknown, RegExp]>([
    [
      'an unknown option',
      () => proxyAssertedIdentity({ trustproxy: 'loopback' } as never),
      /Did you mean "trustProxy"/,
    ],
    [
      'both trust options',
      () => proxyAssertedIdentity({ trustProxy: 'loopback', dangerouslyTrustAnyProxy: true }),
      /either/,
    ],
    ['a bad header', () => proxyAssertedIdentity({ header: 'x_identity' }), /"header" must be/],
    [
      'xfccHops 0',
      () => proxyAssertedIdentity({ xfccHops: 0 }),
      /"xfccHops" must be an integer ≥ 1/,
    ],
    [
      'a bad trustProxy',
      () => proxyAssertedIdentity({ trustProxy: '::ffff:0.0.0.0/96' }),
      /every IPv4/,
    ],
    ['no rule', () => requireProxyAssertedIdentity(), /give "spiffe"/],
    [
      'no rule ({})',
      () => requireProxyAssertedIdentity({ spiffe: undefined, allow: undefined }),
      /give "spiffe"/,
    ],
    [
      'a bad allow',
      () => requireProxyAssertedIdentity({ allow: 'yes' } as never),
      /"allow" must be a function/,
    ],
    [
      'null spiffe',
      () => requireProxyAssertedIdentity({ spiffe: null } as never),
      /trustDomains must be a non-empty/,
    ],
    [
      'empty trustDomains',
      () => requireProxyAssertedIdentity({ spiffe: { trustDomains: [] } }),
      /non-empty/,
    ],
    [
      'a trust domain with a path',
      () => requireProxyAssertedIdentity({ spiffe: { trustDomains: ['a.org/x'] } }),
      /invalid trust domain/,
    ],
    [
      'a non-string trust domain',
      () => requireProxyAssertedIdentity({ spiffe: { trustDomains: [1] } } as never),
      /invalid trust domain/,
    ],
    [
      'empty ids',
      () => requireProxyAssertedIdentity({ spiffe: { trustDomains: ['a.org'], ids: [] } }),
      /ids must be a non-empty/,
    ],
    [
      'a bad id',
      () =>
        requireProxyAssertedIdentity({
          spiffe: { trustDomains: ['a.org'], ids: ['spiffe://a.org/'] },
        }),
      /invalid SPIFFE ID/,
    ],
    [
      'a non-string id',
      () =>
        requireProxyAssertedIdentity({ spiffe: { trustDomains: ['a.org'], ids: [1] } } as never),
      /invalid SPIFFE ID/,
    ],
  ])('throws a TypeError for %s', (_what, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });
});

describe('without an Express app', () => {
  it('trusts nobody (no trustProxy, no app setting) and warns', () => {
    forgetWarnings();
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const req = {
        socket: { remoteAddress: '127.0.0.1' },
        headers: { 'x-forwarded-client-cert': ISTIO },
        rawHeaders: ['x-forwarded-client-cert', ISTIO],
      } as unknown as Parameters<RequestHandler>[0];
      const next = jest.fn();
      proxyAssertedIdentity()(req, {} as never, next);
      expect(next).toHaveBeenCalledWith();
      expect(req.proxyAssertedIdentity).toBeUndefined();
      expect(emitWarning.mock.calls.map((c: unknown[]) => (c[1] as { code: string }).code)).toEqual(
        ['MTLS_NO_TRUSTED_PROXY'],
      );
    } finally {
      emitWarning.mockRestore();
    }
  });
});
