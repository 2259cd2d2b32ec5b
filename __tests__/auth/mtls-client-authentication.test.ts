import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { forgetWarnings } from '../../lib/warnings';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import express5, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import request from 'supertest';
import type { OAuthClientMetadata } from '../../lib/auth/client-metadata';
import {
  clientCertificate,
  ClientCertificate,
  confirmationClaim,
  DIAGNOSTICS_CHANNELS,
  mtlsClientAuthentication,
  mtlsErrorHandler,
} from '../../lib';
import { certificateLayout } from '../../lib/internal/der';
import { markCertificateProcessed } from '../../lib/internal/request-state';
import { postWithoutBody } from '../helpers/bodyless-post';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { key, pem, X5T_S256 } from '../helpers/fixtures';
import { selfSignedWithCommonName } from '../helpers/hostile-certificate';
import { tlv } from '../helpers/tlv';
import { CLIENT_AUTH_X5T, clientAuthPem, rfc8705AppendixAJwk } from './client-auth-fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express5;

type Options = Parameters<typeof mtlsClientAuthentication>[0];
type Jwk = Record<string, unknown>;

/** The public JWK of a certificate's key (node:crypto export), with `x5c` unless told not to. */
function jwkOf(certificatePem: string, withX5c = true): Jwk {
  const x509 = new X509Certificate(certificatePem);
  const jwk = x509.publicKey.export({ format: 'jwk' }) as Jwk;
  return withX5c ? { ...jwk, x5c: [x509.raw.toString('base64')] } : jwk;
}

/** The nginx `$ssl_client_escaped_cert` header for a PEM text (leaf, then any chain). */
function certHeader(pemText: string): Record<string, string> {
  return { 'x-ssl-cert': encodeURIComponent(pemText) };
}

/** A real loopback server publishing a JWK Set that tests can change; counts requests. */
class JwksServer {
  readonly server: Server;
  body = '';
  requests = 0;

  constructor() {
    this.server = createServer((_req, res) => {
      this.requests++;
      res.setHeader('content-type', 'application/json');
      res.end(this.body);
    });
  }

  publish(keys: Jwk[]): void {
    this.body = JSON.stringify({ keys });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }
}

/**
 * client-a's certificate with its subject replaced by `O=express-mtls tests` (UTF8String) and a
 * CN of the given DER string type and content bytes, re-signed by the test intermediate CA.
 */
