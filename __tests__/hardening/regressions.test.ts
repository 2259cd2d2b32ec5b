/**
 * Regression tests for the defects the hardening suites found, one `describe` per finding, each
 * named after what was wrong. The property tests and the corpus that found them keep running too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import {
  CertificateParseError,
  ClientCertificate,
  clientCertificate,
  mtlsErrorHandler,
  requireClientCertificate,
  type MtlsError,
} from '../../lib';
import { createJwtVerifier } from '../../lib/binding/jwt-verifier';
import { staticKeySource } from '../../lib/binding/key-source';
import { CERT_HEADER, certHeader, resourceServer } from '../binding/helpers/app';
import { AUDIENCE, claims, ISSUER, publicKey, publicPem, signRaw } from '../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { pem } from '../helpers/fixtures';

const STATIC_KEY = { issuer: ISSUER, audience: AUDIENCE, publicKey: publicPem('rsa') };

const CORPUS_DIR = join(__dirname, '..', 'fixtures', 'corpus');

function corpusDer(name: string): Buffer {
  return readFileSync(join(CORPUS_DIR, 'certificates', `${name}.der`));
}

describe('finding 1: a self-issued certificate whose key OpenSSL cannot decode gave a 500', () => {
  // rogue/self-issued-ca.pem with the first octet of its EC point set to 0x07 (make-corpus.py)
  const broken = corpusDer('self-issued-bad-key');

  it('publicKey throws CertificateParseError, not a raw OpenSSL error', () => {
    const certificate = new ClientCertificate(broken);
    expect(() => certificate.publicKey).toThrow(CertificateParseError);
    expect(() => certificate.publicKey).toThrow(/^malformed certificate: /);
  });

  it('isSelfSigned is false: a key that cannot be used verifies nothing', () => {
    const certificate = new ClientCertificate(broken);
    expect(certificate.subject).toBe(certificate.issuer);
    expect(certificate.isSelfSigned).toBe(false);
  });

  describe.each(EXPRESS_VERSIONS)('requireClientCertificate() on %s', (_name, makeApp) => {
    it('answers 403 unknown_issuer (it was 500 with the OpenSSL error)', async () => {
      const errors: MtlsError[] = [];
      const app = makeApp();
      app.use(
        clientCertificate({ format: 'der-base64', trustProxy: 'loopback' }),
        requireClientCertificate({ trustAnchors: [pem('root-ca')] }),
      );
      app.get('/', (_req, res) => res.json({ ok: true }));
      app.use((err: MtlsError, _req: unknown, _res: unknown, next: (e: unknown) => void) => {
        errors.push(err);
        next(err);
      }, mtlsErrorHandler());
      const res = await request(app).get('/').set('X-Client-Cert', broken.toString('base64'));
      expect(res.status).toBe(403);
      expect(res.body).toEqual({
        error: 'access_denied',
        error_description: 'client certificate not accepted',
      });
      expect(errors.map((e) => [e.code, e.reason])).toEqual([
        ['ERR_MTLS_CERTIFICATE_UNTRUSTED', 'unknown_issuer'],
      ]);
    });
  });
});

describe('finding 2: an unverified alg or typ reached the log message as is (log injection)', () => {
  const keys = staticKeySource(publicKey('rsa'), new Set(['RS256']));
  const verifier = createJwtVerifier(keys, {
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    algorithms: new Set(['RS256']),
    typ: 'application/at+jwt',
    requiredClaims: ['exp'],
    clockTolerance: 0,
    maxTokenAge: undefined,
  });

  function detail(header: Record<string, unknown>): string {
    const result = verifier.verify(signRaw(header, claims(), undefined));
    if (result instanceof Promise || result.status !== 'invalid')
      throw new Error('expected a refusal');
    return result.detail;
  }

  it('writes control characters and non-ASCII as \\uXXXX', () => {
    expect(detail({ alg: 'RS256\r\n2026-11-25 INFO forged' })).toBe(
      'alg RS256\\u000d\\u000a2026-11-25 INFO forged is not accepted',
    );
    expect(detail({ alg: 'RS256', typ: 'at+jwt\u2028é' })).toBe(
      'typ at+jwt\\u2028\\u00e9 is not application/at+jwt',
    );
  });

  it('clips a long value to 40 characters', () => {
    expect(detail({ alg: 'A'.repeat(10_000) })).toBe(`alg ${'A'.repeat(40)}... is not accepted`);
  });

  it('keeps ordinary values readable', () => {
    expect(detail({ alg: 'HS256' })).toBe('alg HS256 is not accepted');
    expect(detail({ alg: 'RS256' })).toBe('typ undefined is not application/at+jwt');
  });

  describe.each(EXPRESS_VERSIONS)('requireCertificateBoundToken() on %s', (_name, makeApp) => {
    it('the 401 error message has no line break and the response does not echo the header', async () => {
      const server = resourceServer(makeApp, STATIC_KEY);
      const token = signRaw({ alg: 'RS256\nX-Forged: 1', typ: 'JWT' }, claims(), undefined);
      const res = await request(server.app)
        .get('/resource')
        .set('Authorization', `Bearer ${token}`)
        .set(CERT_HEADER, certHeader('client-a'));
      const errors = server.errors as MtlsError[];
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="the access token algorithm is not accepted"',
      );
      expect(JSON.stringify(res.body)).not.toContain('Forged');
      expect(errors.map((e) => e.message)).toEqual([
        'invalid access token: algorithm (alg RS256\\u000aX-Forged: 1 is not accepted)',
      ]);
    });
  });
});
