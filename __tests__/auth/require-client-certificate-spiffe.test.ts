import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ErrorRequestHandler, Express } from 'express';
import request from 'supertest';
import {
  clientCertificate,
  mtlsErrorHandler,
  requireClientCertificate,
  type MtlsError,
  type RequireClientCertificateOptions,
} from '../../lib/index';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';

const DIR = join(__dirname, '..', 'fixtures', 'spiffe');
const svid = (name: string): string => readFileSync(join(DIR, `${name}.pem`), 'utf8');
const bundleFile = (ca: string): string => join(DIR, `${ca}.bundle.json`);
const bundle = (ca: string): { keys: unknown[] } =>
  JSON.parse(readFileSync(bundleFile(ca), 'utf8')) as { keys: unknown[] };

/** x5t#S256 computed by openssl (see fixtures/spiffe/README.md). */
const X5T = {
  api: 'JnrFEximP4q5uucXBHKJ3Q5cI6yUWYJ0w8AahqtRIdw',
  web: 'DguLFbA8eDD1IT-idW4OXGWmBNNmHK-Aoj370UI9zjg',
  other: '_gfZ06SUv5bG1gK3Xb_aC06U1JEqujcfd5Wt98PN5mU',
};
const API = 'spiffe://example.org/ns/prod/sa/api';
const BUNDLES = {
  bundles: { 'example.org': bundle('ca-example'), 'other.org': bundleFile('ca-other') },
};

function server(
  makeApp: () => Express,
  options: RequireClientCertificateOptions,
): { app: Express; errors: MtlsError[] } {
  const app = makeApp();
  const errors: MtlsError[] = [];
  app.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
  app.get('/api', requireClientCertificate(options), (req, res) => {
    res.json({
      method: req.clientCertAuth?.method,
      certificate: req.clientCertAuth?.certificate.thumbprint,
      spiffeId: req.clientCert?.spiffeId,
    });
  });
  const record: ErrorRequestHandler = (err, _req, _res, next) => {
    errors.push(err as MtlsError);
    next(err);
  };
  app.use(record, mtlsErrorHandler());
  return { app, errors };
}

