import { mkdtempSync, rmSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorRequestHandler, Express, Request } from 'express';
import request from 'supertest';
import {
  clientCertificate,
  DIAGNOSTICS_CHANNELS,
  mtlsErrorHandler,
  type ClientCertificate,
  type ClientCertificateOptions,
} from '../../lib';
import { wasCertificateProcessed } from '../../lib/internal/request-state';
import { forgetWarnings } from '../../lib/warnings';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { der, key, pem, X5T_S256 } from '../helpers/fixtures';
import { collect } from './support/events';
import { get, listen, rawRequest } from './support/http';
import { DERIVED, forwardingFixture, proxyCaptures, RFC9440_X5T } from './support/vectors';

const NGINX_A = proxyCaptures('nginx').find((c) => c.format === 'nginx')!.values['client-a']!;
const NGINX_B = proxyCaptures('nginx').find((c) => c.format === 'nginx')!.values['client-b']!;
const APACHE = proxyCaptures('apache').find((c) => c.format === 'pem')!.values;
const HAPROXY_A = proxyCaptures('haproxy').find((c) => c.format === 'der-base64')!.values[
  'client-a'
]!;
const CADDY_NONE = proxyCaptures('caddy').find((c) => c.wire === true)!.values.none!;
const CLIENT_CERT = forwardingFixture('rfc9440/client-cert.txt');
const CLIENT_CERT_CHAIN = forwardingFixture('rfc9440/client-cert-chain.txt');
const [CHAIN_INTERMEDIATE, CHAIN_ROOT] = CLIENT_CERT_CHAIN.split(', ') as [string, string];

/** What the test route reports about the request. */
interface Seen {
  processed: boolean;
  thumbprint: string | null;
  chain: string[];
  source: unknown;
}

/** Sets header lines on a supertest request; an array sends one line per value. */
function withHeaders(
  test: request.Test,
  headers: Readonly<Record<string, string | readonly string[]>>,
): request.Test {
  let result = test;
  for (const [name, value] of Object.entries(headers)) {
    // supertest's types allow arrays for Cookie only; Node sends one line per array item.
    result =
      typeof value === 'string'
        ? result.set(name, value)
        : result.set(name as 'Cookie', [...value]);
  }
  return result;
}

const reportError: ErrorRequestHandler = (err: Record<string, unknown>, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  res
    .status(typeof err.status === 'number' ? err.status : 500)
    .set((err.headers as Record<string, string> | undefined) ?? {})
    .json({
      code: err.code ?? null,
      reason: err.reason ?? null,
      message: err.message,
      processed: wasCertificateProcessed(req),
    });
};

