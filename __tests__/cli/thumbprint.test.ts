import { der, pem, SHA1_HEX, X5T_S256 } from '../helpers/fixtures';
import { cli, cliJson, pkiFile } from './helpers/cli';

/** Hex SHA-256 fingerprints printed by `openssl x509 -noout -fingerprint -sha256` (colons removed). */
const SHA256_HEX = {
  'client-a': '83c51f5506a15b3e569a3b74a30da97f3931c4b96d1c112353ab8fcbdd7729fc',
  'intermediate-ca': '94c40e09da63ac57a94b5d409b39a135d1aa83ca83820321cbddaa129da21fdc',
};

describe('express-mtls thumbprint', () => {
  it('prints the x5t#S256 of a PEM certificate, and labels the hex fingerprints as not one', async () => {
    const { code, stdout, stderr } = await cli(['thumbprint', pkiFile('client-a.pem')]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'certificate: CN=client-a,OU=Payments,O=express-mtls tests,C=US',
        `  x5t#S256       ${X5T_S256['client-a']}`,
        `  SHA-256 (hex)  ${SHA256_HEX['client-a']}  (same hash in hex: NOT an x5t#S256)`,
        `  SHA-1 (hex)    ${SHA1_HEX['client-a']}  (legacy fingerprint: NOT an x5t#S256)`,
        '',
      ].join('\n'),
    );
  });

  it('prints every block of a PEM file, in order', async () => {
    const { code, stdout } = await cli(['thumbprint', pkiFile('client-a-fullchain.pem')]);
    expect(code).toBe(0);
    expect(stdout).toContain('certificate 1 of 2: CN=client-a,');
    expect(stdout).toContain('certificate 2 of 2: CN=Test Intermediate CA,');
    expect(stdout.indexOf(X5T_S256['client-a'])).toBeLessThan(
      stdout.indexOf(X5T_S256['intermediate-ca']),
    );
    expect(stdout).toContain(SHA256_HEX['intermediate-ca']);
  });

  it('--short prints only the x5t#S256 values, one per line', async () => {
    const { code, stdout } = await cli(['thumbprint', '--short', pkiFile('ca-chain.pem')]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${X5T_S256['intermediate-ca']}\n${X5T_S256['root-ca']}\n`);
  });

  it('--json gives the format and, per certificate, subject, thumbprint and both hex forms', async () => {
    const { code, json } = await cliJson(['thumbprint', pkiFile('client-a-fullchain.pem')]);
    expect(code).toBe(0);
    expect(json).toEqual({
      format: 'pem',
      certificates: [
        {
          subject: 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
          thumbprint: X5T_S256['client-a'],
          sha256Hex: SHA256_HEX['client-a'],
          sha1Hex: SHA1_HEX['client-a'],
        },
        {
          subject: 'CN=Test Intermediate CA,O=express-mtls tests,C=US',
          thumbprint: X5T_S256['intermediate-ca'],
          sha256Hex: SHA256_HEX['intermediate-ca'],
          sha1Hex: SHA1_HEX['intermediate-ca'],
        },
      ],
    });
  });

  it('reads DER from standard input with -', async () => {
    const { code, json } = await cliJson(['thumbprint', '-'], [der('self-signed')]);
    expect(code).toBe(0);
    expect(json.format).toBe('der');
    expect(json.certificates.map((c) => c.thumbprint)).toEqual([X5T_S256['self-signed']]);
  });

  it('reads a header value given as the argument', async () => {
    const value = der('client-b').toString('base64');
    const { code, json } = await cliJson(['thumbprint', value]);
    expect(code).toBe(0);
    expect(json.format).toBe('der-base64');
    expect(json.certificates[0]!.thumbprint).toBe(X5T_S256['client-b']);
  });

  it('does not print a leaf twice when the chain repeats it (XFCC Chain)', async () => {
    const escaped = encodeURIComponent(pem('client-a') + pem('client-a') + pem('intermediate-ca'));
    const { code, stdout } = await cli(['thumbprint', '--short', escaped]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${X5T_S256['client-a']}\n${X5T_S256['intermediate-ca']}\n`);
  });

  describe('rejections (exit 2, one line on stderr, nothing on stdout)', () => {
    it.each([
      [
        ['thumbprint'],
        'express-mtls thumbprint: missing certificate (a file, a header value, or - for standard input)',
      ],
      [['thumbprint', 'a.pem', 'b.pem'], 'express-mtls thumbprint: unexpected argument "b.pem"'],
      [
        ['thumbprint', '/nonexistent/c.pem'],
        'express-mtls thumbprint: no such file: certificate /nonexistent/c.pem',
      ],
      [
        ['thumbprint', pkiFile('client-a.key')],
        'express-mtls thumbprint: no CERTIFICATE in the PEM input (it holds: PRIVATE KEY)',
      ],
      [
        ['thumbprint', pkiFile('client-a.pem'), '--shrot'],
        'express-mtls thumbprint: unknown option --shrot (did you mean --short?)',
      ],
    ])('%j', async (argv, message) => {
      const { code, stdout, stderr } = await cli(argv);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.split('\n')[0]).toBe(message);
      expect(stderr).not.toMatch(/\n\s+at /);
    });

    it('refuses DER that is a SEQUENCE but not a certificate', async () => {
      const { code, stdout, stderr } = await cli(
        ['thumbprint', '-'],
        [Buffer.from('3003020100', 'hex')],
      );
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        /^express-mtls thumbprint: standard input: not an X\.509 certificate: .+\n$/,
      );
    });

    it('names the certificate of a bundle that is not one', async () => {
      const bundle = Buffer.concat([der('client-a'), Buffer.from('3003020100', 'hex')]);
      const { code, stderr } = await cli(['thumbprint', '-'], [bundle]);
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /^express-mtls thumbprint: standard input \(certificate 2 of 2\): not an X\.509 certificate/,
      );
    });
  });
});