describe.each(EXPRESS_VERSIONS)('requireClientCertificate({ spiffe }) on %s', (_name, makeApp) => {
  async function refused(
    options: RequireClientCertificateOptions,
    name: string,
    status = 403,
  ): Promise<MtlsError> {
    const { app, errors } = server(makeApp, options);
    await request(app)
      .get('/api')
      .set('X-SSL-CERT', encodeURIComponent(svid(name)))
      .expect(status);
    const error = errors[0] as MtlsError;
    expect(error.status).toBe(status);
    return error;
  }

  async function accepted(
    options: RequireClientCertificateOptions,
    name: string,
  ): Promise<unknown> {
    const { app } = server(makeApp, options);
    const res = await request(app)
      .get('/api')
      .set('X-SSL-CERT', encodeURIComponent(svid(name)))
      .expect(200);
    return res.body;
  }

  describe('with bundles (each trust domain chains to its own bundle)', () => {
    it('accepts a valid SVID of either trust domain (object and file bundles)', async () => {
      expect(await accepted({ spiffe: BUNDLES }, 'svid-api')).toEqual({
        method: 'chain',
        certificate: X5T.api,
        spiffeId: API,
      });
      expect(await accepted({ spiffe: BUNDLES }, 'svid-web')).toEqual({
        method: 'chain',
        certificate: X5T.web,
        spiffeId: 'spiffe://example.org/ns/prod/sa/web',
      });
      expect(await accepted({ spiffe: BUNDLES }, 'svid-other')).toEqual({
        method: 'chain',
        certificate: X5T.other,
        spiffeId: 'spiffe://other.org/billing',
      });
    });

    it('refuses an example.org ID issued by the other.org CA: unknown_issuer', async () => {
      const error = await refused({ spiffe: BUNDLES }, 'svid-impostor');
      expect(error.code).toBe('ERR_MTLS_CERTIFICATE_UNTRUSTED');
      expect(error.reason).toBe('unknown_issuer');
    });

    it('refuses a trust domain without a bundle: spiffe_not_allowed', async () => {
      const error = await refused(
        { spiffe: { bundles: { 'example.org': bundle('ca-example') } } },
        'svid-other',
      );
      expect(error.code).toBe('ERR_MTLS_CERTIFICATE_UNTRUSTED');
      expect(error.reason).toBe('spiffe_not_allowed');
      expect(error.message).toContain('trust domain other.org is not allowed');
    });
  });

  describe.each([
    ['svid-two-uris', 'exactly one URI SAN, this one has 2'],
    ['svid-no-uri', 'exactly one URI SAN, this one has 0'],
    ['svid-https', 'scheme is not spiffe://'],
    ['svid-root-path', 'non-root path'],
    ['svid-upper', 'trust domain has a character'],
    ['svid-dotdot', 'path segment "." or ".."'],
    ['svid-port', 'trust domain has a character'],
    ['svid-query', 'path has a character'],
    ['svid-trailing', 'empty path segment or trailing slash'],
    ['svid-ca', 'must not be a CA'],
    ['svid-keycertsign', 'keyCertSign or cRLSign'],
    ['svid-crlsign', 'keyCertSign or cRLSign'],
    ['svid-no-digsig', 'must have key usage digitalSignature'],
    ['svid-no-ku', 'must carry key usage'],
    ['svid-eku-server', 'does not include clientAuth'],
  ])('%s', (name, detail) => {
    it(`is refused: 403 spiffe_invalid (${detail})`, async () => {
      const error = await refused({ spiffe: BUNDLES }, name);
      expect(error.code).toBe('ERR_MTLS_CERTIFICATE_UNTRUSTED');
      expect(error.reason).toBe('spiffe_invalid');
      expect(error.message).toContain(detail);
    });
  });

  describe('with trustDomains (trust from trustAnchors)', () => {
    const base = { trustAnchors: [svid('ca-example'), svid('ca-other')] };

    it('accepts an SVID of an allowed trust domain', async () => {
      expect(
        await accepted({ ...base, spiffe: { trustDomains: ['example.org'] } }, 'svid-api'),
      ).toEqual({
        method: 'chain',
        certificate: X5T.api,
        spiffeId: API,
      });
    });

    it('refuses another trust domain: spiffe_not_allowed', async () => {
      const error = await refused(
        { ...base, spiffe: { trustDomains: ['example.org'] } },
        'svid-other',
      );
      expect(error.reason).toBe('spiffe_not_allowed');
    });

    it('still needs the chain: an SVID of an allowed domain under an unknown CA is unknown_issuer', async () => {
      const error = await refused(
        { trustAnchors: [svid('ca-other')], spiffe: { trustDomains: ['example.org'] } },
        'svid-api',
      );
      expect(error.reason).toBe('unknown_issuer');
    });

    it('accepts with a pin instead of a chain', async () => {
      expect(
        await accepted(
          { thumbprints: [X5T.api], spiffe: { trustDomains: ['example.org'] } },
          'svid-api',
        ),
      ).toEqual({ method: 'thumbprint', certificate: X5T.api, spiffeId: API });
    });
  });

  describe('ids', () => {
    it('a list allows exactly its IDs', async () => {
      const options = { spiffe: { ...BUNDLES, ids: [API] } };
      expect(await accepted(options, 'svid-api')).toMatchObject({ spiffeId: API });
      const error = await refused(options, 'svid-web');
      expect(error.reason).toBe('spiffe_not_allowed');
      expect(error.message).toContain('spiffe://example.org/ns/prod/sa/web is not an allowed ID');
    });

    it('a function decides with (spiffeId, cert, req); only true lets through', async () => {
      const seen: string[] = [];
      const ids = (id: string, cert: { thumbprint: string }, req: { path: string }): boolean => {
        seen.push(`${id} ${cert.thumbprint} ${req.path}`);
        return id.endsWith('/api');
      };
      const options = { spiffe: { ...BUNDLES, ids } };
      expect(await accepted(options, 'svid-api')).toMatchObject({ spiffeId: API });
      const error = await refused(options, 'svid-web');
      expect(error.reason).toBe('spiffe_not_allowed');
      expect(seen).toEqual([
        `${API} ${X5T.api} /api`,
        `spiffe://example.org/ns/prod/sa/web ${X5T.web} /api`,
      ]);
    });

    it('a function is not called when the chain fails', async () => {
      const ids = jest.fn(() => true);
      const error = await refused({ spiffe: { ...BUNDLES, ids } }, 'svid-impostor');
      expect(error.reason).toBe('unknown_issuer');
      expect(ids).not.toHaveBeenCalled();
    });

    it('a function that throws is 503 spiffe_ids_failed, one that hangs 503 spiffe_ids_timeout', async () => {
      const thrown = await refused(
        {
          spiffe: {
            ...BUNDLES,
            ids: () => {
              throw new Error('registry down');
            },
          },
        },
        'svid-api',
        503,
      );
      expect(thrown.code).toBe('ERR_MTLS_UNAVAILABLE');
      expect(thrown.reason).toBe('spiffe_ids_failed');
      const hung = await refused(
        {
          hookTimeout: 20,
          spiffe: { ...BUNDLES, ids: () => new Promise<boolean>(() => undefined) },
        },
        'svid-api',
        503,
      );
      expect(hung.reason).toBe('spiffe_ids_timeout');
    });
  });
});