function clientAWithCommonName(tag: number, content: Buffer): string {
  const der = Buffer.from(new X509Certificate(pem('client-a')).raw);
  const layout = certificateLayout(der);
  const attribute = (oid: number[], valueTag: number, value: Buffer): Buffer =>
    tlv(0x31, tlv(0x30, tlv(0x06, oid), tlv(valueTag, value)));
  const subject = tlv(
    0x30,
    attribute([0x55, 0x04, 0x0a], 0x0c, Buffer.from('express-mtls tests')),
    attribute([0x55, 0x04, 0x03], tag, content),
  );
  const tbs = tlv(
    0x30,
    der.subarray(layout.tbs.valueStart, layout.subject.start),
    subject,
    der.subarray(layout.subject.end, layout.tbs.end),
  );
  const signature = sign('sha256', tbs, createPrivateKey(key('intermediate-ca')));
  const certificate = tlv(
    0x30,
    tbs,
    der.subarray(layout.signatureAlgorithm.start, layout.signatureAlgorithm.end),
    tlv(0x03, [0x00], signature),
  );
  const body = certificate.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

const DN_CLIENT_A = 'CN=client-a,OU=Payments,O=express-mtls tests,C=US';
const TLS = 'tls_client_auth';
const SELF = 'self_signed_tls_client_auth';

let jwksServer: JwksServer;
let clients: Record<string, OAuthClientMetadata>;

beforeAll(async () => {
  jwksServer = await new JwksServer().start();
  clients = {
    'pki-dn': { token_endpoint_auth_method: TLS, tls_client_auth_subject_dn: DN_CLIENT_A },
    'pki-dns': {
      token_endpoint_auth_method: TLS,
      tls_client_auth_san_dns: 'CLIENT-A.example.test',
    },
    'pki-uri': {
      token_endpoint_auth_method: TLS,
      tls_client_auth_san_uri: 'spiffe://example.test/client-a',
    },
    'pki-ip': { token_endpoint_auth_method: TLS, tls_client_auth_san_ip: '2001:db8:0:0:0:0:0:a' },
    'pki-email': {
      token_endpoint_auth_method: TLS,
      tls_client_auth_san_email: 'client-a@EXAMPLE.TEST',
    },
    'pki-localhost': {
      token_endpoint_auth_method: TLS,
      tls_client_auth_subject_dn: 'CN=localhost,O=express-mtls tests,C=US',
    },
    'pki-san-ip-malformed-cert': {
      token_endpoint_auth_method: TLS,
      tls_client_auth_san_ip: '192.168.0.0',
    },
    'pki-admin': {
      token_endpoint_auth_method: TLS,
      tls_client_auth_subject_dn: 'CN=admin,O=express-mtls tests',
    },
    'pki-admin-dotless': {
      token_endpoint_auth_method: TLS,
      tls_client_auth_subject_dn: 'cn=ADMın,o=EXPRESS-MTLS TESTS',
    },
    'pki-none': { token_endpoint_auth_method: TLS },
    'pki-two': {
      token_endpoint_auth_method: TLS,
      tls_client_auth_subject_dn: DN_CLIENT_A,
      tls_client_auth_san_dns: 'client-a.example.test',
    },
    'pki-bad-dn': { token_endpoint_auth_method: TLS, tls_client_auth_subject_dn: 'CN=a;O=b' },
    'ss-rsa': { token_endpoint_auth_method: SELF, jwks: { keys: [jwkOf(pem('self-signed'))] } },
    'ss-ec': {
      token_endpoint_auth_method: SELF,
      jwks: { keys: [jwkOf(clientAuthPem('self-signed-ec'))] },
    },
    'ss-rfc8705': { token_endpoint_auth_method: SELF, jwks: { keys: [rfc8705AppendixAJwk()] } },
    'ss-uri': { token_endpoint_auth_method: SELF, jwks_uri: jwksServer.url },
    'ss-both': {
      token_endpoint_auth_method: SELF,
      jwks: { keys: [] },
      jwks_uri: jwksServer.url,
    },
    'ss-none': { token_endpoint_auth_method: SELF, jwks: null },
    'ss-bad-jwks': { token_endpoint_auth_method: SELF, jwks: { keys: 'x' } as never },
    'ss-cyclic-jwks': { token_endpoint_auth_method: SELF, jwks: cyclic() },
    'ss-ftp-uri': { token_endpoint_auth_method: SELF, jwks_uri: 'ftp://127.0.0.1/jwks' },
    'ss-number-uri': { token_endpoint_auth_method: SELF, jwks_uri: 42 as never },
    'ss-down-uri': { token_endpoint_auth_method: SELF, jwks_uri: 'http://127.0.0.1:9/jwks' },
    'ss-pubkey': {
      token_endpoint_auth_method: SELF,
      jwks: { keys: [jwkOf(pem('self-signed'), false)] },
    },
    'ss-skipped': {
      token_endpoint_auth_method: SELF,
      jwks: { keys: ['junk', jwkOf(pem('self-signed'))] },
    },
    'secret-basic': { token_endpoint_auth_method: 'client_secret_basic' },
    'no-method': { client_name: 'defaults to client_secret_basic' },
  };
});

afterAll(async () => {
  await jwksServer.stop();
});

function cyclic(): OAuthClientMetadata['jwks'] {
  const keys: unknown[] = [];
  const set = { keys };
  keys.push(set);
  return set;
}

function getClient(id: string): Promise<OAuthClientMetadata | undefined> {
  if (id === 'broken') return Promise.reject(new Error('database down'));
  if (id === 'hangs') return new Promise(() => undefined);
  if (id === 'not-an-object') return Promise.resolve('pki-dn' as never);
  if (id === 'null') return Promise.resolve(null as never);
  return Promise.resolve(clients[id]);
}

const BASE: Options = {
  getClient,
  trustAnchors: [pem('root-ca')],
  intermediates: [pem('intermediate-ca')],
  jwksUri: { dangerouslyAllowHttp: true, cooldown: 0 },
};

interface Captured {
  errors: unknown[];
  events: Record<string, unknown>[];
}

describe.each(EXPRESS_VERSIONS)('mtlsClientAuthentication() on %s', (version, makeApp) => {
  const parsers = version === 'express 4' ? express4 : express5;
  let captured: Captured;
  const listener = (message: unknown): void => {
    captured.events.push(message as Record<string, unknown>);
  };

  beforeEach(() => {
    captured = { errors: [], events: [] };
    subscribe(DIAGNOSTICS_CHANNELS.oauthClient, listener);
  });

  afterEach(() => {
    unsubscribe(DIAGNOSTICS_CHANNELS.oauthClient, listener);
  });

  function app(
    options: Partial<Options> = {},
    {
      bodyParsers = true,
      certificate = 'real',
    }: { bodyParsers?: boolean; certificate?: 'real' | 'none' | 'marker' } = {},
  ): Express {
    const a = makeApp();
    const chain: RequestHandler[] = [];
    if (bodyParsers) chain.push(parsers.urlencoded({ extended: false }), parsers.json());
    if (certificate === 'real') {
      chain.push(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
    } else if (certificate === 'marker') {
      chain.push((req, _res, next) => {
        markCertificateProcessed(req);
        next();
      });
    }
    chain.push(mtlsClientAuthentication({ ...BASE, ...options }));
    a.post('/token', ...chain, (req, res) => {
      const auth = req.oauthClient;
      res.json(
        auth === undefined
          ? { authenticated: false }
          : {
              clientId: auth.clientId,
              method: auth.method,
              cnf: confirmationClaim(auth.certificate),
              metadataMethod: auth.metadata.token_endpoint_auth_method,
            },
      );
    });
    const capture: ErrorRequestHandler = (err, _req, _res, next) => {
      captured.errors.push(err);
      next(err);
    };
    a.use(capture, mtlsErrorHandler());
    return a;
  }

  function token(
    a: Express,
    certificatePem: string | undefined,
    body: string | Record<string, unknown> | undefined,
    as: 'form' | 'json' = 'form',
  ): request.Test {
    let req = request(a).post('/token');
    if (certificatePem !== undefined) req = req.set(certHeader(certificatePem));
    if (body === undefined) return req;
    return req.type(as).send(body);
  }

  function lastError(): Record<string, unknown> {
    expect(captured.errors).toHaveLength(1);
    return captured.errors[0] as Record<string, unknown>;
  }

  function lastEvent(): Record<string, unknown> {
    expect(captured.events).toHaveLength(1);
    return captured.events[0] as Record<string, unknown>;
  }

  async function expectInvalidClient(response: request.Response, reason: string): Promise<void> {
    await Promise.resolve();
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(lastError()).toMatchObject({ code: 'ERR_MTLS_INVALID_CLIENT', status: 401, reason });
    expect(lastEvent()).toMatchObject({ outcome: 'rejected', reason });
  }

  describe('untrusted text in messages and events (escaped, clipped)', () => {
    const HOSTILE = '\u2028\u2029\u0085\u202e';
    const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

    function expectSafe(error: Record<string, unknown>, event: Record<string, unknown>): void {
      const message = error.message as string;
      expect(message).toMatch(PRINTABLE_ASCII);
      expect(message.length).toBeLessThan(700);
      for (const [field, value] of Object.entries(event)) {
        expect([field, typeof value === 'string' && PRINTABLE_ASCII.test(value)]).toEqual([
          field,
          true,
        ]);
        expect([field, (value as string).length <= 512]).toEqual([field, true]);
      }
    }

    it('a client_id of 5,000+ characters holding U+2028, U+2029, U+0085, U+202E', async () => {
      const clientId = `${HOSTILE}${'x'.repeat(5000)}${HOSTILE}`;
      const response = await token(app(), pem('client-a'), { client_id: clientId });
      await expectInvalidClient(response, 'unknown_client');
      expectSafe(lastError(), lastEvent());
      expect(lastError().message).toBe(
        `client "\\u2028\\u2029\\u0085\\u202e${'x'.repeat(40)}"... is not registered`,
      );
      expect(lastEvent().clientId).toBe(`\\u2028\\u2029\\u0085\\u202e${'x'.repeat(232)}...`);
    });

    it('a certificate whose subject CN holds 5,000+ characters with U+2028, U+2029, U+0085, U+202E', async () => {
      const commonName = `${HOSTILE}${'A'.repeat(1300)}`.repeat(4);
      const response = await token(app(), selfSignedWithCommonName(commonName), {
        client_id: 'pki-dn',
      });
      await expectInvalidClient(response, 'chain:self_signed_not_allowed');
      expectSafe(lastError(), lastEvent());
      expect(lastEvent().subject).toBe(
        `CN=\\u2028\\u2029\\u0085\\u202e${'A'.repeat(256 - 3 - 24)}...`,
      );
    });
  });

  describe('tls_client_auth (RFC 8705 §2.1)', () => {
    it.each([
      ['pki-dn', 'form'],
      ['pki-dns', 'json'],
      ['pki-uri', 'form'],
      ['pki-ip', 'json'],
      ['pki-email', 'form'],
    ] as const)('authenticates %s (%s body)', async (clientId, as) => {
      const response = await token(
        app(),
        pem('client-a'),
        { grant_type: 'client_credentials', client_id: clientId },
        as,
      );
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        clientId,
        method: TLS,
        cnf: { 'x5t#S256': X5T_S256['client-a'] },
        metadataMethod: TLS,
      });
      expect(captured.errors).toEqual([]);
      expect(lastEvent()).toEqual({
        outcome: 'authenticated',
        clientId,
        method: TLS,
        thumbprint: X5T_S256['client-a'],
        subject: DN_CLIENT_A,
        match: 'subject',
      });
    });

    it('builds the path from a presented intermediate when none is configured', async () => {
      const a = app({ intermediates: undefined });
      const response = await token(a, pem('client-a-fullchain'), 'client_id=pki-dn');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ clientId: 'pki-dn' });
    });

    it('rejects a leaf whose issuer it cannot find: chain:unknown_issuer', async () => {
      const a = app({ intermediates: undefined });
      await expectInvalidClient(
        await token(a, pem('client-a'), 'client_id=pki-dn'),
        'chain:unknown_issuer',
      );
    });

    it('rejects a self-signed certificate carrying the registered DN: chain:self_signed_not_allowed', async () => {
      const response = await token(app(), clientAuthPem('forged-client-a'), 'client_id=pki-dn');
      await expectInvalidClient(response, 'chain:self_signed_not_allowed');
      expect(lastEvent()).toMatchObject({
        clientId: 'pki-dn',
        thumbprint: CLIENT_AUTH_X5T['forged-client-a'],
        subject: DN_CLIENT_A,
      });
    });

    it('rejects a server certificate (EKU serverAuth): chain:eku_not_client_auth', async () => {
      const response = await token(app(), pem('server'), 'client_id=pki-localhost');
      await expectInvalidClient(response, 'chain:eku_not_client_auth');
    });

    it('rejects another client of the same CA: subject_mismatch', async () => {
      for (const clientId of ['pki-dn', 'pki-dns', 'pki-uri', 'pki-ip', 'pki-email']) {
        captured = { errors: [], events: [] };
        const response = await token(app(), pem('client-b'), { client_id: clientId });
        await expectInvalidClient(response, 'subject_mismatch');
        expect(lastError().message).toContain(
          `client ${JSON.stringify(clientId)}: certificate does not carry the registered tls_client_auth_`,
        );
      }
    });

    it('rejects CN=admın (U+0131) for a registered CN=admin (RFC 4518 B.2 folding): subject_mismatch', async () => {
      const response = await token(app(), clientAuthPem('dn-dotless-i'), 'client_id=pki-admin');
      await expectInvalidClient(response, 'subject_mismatch');
      expect(lastEvent()).toMatchObject({
        clientId: 'pki-admin',
        thumbprint: CLIENT_AUTH_X5T['dn-dotless-i'],
      });
    });

    it.each<[string, number, Buffer]>([
      ['PrintableString admin (control)', 0x13, Buffer.from('admin')],
      ['UTF8String with a soft hyphen (RFC 4518 §2.2)', 0x0c, Buffer.from('ad\u00admin')],
      ['UTF8String with a zero-width space (RFC 4518 §2.2)', 0x0c, Buffer.from('adm\u200bin')],
      ['UTF8String with a byte-order mark (RFC 4518 §2.2)', 0x0c, Buffer.from('\ufeffadmin')],
      ['UTF8String in fullwidth forms (NFKC)', 0x0c, Buffer.from('ＡＤＭＩＮ')],
    ])(
      'accepts CN=%s for a registered CN=admin: an intended equivalence',
      async (_what, tag, content) => {
        const response = await token(
          app(),
          clientAWithCommonName(tag, content),
          'client_id=pki-admin',
        );
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ clientId: 'pki-admin', method: TLS });
      },
    );

    it.each<[string, number, Buffer]>([
      ['PrintableString with a NUL', 0x13, Buffer.from('ad\0min', 'latin1')],
      ['IA5String with DEL and C1 U+0081', 0x16, Buffer.from('ad\x7fmi\x81n', 'latin1')],
      ['TeletexString with a trailing NUL', 0x14, Buffer.from('admin\0', 'latin1')],
      ['UTF8String with a BEL', 0x0c, Buffer.from('adm\u0007in')],
    ])('rejects CN=%s for a registered CN=admin: subject_mismatch', async (_what, tag, content) => {
      const response = await token(
        app(),
        clientAWithCommonName(tag, content),
        'client_id=pki-admin',
      );
      await expectInvalidClient(response, 'subject_mismatch');
    });

    it('still accepts the same certificate for its own DN, in another case', async () => {
      const response = await token(
        app(),
        clientAuthPem('dn-dotless-i'),
        'client_id=pki-admin-dotless',
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ clientId: 'pki-admin-dotless', method: TLS });
    });

    it('rejects a certificate whose SAN extension cannot be read, in the chain check (RFC 5280 profile)', async () => {
      const response = await token(
        app(),
        clientAuthPem('san-malformed'),
        'client_id=pki-san-ip-malformed-cert',
      );
      await expectInvalidClient(response, 'chain:profile_violation');
    });

    it.each([
      ['pki-none', 'incomplete_registration', 'the client registered none'],
      ['pki-two', 'ambiguous_registration', 'requires exactly one subject parameter'],
      ['pki-bad-dn', 'invalid_registration', 'invalid distinguished name at offset 4'],
    ])('reports an unusable registration (%s): %s', async (clientId, reason, detail) => {
      const response = await token(app(), pem('client-a'), { client_id: clientId });
      await expectInvalidClient(response, reason);
      expect(lastError().message).toContain(detail);
      expect(lastEvent().detail).toContain(detail);
    });
  });

  describe('self_signed_tls_client_auth (RFC 8705 §2.2)', () => {
    it.each([
      ['ss-rsa', pem('self-signed'), X5T_S256['self-signed']],
      ['ss-ec', clientAuthPem('self-signed-ec'), CLIENT_AUTH_X5T['self-signed-ec']],
      [
        'ss-rfc8705',
        clientAuthPem('rfc8705-appendix-a'),
        'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0',
      ],
      ['ss-skipped', pem('self-signed'), X5T_S256['self-signed']],
    ])(
      'authenticates %s with its registered certificate',
      async (clientId, certificatePem, x5t) => {
        const response = await token(app(), certificatePem, { client_id: clientId }, 'json');
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          clientId,
          method: SELF,
          cnf: { 'x5t#S256': x5t },
          metadataMethod: SELF,
        });
        expect(lastEvent()).toMatchObject({ outcome: 'authenticated', match: 'certificate' });
      },
    );

    it('reuses the compiled inline JWK Set for later requests', async () => {
      const a = app();
      expect((await token(a, pem('self-signed'), 'client_id=ss-rsa')).status).toBe(200);
      expect((await token(a, pem('self-signed'), 'client_id=ss-rsa')).status).toBe(200);
      expect((await token(a, clientAuthPem('self-signed-other'), 'client_id=ss-rsa')).status).toBe(
        401,
      );
      expect(captured.events.map((e) => [e.outcome, e.reason])).toEqual([
        ['authenticated', undefined],
        ['authenticated', undefined],
        ['rejected', 'unregistered_certificate'],
      ]);
    });

    it('does not validate a chain: methods without trustAnchors', async () => {
      const a = app({ methods: [SELF], trustAnchors: undefined, intermediates: undefined });
      const response = await token(a, pem('self-signed'), 'client_id=ss-rsa');
      expect(response.status).toBe(200);
    });

    it.each([
      ['ss-rsa', clientAuthPem('self-signed-other')],
      ['ss-rsa', clientAuthPem('self-signed-same-key')],
      ['ss-rsa', pem('client-a')],
      ['ss-ec', pem('self-signed')],
      ['ss-rfc8705', clientAuthPem('self-signed-ec')],
    ])(
      'rejects %s with another certificate: unregistered_certificate',
      async (clientId, certificatePem) => {
        await expectInvalidClient(
          await token(app(), certificatePem, { client_id: clientId }),
          'unregistered_certificate',
        );
        expect(lastEvent().detail).toBe('certificate not registered in the client JWK Set');
      },
    );

    it('names the JWKs it skipped', async () => {
      const response = await token(app(), clientAuthPem('self-signed-ec'), 'client_id=ss-skipped');
      await expectInvalidClient(response, 'unregistered_certificate');
      expect(lastEvent().detail).toBe(
        'certificate not registered in the client JWK Set (skipped: keys[0]: not a JSON object)',
      );
    });

    it('matches a bare public key only with allowPublicKeyMatch', async () => {
      const same = clientAuthPem('self-signed-same-key');
      await expectInvalidClient(
        await token(app(), same, 'client_id=ss-pubkey'),
        'unregistered_certificate',
      );
      captured = { errors: [], events: [] };
      const response = await token(app({ allowPublicKeyMatch: true }), same, 'client_id=ss-pubkey');
      expect(response.status).toBe(200);
      expect(lastEvent()).toMatchObject({ outcome: 'authenticated', match: 'public_key' });
    });

    it.each([
      ['ss-both', 'ambiguous_registration', 'both jwks and jwks_uri'],
      ['ss-none', 'incomplete_registration', 'requires jwks or jwks_uri'],
      ['ss-bad-jwks', 'invalid_registration', 'the JWK Set has no "keys" array'],
      ['ss-cyclic-jwks', 'invalid_registration', 'jwks is not JSON'],
      ['ss-ftp-uri', 'invalid_registration', 'jwks_uri must be an absolute https: URL (or http:)'],
      ['ss-number-uri', 'invalid_registration', 'jwks_uri must be a string'],
    ])('reports an unusable registration (%s): %s', async (clientId, reason, detail) => {
      const response = await token(app(), pem('self-signed'), { client_id: clientId });
      await expectInvalidClient(response, reason);
      expect(lastEvent().detail).toContain(detail);
    });

    describe('jwks_uri (real loopback server)', () => {
      beforeEach(() => {
        jwksServer.requests = 0;
        jwksServer.publish([jwkOf(pem('self-signed'))]);
      });

      it('fetches the set once and serves later requests from the cache', async () => {
        const a = app();
        expect((await token(a, pem('self-signed'), 'client_id=ss-uri')).status).toBe(200);
        expect((await token(a, pem('self-signed'), 'client_id=ss-uri')).status).toBe(200);
        expect(jwksServer.requests).toBe(1);
      });

      it('refetches on a miss, so a newly published certificate is accepted', async () => {
        const a = app();
        expect((await token(a, pem('self-signed'), 'client_id=ss-uri')).status).toBe(200);
        jwksServer.publish([jwkOf(pem('self-signed')), jwkOf(clientAuthPem('self-signed-ec'))]);
        const response = await token(a, clientAuthPem('self-signed-ec'), 'client_id=ss-uri');
        expect(response.status).toBe(200);
        expect(jwksServer.requests).toBe(2);
      });

      it('refetches at most once per cooldown', async () => {
        const a = app({ jwksUri: { dangerouslyAllowHttp: true } });
        expect((await token(a, pem('self-signed'), 'client_id=ss-uri')).status).toBe(200);
        jwksServer.publish([jwkOf(clientAuthPem('self-signed-ec'))]);
        captured = { errors: [], events: [] };
        const response = await token(a, clientAuthPem('self-signed-ec'), 'client_id=ss-uri');
        await expectInvalidClient(response, 'unregistered_certificate');
        expect(jwksServer.requests).toBe(1);
      });

      it('fails closed when the server is down: jwks_uri_unavailable', async () => {
        const response = await token(app(), pem('self-signed'), 'client_id=ss-down-uri');
        await expectInvalidClient(response, 'jwks_uri_unavailable');
      });

      it('fails closed on garbage: jwks_uri_invalid', async () => {
        jwksServer.body = 'garbage';
        const response = await token(app(), pem('self-signed'), 'client_id=ss-uri');
        await expectInvalidClient(response, 'jwks_uri_invalid');
        expect(lastEvent().detail).toBe('jwks_uri did not return JSON');
      });

      it('refuses http: URIs unless dangerouslyAllowHttp', async () => {
        const response = await token(app({ jwksUri: {} }), pem('self-signed'), 'client_id=ss-uri');
        await expectInvalidClient(response, 'invalid_registration');
        expect(jwksServer.requests).toBe(0);
      });
    });
  });

  describe('requests it does not authenticate', () => {
    it.each(['secret-basic', 'no-method'])(
      'passes a %s client on untouched (otherMethods: next)',
      async (clientId) => {
        const response = await token(app(), undefined, { client_id: clientId });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ authenticated: false });
        expect(lastEvent()).toMatchObject({
          outcome: 'skipped',
          clientId,
          method: 'client_secret_basic',
        });
      },
    );

    it('passes on a request with an Authorization header and no client_id', async () => {
      const response = await token(app(), undefined, 'grant_type=client_credentials').set(
        'authorization',
        'Basic YTpi',
      );
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ authenticated: false });
      expect(lastEvent()).toMatchObject({ outcome: 'skipped' });
    });

    it('rejects other methods with otherMethods: reject: unsupported_method', async () => {
      const response = await token(
        app({ otherMethods: 'reject' }),
        pem('client-a'),
        'client_id=secret-basic',
      );
      await expectInvalidClient(response, 'unsupported_method');
    });

    it('rejects a missing client_id even with an Authorization header when otherMethods: reject', async () => {
      const response = await token(app({ otherMethods: 'reject' }), pem('client-a'), 'a=b').set(
        'authorization',
        'Basic YTpi',
      );
      await expectInvalidClient(response, 'client_id_missing');
    });

    it('rejects a client of a method left out of "methods": method_not_enabled', async () => {
      const response = await token(app({ methods: [TLS] }), pem('self-signed'), 'client_id=ss-rsa');
      await expectInvalidClient(response, 'method_not_enabled');
    });
  });

  describe('request rejections', () => {
    it.each([
      ['no body', undefined],
      ['an empty form', ''],
      ['an empty client_id', 'client_id='],
      ['other parameters only', 'grant_type=client_credentials'],
    ])('client_id_missing with %s', async (_label, body) => {
      await expectInvalidClient(await token(app(), pem('client-a'), body), 'client_id_missing');
    });

    describe('a POST with no body at all (no Content-Length, RFC 9112 §6.3)', () => {
      let emitWarning: jest.SpyInstance;
      beforeEach(() => {
        forgetWarnings();
        emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      });
      afterEach(() => {
        emitWarning.mockRestore();
      });
      const headers = {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-SSL-CERT': encodeURIComponent(pem('client-a')),
      };

      it('is 401 client_id_missing, not a 500, behind a body parser (Express 5 leaves req.body undefined)', async () => {
        const response = await postWithoutBody(app(), '/token', headers);
        expect(response.status).toBe(401);
        expect(response.body).toEqual({
          error: 'invalid_client',
          error_description: 'client authentication failed',
        });
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['www-authenticate']).toBeUndefined();
        expect(lastError()).toMatchObject({
          code: 'ERR_MTLS_INVALID_CLIENT',
          reason: 'client_id_missing',
        });
        expect(emitWarning).not.toHaveBeenCalled();
      });

      it('is 401 client_id_missing without a body parser too, and the operator is warned once', async () => {
        const a = app({}, { bodyParsers: false });
        for (const response of [
          await postWithoutBody(a, '/token', headers),
          await token(a, pem('client-a'), undefined).type('form'),
        ]) {
          expect(response.status).toBe(401);
          expect(response.body).toMatchObject({ error: 'invalid_client' });
        }
        expect(captured.errors).toMatchObject([
          { code: 'ERR_MTLS_INVALID_CLIENT', reason: 'client_id_missing' },
          { code: 'ERR_MTLS_INVALID_CLIENT', reason: 'client_id_missing' },
        ]);
        expect(emitWarning).toHaveBeenCalledTimes(1);
        expect(emitWarning).toHaveBeenCalledWith(
          expect.stringMatching(
            /^mtlsClientAuthentication\(\): no body parser ran .* Mount express\.urlencoded/,
          ),
          { type: 'ExpressMtlsWarning', code: 'MTLS_NO_BODY_PARSER' },
        );
      });
    });

    it('client_id_missing with a body type no parser reads', async () => {
      const response = await request(app())
        .post('/token')
        .set(certHeader(pem('client-a')))
        .type('text/plain')
        .send('client_id=pki-dn');
      await expectInvalidClient(response, 'client_id_missing');
    });

    it.each([
      ['a repeated form parameter', 'client_id=pki-dn&client_id=pki-dns', 'form'],
      ['a JSON array', { client_id: ['pki-dn'] }, 'json'],
      ['a JSON number', { client_id: 7 }, 'json'],
    ] as const)('client_id_invalid with %s', async (_label, body, as) => {
      await expectInvalidClient(await token(app(), pem('client-a'), body, as), 'client_id_invalid');
    });

    it.each(['nobody', 'null'])('unknown_client for %j', async (clientId) => {
      await expectInvalidClient(
        await token(app(), pem('client-a'), { client_id: clientId }),
        'unknown_client',
      );
      expect(lastEvent()).toMatchObject({ clientId });
    });

    it('quotes a long client_id shortened in the log message', async () => {
      const clientId = 'x'.repeat(100);
      await expectInvalidClient(
        await token(app(), pem('client-a'), { client_id: clientId }),
        'unknown_client',
      );
      expect(lastError().message).toBe(`client "${'x'.repeat(64)}"... is not registered`);
      expect(lastEvent()).toMatchObject({ clientId });
    });

    it('invalid_registration when getClient resolves to a non-object', async () => {
      await expectInvalidClient(
        await token(app(), pem('client-a'), 'client_id=not-an-object'),
        'invalid_registration',
      );
    });

    it.each(['pki-dn', 'ss-rsa'])('certificate_missing for %s', async (clientId) => {
      await expectInvalidClient(
        await token(app(), undefined, { client_id: clientId }),
        'certificate_missing',
      );
    });

    it('certificate_missing when clientCertificate() ran without finding one', async () => {
      const a = app({}, { certificate: 'marker' });
      await expectInvalidClient(
        await token(a, undefined, 'client_id=pki-dn'),
        'certificate_missing',
      );
    });

    it('never puts certificates in events or error messages', async () => {
      await token(app(), clientAuthPem('forged-client-a'), 'client_id=pki-dn');
      const text = JSON.stringify([captured.events, (captured.errors[0] as Error).message]);
      expect(text).not.toContain('BEGIN CERTIFICATE');
      expect(text).not.toContain('MII');
    });
  });

  describe('fails closed when the client registry fails (503)', () => {
    it.each([
      ['broken', 'client_registry_unavailable', {}],
      ['hangs', 'client_registry_timeout', { getClientTimeout: 50 }],
    ])('%s → %s', async (clientId, reason, options) => {
      const response = await token(app(options), pem('client-a'), { client_id: clientId });
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'service temporarily unavailable',
      });
      expect(response.headers['retry-after']).toBe('5');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(lastError()).toMatchObject({ code: 'ERR_MTLS_UNAVAILABLE', status: 503, reason });
      expect(lastEvent()).toMatchObject({ outcome: 'unavailable', reason, clientId });
    });
  });

  describe('revocation (tls_client_auth with revocation checking)', () => {
    it('answers 503 when the OCSP responder cannot be reached (transient)', async () => {
      const a = app({ revocation: { methods: ['ocsp'], ocspUrl: 'http://127.0.0.1:9/' } });
      const response = await token(a, pem('client-a'), 'client_id=pki-dn');
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'service temporarily unavailable',
      });
      expect(lastError()).toMatchObject({
        code: 'ERR_MTLS_UNAVAILABLE',
        reason: 'chain:revocation_unknown',
      });
      expect(lastEvent()).toMatchObject({
        outcome: 'unavailable',
        reason: 'chain:revocation_unknown',
      });
    });

    it('answers 401 when no revocation source exists (not transient)', async () => {
      const a = app({ revocation: { methods: ['crl'] } });
      await expectInvalidClient(
        await token(a, pem('client-a'), 'client_id=pki-dn'),
        'chain:revocation_unknown',
      );
    });
  });

  describe('misconfiguration (500)', () => {
    async function expectMisconfigured(response: request.Response, fix: string): Promise<void> {
      await Promise.resolve();
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        error: 'server_error',
        error_description: 'server misconfiguration',
      });
      expect(lastError()).toMatchObject({ code: 'ERR_MTLS_MISCONFIGURED', status: 500 });
      expect(lastError().message).toContain(fix);
      expect(lastEvent()).toMatchObject({ outcome: 'misconfigured' });
    }

    it('without clientCertificate() in front', async () => {
      const response = await token(
        app({}, { certificate: 'none' }),
        pem('client-a'),
        'client_id=pki-dn',
      );
      await expectMisconfigured(
        response,
        'Mount clientCertificate() before mtlsClientAuthentication()',
      );
    });

    it.each(['form', 'json'] as const)('without a body parser for a %s body', async (as) => {
      const response = await token(
        app({}, { bodyParsers: false }),
        pem('client-a'),
        { client_id: 'pki-dn' },
        as,
      );
      await expectMisconfigured(
        response,
        'Mount express.urlencoded({ extended: false }) or express.json() before mtlsClientAuthentication()',
      );
    });
  });
});

