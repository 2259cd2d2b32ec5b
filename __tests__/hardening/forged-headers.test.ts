/**
 * Forged certificate headers against the full stack, over real HTTP, on Express 4 and 5:
 * `clientCertificate()` + `requireClientCertificate()` (client authentication) and
 * `clientCertificate()` + `requireCertificateBoundToken()` (a stolen bound token is useless
 * without the certificate's key). Each attack is refused with its documented status, code and
 * reason; the single-middleware versions live in `__tests__/forwarding/client-certificate.test.ts`
 * and the corpus (every format), the real-proxy versions in `__tests__/e2e/`.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { ErrorRequestHandler, Express } from 'express';
import {
  clientCertificate,
  mtlsErrorHandler,
  requireCertificateBoundToken,
  requireClientCertificate,
  type BuiltInFormat,
  type MtlsError,
} from '../../lib';
import { createTlsFront, type TlsFront } from '../../samples/tls-front/tls-front';
import { AUDIENCE, claims, ISSUER, privateKey, publicPem, signJwt } from '../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { der, key, pem, X5T_S256, type PkiName } from '../helpers/fixtures';
import { send, serve, type Listening, type Reply } from './helpers/http';
import { TEST_ENCODERS } from './helpers/hostile';
import { forgetWarnings } from '../../lib/warnings';

const ROGUE_DIR = join(__dirname, '..', 'fixtures', 'corpus', 'rogue');

function rogueDer(name: string): Buffer {
  const text = readFileSync(join(ROGUE_DIR, `${name}.pem`), 'utf8');
  return Buffer.from(text.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

const A = der('client-a');
const B = der('client-b');
const INTERMEDIATE = der('intermediate-ca');
const ROOT = der('root-ca');
const B64 = (d: Buffer): string => d.toString('base64');
const SF = (d: Buffer): string => `:${B64(d)}:`;

/** A token bound to `who`'s certificate, as the authorization server would mint it. */
function boundToken(who: 'client-a' | 'client-b'): string {
  return signJwt(claims({ cnf: { 'x5t#S256': X5T_S256[who] } }), privateKey('rsa'), 'RS256');
}

/** Both stacks, for each format, trusting only 127.0.0.1 (the proxy). */
function stackApp(makeApp: () => Express, errors: MtlsError[]): Express {
  const app = makeApp();
  const authenticate = requireClientCertificate({ trustAnchors: [pem('root-ca')] });
  const bound = requireCertificateBoundToken({
    issuer: ISSUER,
    audience: AUDIENCE,
    publicKey: publicPem('rsa'),
  });
  for (const format of ['der-base64', 'rfc9440', 'xfcc', 'nginx'] as const) {
    const read = clientCertificate({ format, trustProxy: '127.0.0.1' });
    app.get(`/auth/${format}`, read, authenticate, (req, res) => {
      res.json({ thumbprint: req.clientCertAuth?.certificate.thumbprint });
    });
    app.get(`/token/${format}`, read, bound, (req, res) => {
      res.json({ thumbprint: req.auth?.thumbprint });
    });
  }
  const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
    errors.push(err);
    next(err);
  };
  app.use(record, mtlsErrorHandler());
  return app;
}

/**
 * `clientCertificate()` with no trustProxy option under an app whose `trust proxy` is `true` (at
 * `/true`) or `1` (at `/1`), and with `dangerouslyTrustAnyProxy` (at `/dangerous`).
 */
function inheritedTrustApp(makeApp: () => Express, errors: MtlsError[]): Express {
  const app = makeApp();
  const authenticate = requireClientCertificate({ trustAnchors: [pem('root-ca')] });
  for (const [path, setting] of [
    ['/true', true],
    ['/1', 1],
    ['/hop-function', (_address: string, hop: number) => hop < 1],
    ['/yes-function', () => true],
  ] as const) {
    const sub = makeApp();
    sub.set('trust proxy', setting);
    sub.get('/', clientCertificate({ format: 'der-base64' }), authenticate, (req, res) => {
      res.json({ thumbprint: req.clientCertAuth?.certificate.thumbprint });
    });
    app.use(path, sub);
  }
  app.get(
    '/dangerous',
    clientCertificate({ format: 'der-base64', dangerouslyTrustAnyProxy: true }),
    (req, res) => {
      res.json({ thumbprint: req.clientCert?.thumbprint });
    },
  );
  const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
    errors.push(err);
    next(err);
  };
  app.use(record, mtlsErrorHandler());
  return app;
}