describe.each(EXPRESS_VERSIONS)('clientCertificate() on %s', (_version, createApp) => {
  let emitWarning: jest.SpyInstance;
  const certificates: (ClientCertificate | undefined)[] = [];

  beforeEach(() => {
    certificates.length = 0;
    forgetWarnings();
    // Captured, not printed: each test that triggers a warning asserts it.
    emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });

  afterEach(() => {
    emitWarning.mockRestore();
  });

  function warnings(): unknown[] {
    return emitWarning.mock.calls.map((call: unknown[]) => (call[1] as { code?: string }).code);
  }

  function appWith(
    options?: ClientCertificateOptions,
    configure?: (app: Express) => void,
  ): Express {
    const app = createApp();
    configure?.(app);
    app.use(clientCertificate(options));
    app.get('/', (req: Request, res) => {
      certificates.push(req.clientCert);
      const seen: Seen = {
        processed: wasCertificateProcessed(req),
        thumbprint: req.clientCert?.thumbprint ?? null,
        chain: req.clientCert?.chain.map((c) => c.thumbprint) ?? [],
        source: req.clientCert?.source ?? null,
      };
      res.json(seen);
    });
    app.use(reportError);
    return app;
  }

  const trusted = (options: ClientCertificateOptions): ClientCertificateOptions => ({
    trustProxy: 'loopback',
    ...options,
  });

  describe('formats, from a trusted proxy', () => {
    it('nginx: reads what the real nginx sends into req.clientCert', async () => {
      const res = await request(appWith(trusted({ format: 'nginx' })))
        .get('/')
        .set('X-SSL-Cert', NGINX_A);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        processed: true,
        thumbprint: X5T_S256['client-a'],
        chain: [],
        source: { type: 'header', format: 'nginx', header: 'x-ssl-cert' },
      });
    });

    it('nginx: several blocks become leaf and chain', async () => {
      const res = await request(appWith(trusted({ format: 'nginx' })))
        .get('/')
        .set('x-ssl-cert', DERIVED['nginx-escaped-two-blocks']!.value);
      expect(res.body).toMatchObject({
        thumbprint: X5T_S256['client-a'],
        chain: [X5T_S256['intermediate-ca']],
      });
    });

    it('pem: reads Apache space-folded PEM, and "(null)" as no certificate', async () => {
      const app = appWith(trusted({ format: 'pem' }));
      expect(
        (await request(app).get('/').set('x-ssl-cert', APACHE['client-b']!)).body,
      ).toMatchObject({
        thumbprint: X5T_S256['client-b'],
      });
      const none = await request(app).get('/').set('x-ssl-cert', APACHE.none!);
      expect(none.status).toBe(200);
      expect(none.body).toMatchObject({ processed: true, thumbprint: null });
    });

    it('der-base64: reads HAProxy base64 DER, with a chain header holding concatenated DER', async () => {
      const app = appWith(trusted({ format: 'der-base64', chainHeader: 'x-client-cert-chain' }));
      const res = await request(app)
        .get('/')
        .set('x-client-cert', HAPROXY_A)
        .set('x-client-cert-chain', der('intermediate-ca').toString('base64'));
      expect(res.body).toMatchObject({
        thumbprint: X5T_S256['client-a'],
        chain: [X5T_S256['intermediate-ca']],
      });
    });

    it('der-base64: a configured chain header may be absent', async () => {
      const app = appWith(trusted({ format: 'der-base64', chainHeader: 'x-client-cert-chain' }));
      const res = await request(app).get('/').set('x-client-cert', HAPROXY_A);
      expect(res.body).toMatchObject({ thumbprint: X5T_S256['client-a'], chain: [] });
      expect(res.headers.vary).toBe('x-client-cert, x-client-cert-chain');
    });

    it('der-base64: treats the Caddy placeholder sent without a certificate as none', async () => {
      const res = await request(appWith(trusted({ format: 'der-base64' })))
        .get('/')
        .set('x-client-cert', CADDY_NONE);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ thumbprint: null });
    });

    it('rfc9440: reads the RFC 9440 Appendix A fields', async () => {
      const res = await request(appWith(trusted({ format: 'rfc9440' })))
        .get('/')
        .set('Client-Cert', CLIENT_CERT)
        .set('Client-Cert-Chain', CLIENT_CERT_CHAIN);
      expect(res.body).toEqual({
        processed: true,
        thumbprint: RFC9440_X5T.leaf,
        chain: [RFC9440_X5T.intermediate, RFC9440_X5T.root],
        source: { type: 'header', format: 'rfc9440', header: 'client-cert' },
      });
    });

    it('rfc9440: concatenates Client-Cert-Chain split over several field lines', async () => {
      const res = await request(appWith(trusted({ format: 'rfc9440' })))
        .get('/')
        .set('Client-Cert', CLIENT_CERT)
        .set('Client-Cert-Chain' as 'Cookie', [CHAIN_INTERMEDIATE, '', CHAIN_ROOT]);
      expect(res.body).toMatchObject({
        thumbprint: RFC9440_X5T.leaf,
        chain: [RFC9440_X5T.intermediate, RFC9440_X5T.root],
      });
    });

    it('rfc9440: an empty Client-Cert-Chain is an empty chain', async () => {
      const res = await request(appWith(trusted({ format: 'rfc9440' })))
        .get('/')
        .set('Client-Cert', CLIENT_CERT)
        .set('Client-Cert-Chain', '');
      expect(res.body).toMatchObject({ thumbprint: RFC9440_X5T.leaf, chain: [] });
    });

    it('xfcc: believes the element appended by the nearest proxy (the last one)', async () => {
      const res = await request(appWith(trusted({ format: 'xfcc' })))
        .get('/')
        .set('x-forwarded-client-cert', DERIVED['xfcc-two-elements-b-then-a']!.value);
      expect(res.body).toMatchObject({
        thumbprint: X5T_S256['client-a'],
        chain: [X5T_S256['intermediate-ca']],
      });
    });

    it('xfcc: xfccHops counts further trusted hops from the right', async () => {
      const value = DERIVED['xfcc-two-elements-b-then-a']!.value;
      const two = appWith(trusted({ format: 'xfcc', xfccHops: 2 }));
      expect(
        (await request(two).get('/').set('x-forwarded-client-cert', value)).body,
      ).toMatchObject({ thumbprint: X5T_S256['client-b'], chain: [] });
      const three = appWith(trusted({ format: 'xfcc', xfccHops: 3 }));
      const res = await request(three).get('/').set('x-forwarded-client-cert', value);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ thumbprint: null });
    });

    it('aws-alb: keeps "+" literal and reads the whole passthrough chain', async () => {
      const res = await request(appWith(trusted({ format: 'aws-alb' })))
        .get('/')
        .set('X-Amzn-Mtls-Clientcert', DERIVED['aws-alb-passthrough-client-a-fullchain']!.value);
      expect(res.body).toMatchObject({
        thumbprint: X5T_S256['client-a'],
        chain: [X5T_S256['intermediate-ca']],
      });
    });

    it.each(['traefik-v3-client-a-fullchain', 'traefik-pre-2.9.4-client-a-fullchain'])(
      'traefik: reads %s',
      async (name) => {
        const res = await request(appWith(trusted({ format: 'traefik' })))
          .get('/')
          .set('X-Forwarded-Tls-Client-Cert', DERIVED[name]!.value);
        expect(res.body).toMatchObject({
          thumbprint: X5T_S256['client-a'],
          chain: [X5T_S256['intermediate-ca']],
        });
      },
    );

    it('a custom format function returns the DER certificates, leaf first', async () => {
      const format = (req: Request): Buffer[] | undefined => {
        const value = req.get('x-custom');
        return value === undefined
          ? undefined
          : value.split('.').map((part) => Buffer.from(part, 'hex'));
      };
      const app = appWith(trusted({ format, header: 'x-custom' }));
      const value = `${der('client-a').toString('hex')}.${der('intermediate-ca').toString('hex')}`;
      const res = await request(app).get('/').set('x-custom', value);
      expect(res.body).toEqual({
        processed: true,
        thumbprint: X5T_S256['client-a'],
        chain: [X5T_S256['intermediate-ca']],
        source: { type: 'header', format: 'custom', header: 'x-custom' },
      });
      expect(res.headers.vary).toBe('x-custom');
      expect((await request(app).get('/')).body).toMatchObject({ thumbprint: null });
    });

    it('a custom format may return Uint8Arrays or an empty list', async () => {
      let result: Uint8Array[] = [new Uint8Array(der('client-b'))];
      const app = appWith(trusted({ format: () => result }));
      expect((await request(app).get('/')).body).toMatchObject({
        thumbprint: X5T_S256['client-b'],
      });
      result = [];
      expect((await request(app).get('/')).body).toMatchObject({ thumbprint: null });
    });

    it.each([
      ['nginx', 'x-ssl-cert'],
      ['rfc9440', 'client-cert'],
      ['xfcc', 'x-forwarded-client-cert'],
    ] as const)('%s: an absent or empty header means no certificate', async (format, header) => {
      const app = appWith(trusted({ format }));
      for (const res of [
        await request(app).get('/'),
        await request(app).get('/').set(header, ''),
      ]) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ processed: true, thumbprint: null, chain: [], source: null });
      }
    });

    it('resets a req.clientCert set before it', async () => {
      const app = appWith(trusted({ format: 'nginx' }), (a) =>
        a.use((req, _res, next) => {
          req.clientCert = 'forged' as unknown as ClientCertificate;
          next();
        }),
      );
      expect((await request(app).get('/')).body).toMatchObject({ thumbprint: null });
    });
  });

  describe('rejections (each: status, code and reason)', () => {
    async function rejected(
      options: ClientCertificateOptions,
      headers: Record<string, string | string[]>,
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const res = await withHeaders(request(appWith(trusted(options))).get('/'), headers);
      return { status: res.status, body: res.body as Record<string, unknown> };
    }

    it.each<[string, ClientCertificateOptions, Record<string, string>, string]>([
      ['nginx: not URL-escaped PEM', { format: 'nginx' }, { 'x-ssl-cert': 'hello' }, 'pem'],
      [
        'nginx: a broken escape',
        { format: 'nginx' },
        { 'x-ssl-cert': `${NGINX_A}%` },
        'percent_encoding',
      ],
      [
        'pem: text around the block',
        { format: 'pem' },
        { 'x-ssl-cert': `x ${APACHE['client-a']!}` },
        'pem',
      ],
      [
        'der-base64: base64url',
        { format: 'der-base64' },
        { 'x-client-cert': HAPROXY_A.replace(/\//g, '_') },
        'base64',
      ],
      [
        'der-base64: missing padding',
        { format: 'der-base64' },
        { 'x-client-cert': HAPROXY_A.replace(/=+$/, '') },
        'base64',
      ],
      [
        'der-base64: trailing bytes',
        { format: 'der-base64' },
        {
          'x-client-cert': Buffer.concat([der('client-a'), Buffer.from([1, 2])]).toString('base64'),
        },
        'trailing_bytes',
      ],
      [
        'der-base64: not a certificate',
        { format: 'der-base64' },
        { 'x-client-cert': Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07]).toString('base64') },
        'not_a_certificate',
      ],
      [
        'rfc9440: base64url in Client-Cert',
        { format: 'rfc9440' },
        { 'client-cert': CLIENT_CERT.replace(/\//g, '_') },
        'base64',
      ],
      [
        'rfc9440: missing padding',
        { format: 'rfc9440' },
        { 'client-cert': CLIENT_CERT.replace('=:', ':') },
        'base64',
      ],
      [
        'rfc9440: Client-Cert is not a Byte Sequence',
        { format: 'rfc9440' },
        { 'client-cert': CLIENT_CERT.slice(1, -1) },
        'structured_field',
      ],
      [
        'rfc9440: a malformed Client-Cert-Chain',
        { format: 'rfc9440' },
        { 'client-cert': CLIENT_CERT, 'client-cert-chain': `${CHAIN_INTERMEDIATE},` },
        'structured_field',
      ],
      [
        'rfc9440: Client-Cert-Chain without Client-Cert',
        { format: 'rfc9440' },
        { 'client-cert-chain': CLIENT_CERT_CHAIN },
        'chain_without_leaf',
      ],
      [
        'rfc9440: chain with an empty Client-Cert',
        { format: 'rfc9440' },
        { 'client-cert': '', 'client-cert-chain': CHAIN_ROOT },
        'chain_without_leaf',
      ],
      [
        'xfcc: a syntax error',
        { format: 'xfcc' },
        { 'x-forwarded-client-cert': 'Cert="abc' },
        'xfcc_syntax',
      ],
      [
        'xfcc: a Hash mismatch',
        { format: 'xfcc' },
        {
          'x-forwarded-client-cert': DERIVED['xfcc-envoy-client-a']!.value.replace(
            /Hash=[0-9a-f]+/,
            `Hash=${'ab'.repeat(32)}`,
          ),
        },
        'xfcc_hash_mismatch',
      ],
      [
        'xfcc: an element without Cert',
        { format: 'xfcc' },
        { 'x-forwarded-client-cert': forwardingFixture('envoy-doc-examples.txt').split('\n')[0]! },
        'xfcc_missing_cert',
      ],
      [
        'xfcc: Cert twice',
        { format: 'xfcc' },
        { 'x-forwarded-client-cert': `Cert="${encodeURIComponent(pem('client-b'))}";Cert="x"` },
        'xfcc_duplicate_key',
      ],
      [
        'aws-alb: a form-decoded value',
        { format: 'aws-alb' },
        {
          'x-amzn-mtls-clientcert': DERIVED['aws-alb-verify-leaf-client-b']!.value.replace(
            /\+/g,
            ' ',
          ),
        },
        'pem',
      ],
      [
        'traefik: an empty member',
        { format: 'traefik' },
        { 'x-forwarded-tls-client-cert': `${HAPROXY_A},` },
        'base64',
      ],
      [
        'der-base64: a broken chain header',
        { format: 'der-base64', chainHeader: 'x-chain' },
        { 'x-client-cert': HAPROXY_A, 'x-chain': 'abc' },
        'base64',
      ],
    ])('%s → 400 ERR_MTLS_HEADER_MALFORMED', async (_what, options, headers, reason) => {
      const res = await rejected(options, headers);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'ERR_MTLS_HEADER_MALFORMED',
        reason,
        processed: true,
      });
      expect(res.body.message).toMatch(/^(x-[a-z-]+|client-cert) header: /);
    });

    it('a custom format function that throws → 400 ERR_MTLS_HEADER_MALFORMED custom_format', async () => {
      const res = await rejected(
        {
          format: () => {
            throw new Error('cannot decode');
          },
        },
        {},
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'ERR_MTLS_HEADER_MALFORMED',
        reason: 'custom_format',
      });
    });

    it('a custom format function may throw its own MtlsError', async () => {
      const { HeaderDuplicateError } = await import('../../lib');
      const res = await rejected(
        {
          format: () => {
            throw new HeaderDuplicateError();
          },
        },
        {},
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'ERR_MTLS_HEADER_DUPLICATE' });
    });

    it('a custom format function returning bytes that are not a certificate → 400', async () => {
      const res = await rejected({ format: () => [Buffer.from('nope')] }, {});
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'ERR_MTLS_HEADER_MALFORMED',
        reason: 'not_a_certificate',
      });
    });

    it.each([
      ['a string', 'MIIB'],
      ['an array of strings', ['MIIB']],
      ['null', null],
    ])(
      'a custom format function returning %s → 500 ERR_MTLS_MISCONFIGURED',
      async (_what, value) => {
        const res = await rejected({ format: () => value as unknown as Buffer[] }, {});
        expect(res.status).toBe(500);
        expect(res.body).toMatchObject({ code: 'ERR_MTLS_MISCONFIGURED' });
      },
    );

    it.each<[string, ClientCertificateOptions, Record<string, string[]>]>([
      ['nginx: x-ssl-cert twice', { format: 'nginx' }, { 'x-ssl-cert': [NGINX_A, NGINX_B] }],
      [
        'nginx: a forged empty line next to the real one',
        { format: 'nginx' },
        { 'x-ssl-cert': ['', NGINX_A] },
      ],
      [
        'rfc9440: Client-Cert twice (a singleton)',
        { format: 'rfc9440' },
        { 'client-cert': [CLIENT_CERT, CLIENT_CERT] },
      ],
      [
        'der-base64: the chain header twice',
        { format: 'der-base64', chainHeader: 'x-chain' },
        { 'x-client-cert': [HAPROXY_A], 'x-chain': [HAPROXY_A, HAPROXY_A] },
      ],
      [
        'xfcc: the header twice',
        { format: 'xfcc' },
        { 'x-forwarded-client-cert': ['Hash=a', 'Hash=b'] },
      ],
    ])('%s → 400 ERR_MTLS_HEADER_DUPLICATE', async (_what, options, headers) => {
      const res = await rejected(options, headers);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'ERR_MTLS_HEADER_DUPLICATE', processed: true });
    });

    it('over maxHeaderBytes → 431 ERR_MTLS_HEADER_TOO_LARGE, checked before any decoding', async () => {
      const limit = NGINX_A.length - 1;
      const valid = await rejected(
        { format: 'nginx', maxHeaderBytes: limit },
        { 'x-ssl-cert': NGINX_A },
      );
      expect(valid.status).toBe(431);
      expect(valid.body).toMatchObject({ code: 'ERR_MTLS_HEADER_TOO_LARGE' });
      const garbage = await rejected(
        { format: 'nginx', maxHeaderBytes: 10 },
        { 'x-ssl-cert': '%%%%%%%%%%%' },
      );
      expect(garbage.status).toBe(431);
      const exact = await rejected(
        { format: 'nginx', maxHeaderBytes: NGINX_A.length },
        { 'x-ssl-cert': NGINX_A },
      );
      expect(exact.status).toBe(200);
    });

    it('maxHeaderBytes counts the chain header too', async () => {
      const res = await rejected(
        { format: 'rfc9440', maxHeaderBytes: CLIENT_CERT.length + 10 },
        { 'client-cert': CLIENT_CERT, 'client-cert-chain': CHAIN_ROOT },
      );
      expect(res.status).toBe(431);
      expect(res.body).toMatchObject({ code: 'ERR_MTLS_HEADER_TOO_LARGE' });
    });

    it.each<[string, ClientCertificateOptions, Record<string, string>]>([
      [
        'nginx: two blocks, maxChainLength 0',
        { format: 'nginx', maxChainLength: 0 },
        { 'x-ssl-cert': DERIVED['nginx-escaped-two-blocks']!.value },
      ],
      [
        'rfc9440: two chain members, maxChainLength 1',
        { format: 'rfc9440', maxChainLength: 1 },
        { 'client-cert': CLIENT_CERT, 'client-cert-chain': CLIENT_CERT_CHAIN },
      ],
      [
        'rfc9440: a long list refused before decoding',
        { format: 'rfc9440', maxChainLength: 1 },
        { 'client-cert': CLIENT_CERT, 'client-cert-chain': Array(50).fill(':AAAA:').join(', ') },
      ],
      [
        'traefik: three members, maxChainLength 0',
        { format: 'traefik', maxChainLength: 0 },
        { 'x-forwarded-tls-client-cert': `${HAPROXY_A},${HAPROXY_A},${HAPROXY_A}` },
      ],
    ])('%s → 400 ERR_MTLS_CHAIN_TOO_LONG', async (_what, options, headers) => {
      const res = await rejected(options, headers);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'ERR_MTLS_CHAIN_TOO_LONG' });
    });

    it('a custom format returning too many certificates → 400 ERR_MTLS_CHAIN_TOO_LONG', async () => {
      const res = await rejected(
        { format: () => Array(5).fill(der('client-a')), maxChainLength: 1 },
        {},
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'ERR_MTLS_CHAIN_TOO_LONG' });
    });

    it('mtlsErrorHandler() renders a generic body that never echoes the header', async () => {
      const app = createApp();
      app.use(clientCertificate(trusted({ format: 'der-base64' })));
      app.get('/', (_req, res) => res.end());
      app.use(mtlsErrorHandler());
      const secret = Buffer.concat([der('client-a'), Buffer.from('SECRET')]).toString('base64');
      const res = await request(app).get('/').set('x-client-cert', secret);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: 'malformed client certificate header',
      });
      expect(res.text).not.toContain(secret.slice(0, 40));
    });
  });

  describe('onInvalid: "ignore"', () => {
    it.each<[string, ClientCertificateOptions, Record<string, string | string[]>, string]>([
      ['malformed', { format: 'nginx' }, { 'x-ssl-cert': 'hello' }, 'ERR_MTLS_HEADER_MALFORMED'],
      [
        'duplicated',
        { format: 'nginx' },
        { 'x-ssl-cert': [NGINX_A, NGINX_A] },
        'ERR_MTLS_HEADER_DUPLICATE',
      ],
      [
        'too large',
        { format: 'nginx', maxHeaderBytes: 5 },
        { 'x-ssl-cert': NGINX_A },
        'ERR_MTLS_HEADER_TOO_LARGE',
      ],
      [
        'too long',
        { format: 'nginx', maxChainLength: 0 },
        { 'x-ssl-cert': DERIVED['nginx-escaped-two-blocks']!.value },
        'ERR_MTLS_CHAIN_TOO_LONG',
      ],
    ])(
      'treats a %s header as no certificate and publishes certificateRejected',
      async (_what, options, headers, code) => {
        const events = collect(DIAGNOSTICS_CHANNELS.certificateRejected);
        try {
          const res = await withHeaders(
            request(appWith(trusted({ ...options, onInvalid: 'ignore' }))).get('/'),
            headers,
          );
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({ processed: true, thumbprint: null });
        } finally {
          events.stop();
        }
        expect(events.messages).toEqual([
          expect.objectContaining({
            code,
            action: 'ignore',
            header: 'x-ssl-cert',
            format: 'nginx',
          }),
        ]);
      },
    );

    it('still passes a misconfigured custom format (500) to next(err)', async () => {
      const res = await request(
        appWith(trusted({ format: () => 'x' as unknown as Buffer[], onInvalid: 'ignore' })),
      ).get('/');
      expect(res.status).toBe(500);
    });
  });

  describe('trust: the header is believed only from trusted proxies', () => {
    it('with nothing trusted (Express default) ignores the header and warns exactly once', async () => {
      const events = collect(DIAGNOSTICS_CHANNELS.certificateIgnored);
      const warningEvents = collect(DIAGNOSTICS_CHANNELS.warning);
      const app = appWith({ format: 'nginx' });
      try {
        for (let i = 0; i < 3; i++) {
          const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({ processed: true, thumbprint: null });
          expect(res.headers.vary).toBeUndefined();
        }
      } finally {
        events.stop();
        warningEvents.stop();
      }
      expect(warnings()).toEqual(['MTLS_NO_TRUSTED_PROXY']);
      expect(emitWarning.mock.calls[0]?.[0]).toMatch(
        /no trusted proxy is configured.*x-ssl-cert.*trustProxy/,
      );
      expect(warningEvents.messages).toEqual([
        expect.objectContaining({ code: 'MTLS_NO_TRUSTED_PROXY' }),
      ]);
      expect(events.messages).toHaveLength(3);
      expect(events.messages[0]).toEqual({
        reason: 'no_trusted_proxy',
        peer: '127.0.0.1',
        header: 'x-ssl-cert',
        format: 'nginx',
      });
    });

    it('never parses a header from an untrusted peer (malformed input still gives 200)', async () => {
      const res = await request(appWith({ format: 'der-base64', trustProxy: '10.0.0.0/8' }))
        .get('/')
        .set('x-client-cert' as 'Cookie', ['not base64 at all', 'twice']);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ processed: true, thumbprint: null });
      expect(warnings()).toEqual(['MTLS_UNTRUSTED_PEER']);
    });

    it('publishes untrusted_peer for a header from a peer outside trustProxy', async () => {
      const events = collect(DIAGNOSTICS_CHANNELS.certificateIgnored);
      try {
        await request(appWith({ format: 'nginx', trustProxy: '10.0.0.1' }))
          .get('/')
          .set('x-ssl-cert', NGINX_A);
        await request(appWith({ format: 'nginx', trustProxy: '10.0.0.1' })).get('/');
      } finally {
        events.stop();
      }
      expect(events.messages).toEqual([
        { reason: 'untrusted_peer', peer: '127.0.0.1', header: 'x-ssl-cert', format: 'nginx' },
      ]);
    });

    it.each<[string, Parameters<Express['set']>[1]]>([
      ['"loopback"', 'loopback'],
      ['an address list', '10.0.0.1, 127.0.0.1'],
      ['a CIDR list', ['10.0.0.0/8', '127.0.0.0/8']],
      ['a function', (address: string) => address === '127.0.0.1'],
    ])("uses the app's trust proxy setting by default: %s", async (_what, setting) => {
      const app = appWith({ format: 'nginx' }, (a) => a.set('trust proxy', setting));
      const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
      expect(res.body).toMatchObject({ thumbprint: X5T_S256['client-a'] });
      expect(warnings()).toEqual([]);
    });

    it('a hop count of 0 in the app setting trusts nobody (and warns once)', async () => {
      const app = appWith({ format: 'nginx' }, (a) => a.set('trust proxy', 0));
      const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
      expect(res.body).toMatchObject({ thumbprint: null });
      expect(warnings()).toEqual(['MTLS_NO_TRUSTED_PROXY']);
    });

    it.each<[string, Parameters<Express['set']>[1]]>([
      ['true', true],
      ['a hop count of 1', 1],
      ['a hop count of 2', 2],
      ['a fractional hop count', 0.5],
      ['all IPv4-mapped addresses', '::ffff:0.0.0.0/96'],
      ['both halves of IPv4', '0.0.0.0/1, 128.0.0.0/1'],
      ['a hand-written hop count (ip, i) => i < 1', (_ip: string, i: number) => i < 1],
      ['a function that says yes to all', () => true],
    ])(
      'an inherited trust proxy that trusts every peer (%s) is no trust: header ignored, one warning',
      async (_what, setting) => {
        const events = collect(DIAGNOSTICS_CHANNELS.certificateIgnored);
        const app = appWith({ format: 'nginx' }, (a) => a.set('trust proxy', setting));
        const server = await listen(app);
        try {
          for (const localAddress of ['127.0.0.1', '127.0.0.2']) {
            const res = await get({ port: server.port, localAddress }, [['x-ssl-cert', NGINX_A]]);
            expect(res.status).toBe(200);
            expect(JSON.parse(res.body)).toMatchObject({ processed: true, thumbprint: null });
          }
        } finally {
          events.stop();
          await server.close();
        }
        expect(certificates).toEqual([undefined, undefined]);
        expect(warnings()).toEqual(['MTLS_TRUST_PROXY_TOO_BROAD']);
        expect(emitWarning.mock.calls[0]?.[0]).toMatch(
          /'trust proxy' setting .* trusts every peer.*x-ssl-cert header is ignored.*Set the trustProxy option to your proxy's address.*dangerouslyTrustAnyProxy: true\. See docs\/errors\.md#mtls_trust_proxy_too_broad$/,
        );
        expect(events.messages.map((m) => m.reason)).toEqual([
          'trust_proxy_too_broad',
          'trust_proxy_too_broad',
        ]);
      },
    );

    it.each<[string, unknown]>([
      ['hop count', 1],
      ['hop-count function', (_ip: string, i: number) => i < 1],
    ])('an inherited %s is no trust over a Unix socket either', async (_what, setting) => {
      const dir = mkdtempSync(join(tmpdir(), 'express-mtls-'));
      const socketPath = join(dir, 'hop.sock');
      try {
        const app = appWith({ format: 'nginx' }, (a) => a.set('trust proxy', setting));
        const server = await listen(app, { path: socketPath });
        try {
          const res = await get({ socketPath }, [['x-ssl-cert', NGINX_A]]);
          expect(JSON.parse(res.body)).toMatchObject({ thumbprint: null });
        } finally {
          await server.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(warnings()).toEqual(['MTLS_TRUST_PROXY_TOO_BROAD']);
    });

    it('with source "auto", a too-broad trust proxy falls back to the TLS socket (none here)', async () => {
      const app = appWith({ format: 'nginx', source: 'auto' }, (a) => a.set('trust proxy', true));
      const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
      expect(res.body).toMatchObject({ thumbprint: null });
      expect(warnings()).toEqual(['MTLS_TRUST_PROXY_TOO_BROAD']);
    });

    it('the too-broad warning is emitted once per process, across middlewares', async () => {
      for (let i = 0; i < 2; i++) {
        const app = appWith({ format: 'nginx' }, (a) => a.set('trust proxy', true));
        await request(app).get('/').set('x-ssl-cert', NGINX_A);
        await request(app).get('/');
      }
      expect(warnings()).toEqual(['MTLS_TRUST_PROXY_TOO_BROAD']);
    });

    it.each<[string, ClientCertificateOptions]>([
      ['an explicit trustProxy', { trustProxy: '127.0.0.1' }],
      ['dangerouslyTrustAnyProxy', { dangerouslyTrustAnyProxy: true }],
    ])('%s overrides a too-broad app setting', async (_what, options) => {
      const app = appWith({ format: 'nginx', ...options }, (a) => a.set('trust proxy', 1));
      const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
      expect(res.body).toMatchObject({ thumbprint: X5T_S256['client-a'] });
      expect(warnings()).not.toContain('MTLS_TRUST_PROXY_TOO_BROAD');
    });

    it('an app trust proxy function that names its peers is honoured, asked about the probes once', async () => {
      const calls: unknown[] = [];
      const app = appWith({ format: 'nginx' }, (a) =>
        a.set('trust proxy', (address: string) => {
          calls.push(address);
          return address === '127.0.0.1';
        }),
      );
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
        expect(res.body).toMatchObject({ thumbprint: X5T_S256['client-a'] });
      }
      expect(calls).toEqual(['0.0.0.0', '::', '127.0.0.1', '127.0.0.1']);
      expect(warnings()).toEqual([]);
    });

    it('an explicit trustProxy function that trusts a whole address family: header ignored, one warning', async () => {
      const events = collect(DIAGNOSTICS_CHANNELS.certificateIgnored);
      const calls: unknown[] = [];
      const middleware = clientCertificate({
        format: 'nginx',
        trustProxy: (address) => {
          calls.push(address);
          return address?.includes(':') === true;
        },
      });
      expect(calls).toEqual([]);
      const app = createApp();
      app.use(middleware, (req, res) => {
        res.json({ thumbprint: req.clientCert?.thumbprint ?? null });
      });
      try {
        for (let i = 0; i < 2; i++) {
          const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
          expect(res.status).toBe(200);
          expect(res.body).toEqual({ thumbprint: null });
        }
      } finally {
        events.stop();
      }
      expect(calls).toEqual([
        '0.0.0.0',
        '::',
        '2001:db8::1',
        'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      ]);
      expect(warnings()).toEqual(['MTLS_TRUST_PROXY_TOO_BROAD']);
      expect(emitWarning.mock.calls[0]?.[0]).toMatch(
        /^clientCertificate\(\): the trustProxy function trusts every peer.*x-ssl-cert header is ignored.*dangerouslyTrustAnyProxy: true\. See docs\/errors\.md#mtls_trust_proxy_too_broad$/,
      );
      expect(events.messages.map((m) => m.reason)).toEqual([
        'trust_proxy_too_broad',
        'trust_proxy_too_broad',
      ]);
    });

    it('an app trust proxy function is never asked about a Unix-socket peer (only trustProxy may trust one)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'express-mtls-'));
      const socketPath = join(dir, 'app-fn.sock');
      const calls: unknown[] = [];
      try {
        const app = appWith({ format: 'nginx' }, (a) =>
          a.set('trust proxy', (address: string | undefined) => {
            calls.push(address);
            return address === undefined || address === '10.0.0.1';
          }),
        );
        const server = await listen(app, { path: socketPath });
        try {
          const res = await get({ socketPath }, [['x-ssl-cert', NGINX_A]]);
          expect(res.status).toBe(200);
          expect(JSON.parse(res.body)).toMatchObject({ thumbprint: null });
        } finally {
          await server.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(calls).not.toContain(undefined);
      expect(warnings()).toEqual(['MTLS_UNTRUSTED_PEER']);
      expect(emitWarning.mock.calls[0]?.[0]).toMatch(/arrived from a Unix socket, which is not/);
    });

    it('an app trust proxy setting that trusts other addresses does not trust this peer', async () => {
      const app = appWith({ format: 'nginx' }, (a) => a.set('trust proxy', '10.0.0.1'));
      const res = await request(app).get('/').set('x-ssl-cert', 'malformed');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ thumbprint: null });
      expect(warnings()).toEqual(['MTLS_UNTRUSTED_PEER']);
      expect(emitWarning.mock.calls[0]?.[0]).toMatch(
        /the x-ssl-cert header arrived from 127\.0\.0\.1, which is not a trusted proxy.*add its address to the app's 'trust proxy' setting \(or trustProxy\)/,
      );
    });

    it('warns once (MTLS_UNTRUSTED_PEER) when trustProxy names another address than the peer', async () => {
      const server = await listen(appWith({ format: 'nginx', trustProxy: '10.0.0.1' }));
      try {
        for (const localAddress of ['127.0.0.2', '127.0.0.3', '127.0.0.2']) {
          const res = await get({ port: server.port, localAddress }, [['x-ssl-cert', NGINX_A]]);
          expect(JSON.parse(res.body)).toMatchObject({ thumbprint: null });
        }
        await get({ port: server.port }, []);
      } finally {
        await server.close();
      }
      expect(warnings()).toEqual(['MTLS_UNTRUSTED_PEER']);
      expect(emitWarning.mock.calls[0]?.[0]).toBe(
        'clientCertificate(): the x-ssl-cert header arrived from 127.0.0.2, which is not a trusted ' +
          'proxy, so it was ignored and req.clientCert stays undefined. If that peer is your ' +
          'proxy, add its address to trustProxy; if it is not, someone is sending certificate ' +
          'headers straight to the app. See ' +
          'docs/errors.md#mtls_untrusted_peer',
      );
    });

    it('names a Unix-socket peer as such in the untrusted-peer warning', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'express-mtls-'));
      const socketPath = join(dir, 'u.sock');
      try {
        const server = await listen(appWith({ format: 'nginx', trustProxy: 'loopback' }), {
          path: socketPath,
        });
        try {
          await get({ socketPath }, [['x-ssl-cert', NGINX_A]]);
        } finally {
          await server.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(emitWarning.mock.calls[0]?.[0]).toMatch(/arrived from a Unix socket, which is not/);
    });

    it.each<[string, ClientCertificateOptions['trustProxy']]>([
      ['an address (IPv4-mapped peer normalised)', '127.0.0.1'],
      ['a CIDR range', '127.0.0.0/8'],
      ['an array', ['10.0.0.1', '127.0.0.1']],
      ['"loopback"', 'loopback'],
    ])('trustProxy as %s overrides the app setting', async (_what, trustProxy) => {
      const app = appWith({ format: 'nginx', ...(trustProxy === undefined ? {} : { trustProxy }) });
      const server = await listen(app, { host: '::' });
      try {
        const res = await get({ port: server.port }, [['x-ssl-cert', NGINX_A]]);
        expect(JSON.parse(res.body)).toMatchObject({ thumbprint: X5T_S256['client-a'] });
      } finally {
        await server.close();
      }
    });

    it('trustProxy as a function gets the normalised peer address and hop index 0', async () => {
      const calls: unknown[][] = [];
      const app = appWith({
        format: 'nginx',
        trustProxy: (address, hop) => {
          calls.push([address, hop]);
          return address === '127.0.0.1';
        },
      });
      const server = await listen(app, { host: '::' });
      try {
        const res = await get({ port: server.port }, [['x-ssl-cert', NGINX_A]]);
        expect(JSON.parse(res.body)).toMatchObject({ thumbprint: X5T_S256['client-a'] });
      } finally {
        await server.close();
      }
      expect(calls).toEqual([
        ['0.0.0.0', 0],
        ['::', 0],
        ['127.0.0.1', 0],
      ]);
    });

    it('asks a trust function once per connection, and again after the app setting changes', async () => {
      let calls = 0;
      const app = appWith({ format: 'nginx' }, (a) =>
        a.set('trust proxy', (address: string) => {
          if (address === '127.0.0.1') calls++;
          return address === '127.0.0.1';
        }),
      );
      const server = await listen(app);
      const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let i = 0; i < 3; i++) {
          const res = await get({ port: server.port, agent }, [['x-ssl-cert', NGINX_A]]);
          expect(JSON.parse(res.body)).toMatchObject({ thumbprint: X5T_S256['client-a'] });
        }
        expect(calls).toBe(1);
        app.set('trust proxy', '10.0.0.1');
        const after = await get({ port: server.port, agent }, [['x-ssl-cert', NGINX_A]]);
        expect(JSON.parse(after.body)).toMatchObject({ thumbprint: null });
      } finally {
        agent.destroy();
        await server.close();
      }
    });

    it('a peer at another address than the trusted one is not trusted (127.0.0.2)', async () => {
      const server = await listen(appWith({ format: 'nginx', trustProxy: '127.0.0.1' }));
      try {
        const fromProxy = await get({ port: server.port }, [['x-ssl-cert', NGINX_A]]);
        expect(JSON.parse(fromProxy.body)).toMatchObject({ thumbprint: X5T_S256['client-a'] });
        const fromOther = await get({ port: server.port, localAddress: '127.0.0.2' }, [
          ['x-ssl-cert', NGINX_A],
        ]);
        expect(fromOther.status).toBe(200);
        expect(JSON.parse(fromOther.body)).toMatchObject({ thumbprint: null });
      } finally {
        await server.close();
      }
    });

    it('trusts an IPv6 proxy address (::1)', async () => {
      const server = await listen(appWith({ format: 'nginx', trustProxy: '::1' }), { host: '::1' });
      try {
        const res = await get({ port: server.port, host: '::1' }, [['x-ssl-cert', NGINX_A]]);
        expect(JSON.parse(res.body)).toMatchObject({ thumbprint: X5T_S256['client-a'] });
      } finally {
        await server.close();
      }
    });

    it('fails closed for Unix-socket peers unless a trustProxy function accepts them', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'express-mtls-'));
      try {
        for (const [trustProxy, expected] of [
          ['loopback', null],
          [(address: string | undefined) => address === undefined, X5T_S256['client-a']],
        ] as const) {
          const socketPath = join(dir, `s${String(expected).length}.sock`);
          const server = await listen(appWith({ format: 'nginx', trustProxy }), {
            path: socketPath,
          });
          try {
            const res = await get({ socketPath }, [['x-ssl-cert', NGINX_A]]);
            expect(JSON.parse(res.body)).toMatchObject({ thumbprint: expected });
          } finally {
            await server.close();
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('dangerouslyTrustAnyProxy believes every peer and warns loudly at creation', async () => {
      const middleware = clientCertificate({ format: 'nginx', dangerouslyTrustAnyProxy: true });
      expect(typeof middleware).toBe('function');
      expect(warnings()).toEqual(['MTLS_DANGEROUSLY_TRUST_ANY_PROXY']);
      expect(emitWarning.mock.calls[0]?.[0]).toMatch(/dangerouslyTrustAnyProxy is on/);
      const server = await listen(appWith({ format: 'nginx', dangerouslyTrustAnyProxy: true }));
      // Once per process: a second factory with the same setting does not repeat it.
      expect(warnings()).toEqual(['MTLS_DANGEROUSLY_TRUST_ANY_PROXY']);
      try {
        const res = await get({ port: server.port, localAddress: '127.0.0.2' }, [
          ['x-ssl-cert', NGINX_A],
        ]);
        expect(JSON.parse(res.body)).toMatchObject({ thumbprint: X5T_S256['client-a'] });
      } finally {
        await server.close();
      }
    });

    it('passes an error thrown by a trustProxy function to next(err)', async () => {
      const failure = new Error('trust store unavailable');
      const app = appWith({
        format: 'nginx',
        trustProxy: () => {
          throw failure;
        },
      });
      const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({
        code: null,
        message: 'trust store unavailable',
        processed: true,
      });
    });

    it('works without an Express app on req (nothing trusted)', async () => {
      const { createServer } = await import('node:http');
      const middleware = clientCertificate({ format: 'nginx' });
      const server = createServer((req, res) => {
        middleware(req as Request, res as never, () => {
          res.end(String((req as Request).clientCert === undefined));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const res = await get({ port: (server.address() as { port: number }).port }, [
          ['x-ssl-cert', NGINX_A],
        ]);
        expect(res.body).toBe('true');
      } finally {
        server.close();
      }
      expect(warnings()).toEqual(['MTLS_NO_TRUSTED_PROXY']);
    });
  });

  describe('misconfigurations explain themselves', () => {
    it('the configured header never arrives but another does: MTLS_WRONG_CERTIFICATE_HEADER names the fix', async () => {
      const events = collect(DIAGNOSTICS_CHANNELS.certificateAbsent);
      const app = appWith(trusted({ format: 'der-base64' }));
      try {
        for (let i = 0; i < 2; i++) {
          const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
          expect(res.body).toMatchObject({ processed: true, thumbprint: null });
        }
      } finally {
        events.stop();
      }
      expect(warnings()).toEqual(['MTLS_WRONG_CERTIFICATE_HEADER']);
      expect(emitWarning.mock.calls[0]?.[0]).toBe(
        "clientCertificate(): the proxy never sends the x-client-cert header (format 'der-base64'), " +
          "but the x-ssl-cert header arrives that looks like format 'nginx': use format: 'nginx'. " +
          'See docs/errors.md#mtls_wrong_certificate_header',
      );
      expect(events.messages).toEqual([
        {
          reason: 'no_header',
          peer: '127.0.0.1',
          header: 'x-client-cert',
          format: 'der-base64',
          otherHeader: 'x-ssl-cert',
          suggestion: "format: 'nginx'",
        },
        expect.objectContaining({ otherHeader: 'x-ssl-cert' }),
      ]);
    });

    it.each<[string, string, string, string]>([
      ['x-arr-clientcert', 'MIIB', 'nginx', "format: 'der-base64', header: 'x-arr-clientcert'"],
      ['client-cert', 'not a known shape @@', 'nginx', "header: 'client-cert'"],
    ])('another header %s: suggests %#', async (other, value, format, fix) => {
      const res = await request(appWith(trusted({ format: format as 'nginx' })))
        .get('/')
        .set(other, value);
      expect(res.body).toMatchObject({ thumbprint: null });
      expect(warnings()).toEqual(['MTLS_WRONG_CERTIFICATE_HEADER']);
      expect(emitWarning.mock.calls[0]?.[0]).toContain(`: use ${fix}.`);
    });

    it('no certificate header at all: a debug event, no warning', async () => {
      const events = collect(DIAGNOSTICS_CHANNELS.certificateAbsent);
      try {
        await request(appWith(trusted({ format: 'nginx' }))).get('/');
        await request(appWith(trusted({ format: 'pem' })))
          .get('/')
          .set('x-ssl-cert', '(null)');
        await request(appWith({ format: 'nginx', trustProxy: '10.0.0.1' })).get('/');
        await request(appWith(trusted({ format: () => undefined }))).get('/');
        await request(appWith(trusted({ format: () => [] }))).get('/');
      } finally {
        events.stop();
      }
      expect(warnings()).toEqual([]);
      expect(events.messages.map((m) => [m.reason, m.trusted])).toEqual([
        ['no_header', undefined],
        ['no_certificate', undefined],
        ['no_header', false],
        ['no_certificate', undefined],
        ['no_certificate', undefined],
      ]);
    });

    it('a wrong format on the right header: 400 whose message names the format, one MTLS_FORMAT_MISMATCH', async () => {
      const app = appWith(trusted({ format: 'pem' }));
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          code: 'ERR_MTLS_HEADER_MALFORMED',
          reason: 'pem',
          message: expect.stringMatching(
            /^x-ssl-cert header: .*; the value decodes as format 'nginx': use format: 'nginx'$/,
          ),
        });
      }
      expect(warnings()).toEqual(['MTLS_FORMAT_MISMATCH']);
      expect(emitWarning.mock.calls[0]?.[0]).toBe(
        "clientCertificate(): the x-ssl-cert header does not decode as format 'pem' (pem), but " +
          "the value decodes as format 'nginx': use format: 'nginx'. " +
          'See docs/errors.md#mtls_format_mismatch',
      );
    });

    it.each<[string, ClientCertificateOptions, string]>([
      ['base64 DER read as rfc9440', { format: 'rfc9440', header: 'x-cert' }, HAPROXY_A],
      [
        'an RFC 9440 value read as der-base64',
        { format: 'der-base64', header: 'x-cert' },
        `:${HAPROXY_A}:`,
      ],
    ])('%s: the hint names the other format', async (_what, options, value) => {
      const res = await request(appWith(trusted(options)))
        .get('/')
        .set('x-cert', value);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/the value decodes as format '(der-base64|rfc9440)'/);
      expect(warnings()).toEqual(['MTLS_FORMAT_MISMATCH']);
    });

    it('a malformed value that no other format reads gets no hint and no warning', async () => {
      const res = await request(appWith(trusted({ format: 'pem' })))
        .get('/')
        .set('x-ssl-cert', '-----BEGIN%20CERTIFICATE-----%0Aabc');
      expect(res.status).toBe(400);
      expect(res.body.message).not.toMatch(/decodes as format/);
      expect(warnings()).toEqual([]);
    });
  });

  describe('proxyVerification', () => {
    const verification = (onFailure?: 'ignore' | 'error'): ClientCertificateOptions =>
      trusted({
        format: 'nginx',
        proxyVerification: {
          header: 'x-ssl-client-verify',
          value: 'SUCCESS',
          ...(onFailure === undefined ? {} : { onFailure }),
        },
      });

    it('believes the certificate when the proxy says SUCCESS', async () => {
      const res = await request(appWith(verification()))
        .get('/')
        .set('x-ssl-cert', NGINX_A)
        .set('x-ssl-client-verify', 'SUCCESS');
      expect(res.body).toMatchObject({ thumbprint: X5T_S256['client-a'] });
    });

    it.each([
      ['another value', { 'x-ssl-client-verify': 'FAILED:unable to get local issuer certificate' }],
      ['an absent verification header', {}],
    ])('does not believe it with %s (and never parses it)', async (_what, extra) => {
      const events = collect(DIAGNOSTICS_CHANNELS.certificateIgnored);
      try {
        const res = await withHeaders(
          request(appWith(verification())).get('/').set('x-ssl-cert', 'not even pem'),
          extra,
        );
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ processed: true, thumbprint: null });
      } finally {
        events.stop();
      }
      expect(events.messages).toEqual([
        { reason: 'proxy_not_verified', peer: '127.0.0.1', header: 'x-ssl-cert', format: 'nginx' },
      ]);
    });

    it('onFailure: "error" → 403 ERR_MTLS_CERTIFICATE_UNTRUSTED (reason rejected)', async () => {
      const res = await request(appWith(verification('error')))
        .get('/')
        .set('x-ssl-cert', NGINX_A)
        .set('x-ssl-client-verify', 'NONE');
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED',
        reason: 'rejected',
      });
    });

    it('is not consulted when no certificate was forwarded', async () => {
      const res = await request(appWith(verification('error')))
        .get('/')
        .set('x-ssl-client-verify', 'NONE');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ thumbprint: null });
    });

    it('a repeated verification header → 400 ERR_MTLS_HEADER_DUPLICATE', async () => {
      const res = await request(appWith(verification()))
        .get('/')
        .set('x-ssl-cert', NGINX_A)
        .set('x-ssl-client-verify' as 'Cookie', ['SUCCESS', 'SUCCESS']);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'ERR_MTLS_HEADER_DUPLICATE' });
    });

    it('also gates a custom format', async () => {
      const app = appWith(
        trusted({
          format: () => [der('client-b')],
          proxyVerification: { header: 'x-verified', value: ['0'] },
        }),
      );
      expect((await request(app).get('/').set('x-verified', '0')).body).toMatchObject({
        thumbprint: X5T_S256['client-b'],
      });
      expect((await request(app).get('/').set('x-verified', '21')).body).toMatchObject({
        thumbprint: null,
      });
    });
  });

  describe('Vary (RFC 9440 §2.4)', () => {
    it('adds the header to Vary whenever it was read from a trusted proxy', async () => {
      const app = appWith(trusted({ format: 'nginx' }));
      expect((await request(app).get('/').set('x-ssl-cert', NGINX_A)).headers.vary).toBe(
        'x-ssl-cert',
      );
      expect((await request(app).get('/')).headers.vary).toBe('x-ssl-cert');
    });

    it('lists both RFC 9440 fields and appends to an existing Vary', async () => {
      const app = appWith(trusted({ format: 'rfc9440' }), (a) =>
        a.use((_req, res, next) => {
          res.set('Vary', 'Accept-Encoding');
          next();
        }),
      );
      const res = await request(app).get('/').set('client-cert', CLIENT_CERT);
      expect(res.headers.vary).toBe('Accept-Encoding, client-cert, client-cert-chain');
    });

    it('is left alone with vary: false, and for untrusted peers', async () => {
      const off = await request(appWith(trusted({ format: 'nginx', vary: false })))
        .get('/')
        .set('x-ssl-cert', NGINX_A);
      expect(off.body).toMatchObject({ thumbprint: X5T_S256['client-a'] });
      expect(off.headers.vary).toBeUndefined();
      const untrusted = await request(appWith({ format: 'nginx', trustProxy: '10.0.0.1' }))
        .get('/')
        .set('x-ssl-cert', NGINX_A);
      expect(untrusted.headers.vary).toBeUndefined();
    });
  });

  describe('cache', () => {
    it('returns the same object for the same header value', async () => {
      const app = appWith(trusted({ format: 'nginx' }));
      await request(app).get('/').set('x-ssl-cert', NGINX_A);
      await request(app).get('/').set('x-ssl-cert', NGINX_A);
      expect(certificates[0]).toBeDefined();
      expect(certificates[1]).toBe(certificates[0]);
    });

    it('keys on the chain header too', async () => {
      const app = appWith(trusted({ format: 'rfc9440' }));
      await request(app).get('/').set('client-cert', CLIENT_CERT);
      await request(app)
        .get('/')
        .set('client-cert', CLIENT_CERT)
        .set('client-cert-chain', CHAIN_ROOT);
      expect(certificates[1]).not.toBe(certificates[0]);
      expect(certificates[1]?.chain.map((c) => c.thumbprint)).toEqual([RFC9440_X5T.root]);
    });

    it('is bounded by cacheSize (least recently used evicted) and disabled by 0', async () => {
      const sequence = [NGINX_A, NGINX_B, NGINX_A, NGINX_B, NGINX_B];
      for (const cacheSize of [2, 1, 0]) {
        certificates.length = 0;
        const app = appWith(trusted({ format: 'nginx', cacheSize }));
        for (const value of sequence) await request(app).get('/').set('x-ssl-cert', value);
        const same = (i: number, j: number): boolean => certificates[i] === certificates[j];
        expect([cacheSize, same(0, 2), same(1, 3), same(3, 4)]).toEqual(
          cacheSize === 2
            ? [2, true, true, true]
            : cacheSize === 1
              ? [1, false, false, true]
              : [0, false, false, false],
        );
      }
    });
  });

  describe('diagnostics', () => {
    it('publishes certificateAccepted with the thumbprint and source, never the header', async () => {
      const events = collect(DIAGNOSTICS_CHANNELS.certificateAccepted);
      try {
        await request(appWith(trusted({ format: 'nginx' })))
          .get('/')
          .set('x-ssl-cert', NGINX_A);
      } finally {
        events.stop();
      }
      expect(events.messages).toEqual([
        {
          thumbprint: X5T_S256['client-a'],
          source: { type: 'header', format: 'nginx', header: 'x-ssl-cert' },
          chainLength: 0,
          peer: '127.0.0.1',
        },
      ]);
      expect(JSON.stringify(events.messages)).not.toContain('MIIChTCCAiugAwIBAgIU');
    });

    it('publishes certificateRejected with the code and reason on errors', async () => {
      const events = collect(DIAGNOSTICS_CHANNELS.certificateRejected);
      try {
        await request(appWith(trusted({ format: 'der-base64' })))
          .get('/')
          .set('x-client-cert', 'a-b');
      } finally {
        events.stop();
      }
      expect(events.messages).toEqual([
        {
          code: 'ERR_MTLS_HEADER_MALFORMED',
          reason: 'base64',
          message: 'x-client-cert header: not standard base64 with padding',
          peer: '127.0.0.1',
          header: 'x-client-cert',
          format: 'der-base64',
          action: 'error',
        },
      ]);
    });
  });

  describe('sources: the TLS socket ("tls") and "auto"', () => {
    async function httpsServe(
      app: Express,
      withCa = true,
    ): Promise<{ port: number; close: () => Promise<void> }> {
      const server = createHttpsServer(
        {
          key: key('server'),
          cert: pem('server-fullchain'),
          requestCert: true,
          rejectUnauthorized: false,
          ...(withCa ? { ca: pem('root-ca') } : {}),
        },
        app,
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        port: (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => {
              resolve();
            });
          }),
      };
    }

    function httpsGet(
      port: number,
      client: 'client-a' | 'client-b' | undefined,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            servername: 'localhost',
            ca: pem('root-ca'),
            agent: false,
            headers,
            ...(client === undefined
              ? {}
              : {
                  key: key(client),
                  cert: pem(client === 'client-a' ? 'client-a-fullchain' : client),
                }),
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => {
              resolve({
                status: res.statusCode ?? 0,
                body: JSON.parse(text) as Record<string, unknown>,
              });
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    it('with no options, reads the TLS peer certificate (authorized against the server ca)', async () => {
      const events = collect(DIAGNOSTICS_CHANNELS.certificateAccepted);
      const server = await httpsServe(appWith());
      try {
        const res = await httpsGet(server.port, 'client-a');
        expect(res.body).toEqual({
          processed: true,
          thumbprint: X5T_S256['client-a'],
          chain: [X5T_S256['intermediate-ca']],
          source: { type: 'tls', authorized: true },
        });
      } finally {
        events.stop();
        await server.close();
      }
      expect(events.messages).toEqual([
        {
          thumbprint: X5T_S256['client-a'],
          source: { type: 'tls', authorized: true },
          chainLength: 1,
          peer: '127.0.0.1',
        },
      ]);
      expect(warnings()).toEqual([]);
    });

    it('reports authorized: false with the reason when Node could not verify it', async () => {
      const server = await httpsServe(appWith({ source: 'tls' }), false);
      try {
        const res = await httpsGet(server.port, 'client-b');
        expect(res.body).toMatchObject({
          thumbprint: X5T_S256['client-b'],
          source: {
            type: 'tls',
            authorized: false,
            authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
          },
        });
      } finally {
        await server.close();
      }
    });

    it('leaves req.clientCert undefined when the TLS client sent no certificate', async () => {
      const server = await httpsServe(appWith({ source: 'tls' }));
      try {
        expect((await httpsGet(server.port, undefined)).body).toMatchObject({
          processed: true,
          thumbprint: null,
        });
      } finally {
        await server.close();
      }
    });

    it('never reads a header with the TLS source, and warns once when TLS is missing', async () => {
      const app = appWith({ source: 'tls' });
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get('/').set('x-ssl-cert', NGINX_A);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ processed: true, thumbprint: null });
      }
      expect(warnings()).toEqual(['MTLS_NOT_TLS']);
    });

    it('TLS: a chain over maxChainLength → 400 ERR_MTLS_CHAIN_TOO_LONG', async () => {
      const server = await httpsServe(appWith({ maxChainLength: 0 }));
      try {
        const res = await httpsGet(server.port, 'client-a');
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'ERR_MTLS_CHAIN_TOO_LONG', processed: true });
        expect(res.body.message).toMatch(/^TLS peer certificate: .*maxChainLength \(0\)/);
      } finally {
        await server.close();
      }
    });

    it('auto: an untrusted TLS peer gets its own TLS certificate; its header is ignored', async () => {
      const server = await httpsServe(
        appWith({ source: 'auto', format: 'nginx', trustProxy: '10.0.0.1' }),
      );
      try {
        const res = await httpsGet(server.port, 'client-a', { 'x-ssl-cert': NGINX_B });
        expect(res.body).toMatchObject({
          thumbprint: X5T_S256['client-a'],
          source: { type: 'tls', authorized: true },
        });
      } finally {
        await server.close();
      }
    });

    it("auto: a trusted proxy's header wins; its own TLS certificate is never the client's", async () => {
      const server = await httpsServe(
        appWith({ source: 'auto', format: 'nginx', trustProxy: 'loopback' }),
      );
      try {
        const withHeader = await httpsGet(server.port, 'client-a', { 'x-ssl-cert': NGINX_B });
        expect(withHeader.body).toMatchObject({
          thumbprint: X5T_S256['client-b'],
          source: { type: 'header', format: 'nginx', header: 'x-ssl-cert' },
        });
        const withoutHeader = await httpsGet(server.port, 'client-a');
        expect(withoutHeader.body).toMatchObject({ thumbprint: null });
      } finally {
        await server.close();
      }
    });

    it('auto over plain HTTP: the header from a trusted proxy, nothing from others', async () => {
      const trustedApp = appWith({ source: 'auto', format: 'nginx', trustProxy: 'loopback' });
      expect((await request(trustedApp).get('/').set('x-ssl-cert', NGINX_A)).body).toMatchObject({
        thumbprint: X5T_S256['client-a'],
      });
      const untrustedApp = appWith({ source: 'auto', format: 'nginx', trustProxy: '10.0.0.1' });
      expect((await request(untrustedApp).get('/').set('x-ssl-cert', NGINX_A)).body).toMatchObject({
        thumbprint: null,
      });
      expect(warnings()).toEqual(['MTLS_UNTRUSTED_PEER']);
    });
  });

  describe('Node limits before Express runs (documented behaviour)', () => {
    it('Node refuses the legacy tab-folded nginx $ssl_client_cert with 400', async () => {
      let reached = false;
      const app = appWith(trusted({ format: 'pem' }), (a) =>
        a.use((_req, _res, next) => {
          reached = true;
          next();
        }),
      );
      const legacy = proxyCaptures('nginx').find((c) => c.wire === true)!.values['client-a']!;
      const server = await listen(app);
      try {
        const answer = await rawRequest(
          server.port,
          `GET / HTTP/1.1\r\nHost: x\r\nX-SSL-Cert: ${legacy.replace(/\n/g, '\r\n')}\r\nConnection: close\r\n\r\n`,
        );
        expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      } finally {
        await server.close();
      }
      expect(reached).toBe(false);
    });

    it('Node answers 431 itself when all headers exceed its 16 KiB default', async () => {
      const server = await listen(appWith(trusted({ format: 'nginx', maxHeaderBytes: 1 << 20 })));
      try {
        const res = await get({ port: server.port }, [['x-ssl-cert', 'A'.repeat(17 * 1024)]]);
        expect(res.status).toBe(431);
      } finally {
        await server.close();
      }
    });
  });
});