describe('requireClientCertificate({ spiffe }) options', () => {
  it.each<[string, RequireClientCertificateOptions, string]>([
    ['neither', { trustAnchors: ['x'], spiffe: {} }, 'exactly one of "trustDomains"'],
    ['both', { spiffe: { trustDomains: ['a.org'], bundles: {} } }, 'exactly one of'],
    [
      'not an object',
      { trustAnchors: ['x'], spiffe: 'example.org' as never },
      '"spiffe" must be an object',
    ],
    [
      'bundles with trustAnchors',
      { trustAnchors: ['x'], spiffe: BUNDLES },
      'remove "trustAnchors" and "thumbprints"',
    ],
    [
      'bundles with thumbprints',
      { thumbprints: [X5T.api], spiffe: BUNDLES },
      'remove "trustAnchors"',
    ],
    ['trustDomains alone', { spiffe: { trustDomains: ['example.org'] } }, 'give "trustAnchors"'],
    [
      'empty trustDomains',
      { thumbprints: [X5T.api], spiffe: { trustDomains: [] } },
      'non-empty array',
    ],
    [
      'trustDomains not an array',
      { thumbprints: [X5T.api], spiffe: { trustDomains: 'example.org' as never } },
      'non-empty array',
    ],
    [
      'a trust domain with a scheme',
      { thumbprints: [X5T.api], spiffe: { trustDomains: ['spiffe://example.org'] } },
      'trust domain names like',
    ],
    [
      'an upper-case trust domain',
      { thumbprints: [X5T.api], spiffe: { trustDomains: ['Example.org'] } },
      'trust domain names like',
    ],
    [
      'a trust domain that is not a string',
      { thumbprints: [X5T.api], spiffe: { trustDomains: [1 as never] } },
      'trust domain names like',
    ],
    ['empty bundles', { spiffe: { bundles: {} } }, 'must map trust domain names'],
    ['bundles not an object', { spiffe: { bundles: 'x' as never } }, 'must map trust domain names'],
    [
      'a bundle of the wrong type',
      { spiffe: { bundles: { 'example.org': 42 as never } } },
      'a bundle object, a file path, or { url }',
    ],
    [
      'a bundle that is null',
      { spiffe: { bundles: { 'example.org': null as never } } },
      'a bundle object, a file path, or { url }',
    ],
    [
      'a missing bundle file',
      { spiffe: { bundles: { 'example.org': join(DIR, 'absent.json') } } },
      'cannot read a JSON bundle',
    ],
    [
      'a bundle without x509-svid',
      { spiffe: { bundles: { 'example.org': { keys: [{ use: 'jwt-svid' }] } } } },
      'no x509-svid entry',
    ],
    [
      'a bundle with bad x5c',
      { spiffe: { bundles: { 'example.org': { keys: [{ use: 'x509-svid', x5c: ['%%'] }] } } } },
      'keys[0].x5c[0] is not standard base64 DER',
    ],
    [
      'an http bundle URL',
      { spiffe: { bundles: { 'example.org': { url: 'http://127.0.0.1:1/b' } } } },
      'absolute https: URL',
    ],
    [
      'a relative bundle URL',
      { spiffe: { bundles: { 'example.org': { url: '/bundle' } } } },
      'absolute https: URL',
    ],
    [
      'a bad timeout',
      { spiffe: { bundles: { 'example.org': { url: 'https://b.test/', timeout: 0 } } } },
      'timeout must be a positive integer',
    ],
    ['empty ids', { spiffe: { ...BUNDLES, ids: [] } }, 'non-empty array of SPIFFE IDs'],
    [
      'ids not an array',
      { spiffe: { ...BUNDLES, ids: API as never } },
      'non-empty array of SPIFFE IDs',
    ],
    [
      'an id that is not a SPIFFE ID',
      { spiffe: { ...BUNDLES, ids: ['https://example.org/api'] } },
      'SPIFFE IDs like',
    ],
    [
      'an id that is not a string',
      { spiffe: { ...BUNDLES, ids: [42 as never] } },
      'SPIFFE IDs like',
    ],
    ['a root id', { spiffe: { ...BUNDLES, ids: ['spiffe://example.org'] } }, 'SPIFFE IDs like'],
    [
      'an id of another trust domain',
      { spiffe: { ...BUNDLES, ids: ['spiffe://third.org/x'] } },
      'could never match',
    ],
  ])('%s: TypeError', (_, options, message) => {
    expect(() => requireClientCertificate(options)).toThrow(TypeError);
    expect(() => requireClientCertificate(options)).toThrow(message);
  });
});