describe.each(EXPRESS_VERSIONS)('forged headers on %s', (_name, makeApp) => {
  const errors: MtlsError[] = [];
  let app: Listening;

  beforeAll(async () => {
    app = await serve(stackApp(makeApp, errors));
  });

  afterAll(async () => {
    await app.close();
  });

  async function get(
    path: string,
    headers: Record<string, string | string[]>,
    localAddress?: string,
  ): Promise<Reply> {
    errors.length = 0;
    return send(app.port, {
      path,
      headers,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
  }

  function refusal(): [string, string | undefined] {
    expect(errors).toHaveLength(1);
    const error = errors[0] as MtlsError;
    return [error.code, error.reason];
  }

  describe('from an untrusted peer (127.0.0.2, not the proxy): ignored, never parsed', () => {
    let emitWarning: jest.SpyInstance;

    beforeEach(() => {
      forgetWarnings();
      emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    });

    afterEach(() => {
      // Captured, not printed: the operator is told once that a peer sent a certificate header.
      expect(emitWarning.mock.calls.map((call: unknown[]) => call[1])).toEqual([
        { type: 'ExpressMtlsWarning', code: 'MTLS_UNTRUSTED_PEER' },
      ]);
      emitWarning.mockRestore();
    });

    it.each(['der-base64', 'rfc9440', 'xfcc', 'nginx'] as const)(
      '%s: a perfect client-a header is not a certificate (401 certificate required)',
      async (format: BuiltInFormat) => {
        const encode = TEST_ENCODERS[format] as (ders: readonly Buffer[]) => string;
        const name =
          format === 'der-base64'
            ? 'x-client-cert'
            : format === 'rfc9440'
              ? 'client-cert'
              : format === 'xfcc'
                ? 'x-forwarded-client-cert'
                : 'x-ssl-cert';
        const res = await get(
          `/auth/${format}`,
          { [name]: encode([A, INTERMEDIATE]), 'x-forwarded-for': '127.0.0.1' },
          '127.0.0.2',
        );
        expect(res.status).toBe(401);
        expect(refusal()).toEqual(['ERR_MTLS_CERTIFICATE_REQUIRED', undefined]);
      },
    );

    it('a stolen bound token with a forged header naming its certificate: 401 certificate_missing', async () => {
      const res = await get(
        '/token/der-base64',
        { authorization: `Bearer ${boundToken('client-a')}`, 'x-client-cert': B64(A) },
        '127.0.0.2',
      );
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="a client certificate is required for this access token"',
      );
      expect(refusal()).toEqual(['ERR_MTLS_INVALID_TOKEN', 'certificate_missing']);
    });
  });

  describe("with the app's trust proxy trusting every peer (true, a hop count, a function): not trust", () => {
    let broad: Listening;
    let emitWarning: jest.SpyInstance;

    beforeAll(async () => {
      const quiet = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      try {
        broad = await serve(inheritedTrustApp(makeApp, errors));
        expect(quiet.mock.calls.map((call: unknown[]) => call[1])).toEqual([
          { type: 'ExpressMtlsWarning', code: 'MTLS_DANGEROUSLY_TRUST_ANY_PROXY' },
        ]);
      } finally {
        quiet.mockRestore();
      }
    });

    afterAll(async () => {
      await broad.close();
    });

    beforeEach(() => {
      forgetWarnings();
      emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    });

    afterEach(() => {
      emitWarning.mockRestore();
    });

    it.each(['true', '1', 'hop-function', 'yes-function'])(
      'trust proxy %s: a forged header straight from any peer is ignored (401), one warning',
      async (setting) => {
        for (const localAddress of ['127.0.0.2', '127.0.0.3']) {
          errors.length = 0;
          const res = await send(broad.port, {
            path: `/${setting}`,
            headers: { 'x-client-cert': B64(A) },
            localAddress,
          });
          expect(res.status).toBe(401);
          expect(refusal()).toEqual(['ERR_MTLS_CERTIFICATE_REQUIRED', undefined]);
        }
        expect(emitWarning.mock.calls.map((call: unknown[]) => call[1])).toEqual([
          { type: 'ExpressMtlsWarning', code: 'MTLS_TRUST_PROXY_TOO_BROAD' },
        ]);
      },
    );

    it('dangerouslyTrustAnyProxy restores believing every peer, explicitly', async () => {
      errors.length = 0;
      const res = await send(broad.port, {
        path: '/dangerous',
        headers: { 'x-client-cert': B64(A) },
        localAddress: '127.0.0.2',
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ thumbprint: X5T_S256['client-a'] });
    });
  });

  describe('from the trusted proxy, with a forged copy added by the client', () => {
    it("a second field line next to the proxy's: 400 duplicate (not merged, not first-wins)", async () => {
      const res = await get('/token/der-base64', {
        authorization: `Bearer ${boundToken('client-a')}`,
        'x-client-cert': [B64(B), B64(A)],
      });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        error: 'invalid_request',
        error_description: 'duplicate client certificate header',
      });
      expect(refusal()).toEqual(['ERR_MTLS_HEADER_DUPLICATE', undefined]);
    });

    it("an XFCC element injected ahead of the proxy's own is never believed", async () => {
      const encode = TEST_ENCODERS.xfcc as (ders: readonly Buffer[]) => string;
      const header = `${encode([A, INTERMEDIATE])},${encode([B, INTERMEDIATE])}`;
      const stolen = await get('/token/xfcc', {
        authorization: `Bearer ${boundToken('client-a')}`,
        'x-forwarded-client-cert': header,
      });
      expect(stolen.status).toBe(401);
      expect(refusal()).toEqual(['ERR_MTLS_INVALID_TOKEN', 'binding_mismatch']);
      const own = await get('/token/xfcc', {
        authorization: `Bearer ${boundToken('client-b')}`,
        'x-forwarded-client-cert': header,
      });
      expect(own.json).toEqual({ thumbprint: X5T_S256['client-b'] });
    });

    it('Client-Cert-Chain without Client-Cert: 400 chain_without_leaf', async () => {
      const res = await get('/auth/rfc9440', { 'client-cert-chain': SF(INTERMEDIATE) });
      expect(res.status).toBe(400);
      expect(refusal()).toEqual(['ERR_MTLS_HEADER_MALFORMED', 'chain_without_leaf']);
    });
  });

  describe('presented chains never supply trust', () => {
    it('a chain that claims to hold the trust anchor (its names and key ids, other keys): 403 bad_signature', async () => {
      const res = await get('/auth/rfc9440', {
        'client-cert': SF(rogueDer('rogue-leaf')),
        'client-cert-chain': `${SF(rogueDer('rogue-int'))}, ${SF(rogueDer('rogue-root'))}`,
      });
      expect(res.status).toBe(403);
      expect(refusal()).toEqual(['ERR_MTLS_CERTIFICATE_UNTRUSTED', 'bad_signature']);
    });

    it('a leaf signed by a CA that is only in the presented chain: 403 unknown_issuer', async () => {
      const res = await get('/auth/rfc9440', {
        'client-cert': SF(rogueDer('lone-leaf')),
        'client-cert-chain': SF(rogueDer('lone-ca')),
      });
      expect(res.status).toBe(403);
      expect(refusal()).toEqual(['ERR_MTLS_CERTIFICATE_UNTRUSTED', 'unknown_issuer']);
    });

    it('a genuine path is still found when a rogue copy of the root is presented after it', async () => {
      const res = await get('/auth/rfc9440', {
        'client-cert': SF(A),
        'client-cert-chain': `${SF(INTERMEDIATE)}, ${SF(rogueDer('rogue-root'))}`,
      });
      expect(res.json).toEqual({ thumbprint: X5T_S256['client-a'] });
    });

    it('a presented copy of the real root is harmless (the configured anchor decides)', async () => {
      const res = await get('/auth/rfc9440', {
        'client-cert': SF(A),
        'client-cert-chain': `${SF(INTERMEDIATE)}, ${SF(ROOT)}`,
      });
      expect(res.json).toEqual({ thumbprint: X5T_S256['client-a'] });
    });

    it('the trust anchor itself presented as the client certificate: 403 self_signed_not_allowed', async () => {
      const res = await get('/auth/rfc9440', { 'client-cert': SF(ROOT) });
      expect(res.status).toBe(403);
      expect(refusal()).toEqual(['ERR_MTLS_CERTIFICATE_UNTRUSTED', 'self_signed_not_allowed']);
    });
  });

  describe('through the Node TLS front (samples/tls-front): the client cannot name a certificate', () => {
    let front: TlsFront;
    let port = 0;

    beforeAll(async () => {
      front = createTlsFront({
        upstream: `http://127.0.0.1:${app.port}`,
        key: key('server'),
        cert: pem('server-fullchain'),
        format: 'rfc9440',
      });
      const addresses = await front.listen({ mtls: { host: '127.0.0.1', port: 0 } });
      port = (addresses.mtls as { port: number }).port;
    });

    afterAll(async () => {
      await front.close();
    });

    function viaFront(
      path: string,
      identity: PkiName | undefined,
      headers: Record<string, string>,
    ): Promise<{ status: number; body: unknown }> {
      errors.length = 0;
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path,
            servername: 'localhost',
            ca: pem('root-ca'),
            agent: false,
            headers,
            ...(identity === undefined ? {} : { cert: pem(identity), key: key(identity) }),
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              resolve({
                status: res.statusCode ?? 0,
                body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
              });
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
    }

    it("client-b's TLS certificate with a forged Client-Cert naming client-a and a's stolen token: 401 binding_mismatch", async () => {
      const res = await viaFront('/token/rfc9440', 'client-b', {
        authorization: `Bearer ${boundToken('client-a')}`,
        'client-cert': SF(A),
        'client-cert-chain': SF(INTERMEDIATE),
      });
      expect(res.status).toBe(401);
      expect(refusal()).toEqual(['ERR_MTLS_INVALID_TOKEN', 'binding_mismatch']);
    });

    it('no TLS certificate and a forged Client-Cert: 401 certificate required', async () => {
      const res = await viaFront('/auth/rfc9440', undefined, {
        'client-cert': SF(A),
        'client-cert-chain': SF(INTERMEDIATE),
      });
      expect(res.status).toBe(401);
      expect(refusal()).toEqual(['ERR_MTLS_CERTIFICATE_REQUIRED', undefined]);
    });

    it("the genuine holder passes: client-a's TLS certificate and its own token", async () => {
      const res = await viaFront('/token/rfc9440', 'client-a', {
        authorization: `Bearer ${boundToken('client-a')}`,
      });
      expect(res).toEqual({ status: 200, body: { thumbprint: X5T_S256['client-a'] } });
    });
  });
});
