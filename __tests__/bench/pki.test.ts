import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createBenchPki, type BenchPki } from '../../bench/pki';
import { AUDIENCE, createTokenIssuer, ISSUER } from '../../bench/tokens';

let pki: BenchPki;
let dir: string;

beforeAll(async () => {
  pki = await createBenchPki();
  dir = mkdtempSync(join(tmpdir(), 'bench-pki-'));
  writeFileSync(join(dir, 'root.pem'), pki.root.certificate.pem);
  writeFileSync(join(dir, 'intermediate.pem'), pki.intermediate.certificate.pem);
}, 30_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function opensslVerify(leafPem: string): string {
  writeFileSync(join(dir, 'leaf.pem'), leafPem);
  return execFileSync(
    'openssl',
    [
      'verify',
      '-purpose',
      'sslclient',
      '-CAfile',
      join(dir, 'root.pem'),
      '-untrusted',
      join(dir, 'intermediate.pem'),
      join(dir, 'leaf.pem'),
    ],
    // stderr piped: a failure's text is in the thrown error, not printed.
    { encoding: 'utf8', stdio: 'pipe' },
  ).trim();
}

describe('the benchmark PKI', () => {
  it('issues client leaves that openssl verifies (root → intermediate → leaf, sslclient)', () => {
    expect(opensslVerify(pki.clientA.pem)).toMatch(/: OK$/);
    expect(opensslVerify(pki.clientB.pem)).toMatch(/: OK$/);
  });

  it('stamps pool leaves with new serial numbers and valid signatures (openssl verify)', () => {
    const [first, second] = pki.pool(2, 41);
    expect(first?.serialNumber).toBe('42000000000000000000000000000029');
    expect(second?.serialNumber).toBe('4200000000000000000000000000002A');
    expect(first?.thumbprint).not.toBe(second?.thumbprint);
    expect(opensslVerify((first as NonNullable<typeof first>).pem)).toMatch(/: OK$/);
    expect(opensslVerify((second as NonNullable<typeof second>).pem)).toMatch(/: OK$/);
  });

  it('makes a stranger that does not chain to the benchmark root', () => {
    expect(() => opensslVerify(pki.stranger.pem)).toThrow(/unable to get local issuer certificate/);
  });
});

describe('the benchmark tokens', () => {
  it('are RS256 at+jwt bound to the certificate and verify with the JWKS key', () => {
    const issuer = createTokenIssuer();
    const token = issuer.mint(pki.clientA, 'client-a', 60);
    const key = createPublicKey({ key: issuer.jwks.keys[0] as never, format: 'jwk' });
    const payload = jwt.verify(token, key, {
      algorithms: ['RS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect(payload).toMatchObject({
      sub: 'client-a',
      client_id: 'client-a',
      cnf: { 'x5t#S256': pki.clientA.thumbprint },
    });
    expect(jwt.decode(token, { complete: true })?.header).toEqual({
      alg: 'RS256',
      typ: 'at+jwt',
      kid: 'bench-rs256',
    });
  });
});