describe('mtlsClientAuthentication() options', () => {
  it('returns a named middleware, and undefined options mean defaults', () => {
    const middleware = mtlsClientAuthentication({
      ...BASE,
      methods: undefined,
      otherMethods: undefined,
    });
    expect(middleware.name).toBe('mtlsClientAuthenticationMiddleware');
    expect(mtlsClientAuthentication({ getClient, methods: [SELF], jwksUri: undefined }).name).toBe(
      'mtlsClientAuthenticationMiddleware',
    );
  });

  it.each<[string, unknown, string]>([
    ['no options', undefined, '"getClient" is required'],
    ['empty options', {}, '"getClient" is required'],
    ['getClient not a function', { getClient: 'clients' }, '"getClient" is required'],
    ['an array', [], 'options must be an object'],
    [
      'a misspelled option',
      { ...BASE, trustAnchor: [] },
      'unknown option "trustAnchor". Did you mean "trustAnchors"?',
    ],
    ['no trustAnchors', { getClient }, '"trustAnchors" is required for tls_client_auth'],
    [
      'garbage trustAnchors',
      { getClient, trustAnchors: ['not a certificate'] },
      'mtlsClientAuthentication',
    ],
    ['empty methods', { ...BASE, methods: [] }, '"methods" must be a non-empty array'],
    [
      'unknown methods',
      { ...BASE, methods: ['private_key_jwt'] },
      '"methods" must be a non-empty array',
    ],
    ['a methods string', { ...BASE, methods: TLS }, '"methods" must be a non-empty array'],
    [
      'bad otherMethods',
      { ...BASE, otherMethods: 'pass' },
      '"otherMethods" must be one of "next", "reject"',
    ],
    [
      'zero getClientTimeout',
      { ...BASE, getClientTimeout: 0 },
      '"getClientTimeout" must be an integer ≥ 1',
    ],
    [
      'fractional getClientTimeout',
      { ...BASE, getClientTimeout: 1.5 },
      '"getClientTimeout" must be an integer ≥ 1',
    ],
    [
      'non-boolean allowPublicKeyMatch',
      { ...BASE, allowPublicKeyMatch: 'yes' },
      '"allowPublicKeyMatch" must be a boolean',
    ],
    [
      'a misspelled jwksUri option',
      { ...BASE, jwksUri: { timout: 5 } },
      'jwksUri: unknown option "timout". Did you mean "timeout"?',
    ],
    [
      'zero jwksUri.timeout',
      { ...BASE, jwksUri: { timeout: 0 } },
      '"jwksUri.timeout" must be an integer ≥ 1',
    ],
    [
      'negative jwksUri.cooldown',
      { ...BASE, jwksUri: { cooldown: -1 } },
      '"jwksUri.cooldown" must be an integer ≥ 0',
    ],
    [
      'non-boolean dangerouslyAllowHttp',
      { ...BASE, jwksUri: { dangerouslyAllowHttp: 1 } },
      '"jwksUri.dangerouslyAllowHttp" must be a boolean',
    ],
  ])('throws a TypeError for %s', (_label, options, message) => {
    expect(() => mtlsClientAuthentication(options as Options)).toThrow(TypeError);
    expect(() => mtlsClientAuthentication(options as Options)).toThrow(message);
  });

  it('accepts a synchronous getClient', async () => {
    const a = express5();
    a.post(
      '/token',
      express5.urlencoded({ extended: false }),
      clientCertificate({ format: 'nginx', trustProxy: 'loopback' }),
      mtlsClientAuthentication({
        getClient: (id) =>
          id === 'c'
            ? { token_endpoint_auth_method: SELF, jwks: { keys: [jwkOf(pem('self-signed'))] } }
            : undefined,
        methods: [SELF],
      }),
      (req, res) => res.json({ clientId: req.oauthClient?.clientId }),
    );
    a.use(mtlsErrorHandler());
    const response = await request(a)
      .post('/token')
      .set(certHeader(pem('self-signed')))
      .type('form')
      .send('client_id=c');
    expect(response.body).toEqual({ clientId: 'c' });
    expect(ClientCertificate.from(pem('self-signed')).thumbprint).toBe(X5T_S256['self-signed']);
  });
});
