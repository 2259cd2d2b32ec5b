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
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { pem } from '../helpers/fixtures';

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
