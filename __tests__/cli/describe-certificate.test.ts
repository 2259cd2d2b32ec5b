import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeCertificate, fingerprints, validityAt } from '../../lib/cli/describe-certificate';
import { ClientCertificate } from '../../lib/certificate';
import { pem, SHA1_HEX, X5T_S256 } from '../helpers/fixtures';

const exec = promisify(execFile);
const FOUNDATION = join(__dirname, '..', 'fixtures', 'foundation');
const foundation = (name: string): ClientCertificate =>
  ClientCertificate.from(readFileSync(join(FOUNDATION, name), 'utf8'));
const NOW = new Date('2030-01-01T00:00:00Z');

describe('describeCertificate()', () => {
  it('a version 1 certificate: no extensions at all', () => {
    const d = describeCertificate(foundation('v1.pem'), NOW);
    expect(d).toMatchObject({
      subject: 'CN=version one',
      issuer: 'CN=version one',
      serialNumber: '01',
      notBefore: '2026-11-25T21:30:39.000Z',
      notAfter: '2126-11-01T21:30:39.000Z',
      validity: 'valid',
      selfSigned: true,
      publicKey: 'EC P-256',
      signatureAlgorithm: 'ecdsa-with-SHA256',
      basicConstraints: null,
      keyUsage: null,
      extendedKeyUsage: null,
      subjectAltNames: { dns: [], uri: [], ip: [], email: [] },
      subjectKeyIdentifier: null,
      authorityKeyIdentifier: null,
      warnings: [],
    });
  });

  it('an explicit non-critical basicConstraints and an unknown critical extension', () => {
    const d = describeCertificate(foundation('unique-ids.pem'), NOW);
    expect(d.basicConstraints).toEqual({ value: { ca: false, pathLength: null }, critical: false });
    expect(d.warnings).toEqual([
      'critical extension 1.3.6.1.4.1.99999.1 is not processed (unknown_critical_extension)',
    ]);
  });

  it('SANs in canonical form (RFC 5952 for IPv6), other name types left out', () => {
    expect(describeCertificate(foundation('san.pem'), NOW).subjectAltNames).toEqual({
      dns: ['a.example.test', '*.wild.example.test'],
      uri: ['spiffe://example.test/ns/a', 'https://a.example.test/x?y=1'],
      ip: [
        '192.0.2.1',
        '0.0.0.0',
        '2001:db8::1:0:0:1',
        '2001:0:0:1::1',
        '2001:db8::',
        '::1',
        '::',
        '::ffff:192.0.2.1',
        'fe80::1:2:3:4',
      ],
      email: ['a@example.test'],
    });
  });

  describe('extended key usages as openssl names them', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'express-mtls-describe-'));
    });
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('names the known purposes and keeps unknown OIDs', async () => {
      const out = join(dir, 'eku.pem');
      await exec('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-384',
        '-nodes',
        '-keyout',
        join(dir, 'eku.key'),
        '-out',
        out,
        '-subj',
        '/CN=eku',
        '-days',
        '1',
        '-addext',
        'extendedKeyUsage=critical,serverAuth,clientAuth,codeSigning,emailProtection,timeStamping,OCSPSigning,anyExtendedKeyUsage,1.2.3.4',
        '-addext',
        'keyUsage=digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly',
      ]);
      const { stdout } = await exec('openssl', [
        'x509',
        '-in',
        out,
        '-noout',
        '-ext',
        'extendedKeyUsage,keyUsage',
      ]);
      expect(stdout).toContain(
        'TLS Web Server Authentication, TLS Web Client Authentication, Code Signing, E-mail Protection, Time Stamping, OCSP Signing, Any Extended Key Usage, 1.2.3.4',
      );
      const d = describeCertificate(ClientCertificate.from(readFileSync(out, 'utf8')), NOW);
      expect(d.extendedKeyUsage).toEqual({
        value: [
          'serverAuth',
          'clientAuth',
          'codeSigning',
          'emailProtection',
          'timeStamping',
          'OCSPSigning',
          'anyExtendedKeyUsage',
          '1.2.3.4',
        ],
        critical: true,
      });
      expect(d.keyUsage?.value).toEqual([
        'digitalSignature',
        'nonRepudiation',
        'keyEncipherment',
        'dataEncipherment',
        'keyAgreement',
        'keyCertSign',
        'cRLSign',
        'encipherOnly',
        'decipherOnly',
      ]);
      expect(d.publicKey).toBe('EC P-384');
      expect(d.signatureAlgorithm).toBe('ecdsa-with-SHA256');
    });
  });
});

describe('validityAt() and fingerprints()', () => {
  const cert = ClientCertificate.from(pem('client-a'));

  it('is inclusive at both bounds (RFC 5280 §4.1.2.5)', () => {
    expect(validityAt(cert, new Date('2026-11-25T21:20:05.999Z'))).toBe('not_yet_valid');
    expect(validityAt(cert, new Date('2026-11-25T21:20:06.000Z'))).toBe('valid');
    expect(validityAt(cert, new Date('2126-11-01T21:20:06.000Z'))).toBe('valid');
    expect(validityAt(cert, new Date('2126-11-01T21:20:06.001Z'))).toBe('expired');
  });

  it('gives the x5t#S256 and the two hex fingerprints openssl prints', () => {
    expect(fingerprints(cert)).toEqual({
      thumbprint: X5T_S256['client-a'],
      sha256Hex: '83c51f5506a15b3e569a3b74a30da97f3931c4b96d1c112353ab8fcbdd7729fc',
      sha1Hex: SHA1_HEX['client-a'],
    });
  });
});