describe('requireClientCertificate({ spiffe: { bundles: { td: { url } } } }) over loopback HTTP', () => {
  let httpServer: Server;
  let body = '';
  let status = 200;
  let hits = 0;
  let base = '';

  beforeAll(async () => {
    httpServer = createServer((_req, res) => {
      hits += 1;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => httpServer.close(resolve));
  });

  const makeApp = EXPRESS_VERSIONS[0]![1];

  it('fetches once, refreshes after spiffe_refresh_hint (bounded to 30 s), keeps the last good bundle on failure', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    hits = 0;
    status = 200;
    body = JSON.stringify({ ...bundle('ca-example'), spiffe_refresh_hint: 5 });
    const { app, errors } = server(makeApp, {
      clock: () => new Date(now),
      spiffe: { bundles: { 'example.org': { url: `${base}/bundle`, dangerouslyAllowHttp: true } } },
    });
    const get = (name: string) =>
      request(app)
        .get('/api')
        .set('X-SSL-CERT', encodeURIComponent(svid(name)));
    await get('svid-api').expect(200);
    await get('svid-web').expect(200);
    expect(hits).toBe(1);
    // The bundle now names the other CA: after the (bounded) refresh interval, example.org SVIDs
    // no longer chain.
    body = JSON.stringify({ keys: bundle('ca-other').keys });
    now += 29_000;
    await get('svid-api').expect(200);
    expect(hits).toBe(1);
    now += 2_000;
    await get('svid-api').expect(403);
    expect(hits).toBe(2);
    expect(errors.at(-1)?.reason).toBe('unknown_issuer');
    await get('svid-impostor').expect(200);
    // A failed refresh keeps the last good bundle (ca-other, now without a hint: 300 s).
    status = 500;
    now += 301_000;
    await get('svid-impostor').expect(200);
    expect(hits).toBe(3);
    // Retries after a failure are spaced by the 30 s cooldown.
    now += 1_000;
    await get('svid-impostor').expect(200);
    expect(hits).toBe(3);
    now += 30_000;
    status = 200;
    body = JSON.stringify(bundle('ca-example'));
    await get('svid-api').expect(200);
    expect(hits).toBe(4);
  });

  it('503 spiffe_bundle_unavailable while the bundle was never fetched; invalid bundles too', async () => {
    hits = 0;
    status = 500;
    body = '';
    const { app, errors } = server(makeApp, {
      spiffe: { bundles: { 'example.org': { url: `${base}/down`, dangerouslyAllowHttp: true } } },
    });
    const res = await request(app)
      .get('/api')
      .set('X-SSL-CERT', encodeURIComponent(svid('svid-api')))
      .expect(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(errors[0]?.code).toBe('ERR_MTLS_UNAVAILABLE');
    expect(errors[0]?.reason).toBe('spiffe_bundle_unavailable');
    status = 200;
    body = JSON.stringify({ keys: [{ use: 'x509-svid' }] });
    const second = server(makeApp, {
      spiffe: {
        bundles: {
          'example.org': { url: `${base}/invalid`, dangerouslyAllowHttp: true, timeout: 2000 },
        },
      },
    });
    await request(second.app)
      .get('/api')
      .set('X-SSL-CERT', encodeURIComponent(svid('svid-api')))
      .expect(503);
    expect(second.errors[0]?.reason).toBe('spiffe_bundle_unavailable');
    expect(second.errors[0]?.message).toContain('no x509-svid entry');
  });

  it('a syntactically invalid SVID is refused before any fetch', async () => {
    hits = 0;
    const { app, errors } = server(makeApp, {
      spiffe: { bundles: { 'example.org': { url: `${base}/never`, dangerouslyAllowHttp: true } } },
    });
    await request(app)
      .get('/api')
      .set('X-SSL-CERT', encodeURIComponent(svid('svid-root-path')))
      .expect(403);
    expect(errors[0]?.reason).toBe('spiffe_invalid');
    expect(hits).toBe(0);
  });
});
