import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDemoPki,
  fingerprintToThumbprint,
  openssl,
  OpensslError,
  type DemoPki,
} from '../../scripts/demo/pki';
import { X5T_S256 } from '../helpers/fixtures';

/** An x5t#S256 computed by an openssl pipeline of its own (DER → SHA-256 → base64), not by the code under test. */
function opensslThumbprint(file: string): string {
  const der = execFileSync('openssl', ['x509', '-in', file, '-outform', 'DER']);
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  const base64 = execFileSync('openssl', ['base64', '-A'], { input: digest }).toString().trim();
  return base64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function text(file: string, ...args: string[]): string {
  return execFileSync('openssl', ['x509', '-in', file, '-noout', ...args], { encoding: 'utf8' });
}

describe('fingerprintToThumbprint()', () => {
  it('turns openssl’s SHA-256 fingerprint of client-a into its pinned x5t#S256', () => {
    const output =
      'sha256 Fingerprint=83:C5:1F:55:06:A1:5B:3E:56:9A:3B:74:A3:0D:A9:7F:39:31:C4:B9:6D:1C:11:23:53:AB:8F:CB:DD:77:29:FC\n';
    expect(fingerprintToThumbprint(output)).toBe(X5T_S256['client-a']);
  });

  it.each([
    ['a SHA-1 fingerprint', 'SHA1 Fingerprint=0B:55:86:1E'],
    ['no fingerprint', 'unable to load certificate'],
  ])('refuses %s', (_name, output) => {
    expect(() => fingerprintToThumbprint(output)).toThrow(OpensslError);
  });
});

describe('openssl()', () => {
  it('says how to install openssl when the binary is missing', async () => {
    await expect(openssl('/nonexistent/openssl', ['version'], tmpdir())).rejects.toThrow(
      /the openssl command was not found .*apt-get install openssl/,
    );
  });

  it('reports the failing command and openssl’s message', async () => {
    await expect(openssl('openssl', ['x509', '-in', '/nonexistent.pem'], tmpdir())).rejects.toThrow(
      /^openssl x509 failed: /,
    );
  });
});

describe('createDemoPki()', () => {
  let dir: string;
  let pki: DemoPki;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'express-mtls-demo-pki-test-'));
    pki = await createDemoPki(dir);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('chains every leaf to the root through the intermediate (openssl verify)', () => {
    for (const leaf of [pki.clientA, pki.clientB, pki.server]) {
      const out = execFileSync(
        'openssl',
        [
          'verify',
          '-CAfile',
          pki.root.certFile,
          '-untrusted',
          pki.intermediate.certFile,
          leaf.certFile,
        ],
        { encoding: 'utf8' },
      );
      expect(out.trim()).toBe(`${leaf.certFile}: OK`);
    }
  });

  it('reports the thumbprints and subjects openssl computes', () => {
    for (const cert of [pki.root, pki.intermediate, pki.clientA, pki.clientB, pki.server]) {
      expect(cert.thumbprint).toBe(opensslThumbprint(cert.certFile));
      expect(cert.pem).toBe(readFileSync(cert.certFile, 'utf8'));
      expect(cert.key).toContain('-----BEGIN PRIVATE KEY-----');
    }
    expect(pki.clientA.subject).toBe('CN=client-a,OU=Payments,O=express-mtls demo');
    expect(pki.clientB.subject).toBe('CN=client-b,OU=Reporting,O=express-mtls demo');
    expect(pki.opensslVersion).toMatch(/SSL/);
  });

  it('makes client certificates for clientAuth and a server certificate for the demo host names', () => {
    expect(text(pki.clientA.certFile, '-ext', 'extendedKeyUsage,subjectAltName')).toMatch(
      /TLS Web Client Authentication[\s\S]*DNS:client-a\.demo\.test/,
    );
    expect(text(pki.clientB.certFile, '-ext', 'subjectAltName')).toContain(
      'DNS:client-b.demo.test',
    );
    expect(text(pki.server.certFile, '-ext', 'subjectAltName')).toContain(
      'DNS:localhost, DNS:mtls.localhost, IP Address:127.0.0.1',
    );
    expect(text(pki.intermediate.certFile, '-ext', 'basicConstraints')).toContain(
      'CA:TRUE, pathlen:0',
    );
  });

  it('is valid now and for two days only (a throwaway PKI)', () => {
    const dates = text(pki.clientA.certFile, '-startdate', '-enddate');
    const notBefore = Date.parse(/notBefore=(.*)/.exec(dates)?.[1] ?? '');
    const notAfter = Date.parse(/notAfter=(.*)/.exec(dates)?.[1] ?? '');
    expect(notAfter - notBefore).toBe(2 * 24 * 3600 * 1000);
    expect(notBefore).toBeLessThanOrEqual(Date.now());
  });

  it('writes the server chain and an EC P-256 signing key', () => {
    expect(readFileSync(pki.serverChainFile, 'utf8')).toBe(pki.server.pem + pki.intermediate.pem);
    expect(pki.clientAChain).toBe(pki.clientA.pem + pki.intermediate.pem);
    const details = execFileSync('openssl', ['pkey', '-noout', '-text'], {
      input: pki.signingKey,
      encoding: 'utf8',
    });
    expect(details).toContain('NIST CURVE: P-256');
  });
});
