import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { der, pem, SHA1_HEX, X5T_S256 } from '../helpers/fixtures';
import { chainFile, cli, cliJson, pkiFile } from './helpers/cli';

const exec = promisify(execFile);
const AT = '2030-06-01T00:00:00Z';

/** What `openssl x509 -noout -text` (and -fingerprint -sha256) printed for client-a.pem. */
const CLIENT_A = {
  subject: 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
  issuer: 'CN=Test Intermediate CA,O=express-mtls tests,C=US',
  serialNumber: '3CB90C211033875A43892EF86A42B34BD18807F5',
  notBefore: '2026-11-25T21:20:06.000Z',
  notAfter: '2126-11-01T21:20:06.000Z',
  ski: '73:41:82:5E:B0:BC:A8:87:35:FB:E4:99:78:4D:23:98:72:80:4B:6B',
  aki: 'A0:31:E3:E7:AB:39:C3:0D:A6:27:2D:71:9F:12:EA:39:8B:0D:AE:F5',
  sha256Hex: '83c51f5506a15b3e569a3b74a30da97f3931c4b96d1c112353ab8fcbdd7729fc',
};

const vectors = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'forwarding', 'derived', 'vectors.json'), 'utf8'),
) as Record<string, { value: string; header: string }>;

describe('express-mtls inspect', () => {
  it('prints every field of a certificate, as openssl sees it', async () => {
    const { code, stdout, stderr } = await cli([
      'inspect',
      pkiFile('client-a.pem'),
      '--at',
      '2127-01-01',
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'Format: pem — PEM, raw or space-folded (Apache SSL_CLIENT_CERT, files) (detected)',
        '',
        'Certificate 1 of 1: leaf',
        `  Subject             ${CLIENT_A.subject}`,
        `  Issuer              ${CLIENT_A.issuer}`,
        `  Serial              ${CLIENT_A.serialNumber}`,
        `  Not before          ${CLIENT_A.notBefore}`,
        `  Not after           ${CLIENT_A.notAfter}`,
        '  Validity            EXPIRED at 2127-01-01T00:00:00.000Z',
        '  Public key          EC P-256',
        '  Signature           ecdsa-with-SHA256',
        '  Self-signed         no',
        '  Basic constraints   CA:FALSE (critical)',
        '  Key usage           digitalSignature (critical)',
        '  Extended key usage  clientAuth',
        '  Alternative names   DNS:client-a.example.test, URI:spiffe://example.test/client-a, email:client-a@example.test, IP:127.0.0.1, IP:2001:db8::a',
        `  Subject key id      ${CLIENT_A.ski}`,
        `  Authority key id    ${CLIENT_A.aki}`,
        `  x5t#S256            ${X5T_S256['client-a']}`,
        `  SHA-256 (hex)       ${CLIENT_A.sha256Hex}  (NOT an x5t#S256)`,
        `  SHA-1 (hex)         ${SHA1_HEX['client-a']}  (NOT an x5t#S256)`,
        '',
      ].join('\n'),
    );
  });

  it('--json: the stable shape, leaf then the presented chain', async () => {
    const { code, json } = await cliJson([
      'inspect',
      pkiFile('client-a-fullchain.pem'),
      '--at',
      AT,
    ]);
    expect(code).toBe(0);
    expect(json).toEqual({
      format: 'pem',
      detected: true,
      header: null,
      note: null,
      at: '2030-06-01T00:00:00.000Z',
      certificates: [
        {
          role: 'leaf',
          subject: CLIENT_A.subject,
          issuer: CLIENT_A.issuer,
          serialNumber: CLIENT_A.serialNumber,
          notBefore: CLIENT_A.notBefore,
          notAfter: CLIENT_A.notAfter,
          validity: 'valid',
          selfSigned: false,
          publicKey: 'EC P-256',
          signatureAlgorithm: 'ecdsa-with-SHA256',
          basicConstraints: { value: { ca: false, pathLength: null }, critical: true },
          keyUsage: { value: ['digitalSignature'], critical: true },
          extendedKeyUsage: { value: ['clientAuth'], critical: false },
          subjectAltNames: {
            dns: ['client-a.example.test'],
            uri: ['spiffe://example.test/client-a'],
            ip: ['127.0.0.1', '2001:db8::a'],
            email: ['client-a@example.test'],
          },
          subjectKeyIdentifier: CLIENT_A.ski,
          authorityKeyIdentifier: CLIENT_A.aki,
          thumbprint: X5T_S256['client-a'],
          sha256Hex: CLIENT_A.sha256Hex,
          sha1Hex: SHA1_HEX['client-a'],
          warnings: [],
        },
        {
          role: 'chain',
          subject: 'CN=Test Intermediate CA,O=express-mtls tests,C=US',
          issuer: 'CN=Test Root CA,O=express-mtls tests,C=US',
          serialNumber: '4511D55DFE6E279A3CA9E49120B799E00BE9F688',
          notBefore: '2026-11-25T21:20:06.000Z',
          notAfter: '2126-11-01T21:20:06.000Z',
          validity: 'valid',
          selfSigned: false,
          publicKey: 'EC P-256',
          signatureAlgorithm: 'ecdsa-with-SHA256',
          basicConstraints: { value: { ca: true, pathLength: 0 }, critical: true },
          keyUsage: { value: ['keyCertSign', 'cRLSign'], critical: true },
          extendedKeyUsage: null,
          subjectAltNames: { dns: [], uri: [], ip: [], email: [] },
          subjectKeyIdentifier: CLIENT_A.aki,
          authorityKeyIdentifier: '1D:18:1A:1A:3C:BD:76:36:62:1E:19:1F:9F:2F:CE:19:A1:7C:E7:44',
          thumbprint: X5T_S256['intermediate-ca'],
          sha256Hex: '94c40e09da63ac57a94b5d409b39a135d1aa83ca83820321cbddaa129da21fdc',
          sha1Hex: SHA1_HEX['intermediate-ca'],
          warnings: [],
        },
      ],
    });
  });

  it('titles the presented chain as untrusted and shows a CA with its path length', async () => {
    const { stdout } = await cli(['inspect', pkiFile('client-a-fullchain.pem'), '--at', AT]);
    expect(stdout).toContain(
      'Certificate 2 of 2: presented after the leaf (untrusted; "express-mtls verify" checks the path)',
    );
    expect(stdout).toContain('  Basic constraints   CA:TRUE, pathlen:0 (critical)');
    expect(stdout).toContain('  Key usage           keyCertSign, cRLSign (critical)');
    expect(stdout).toContain('  Extended key usage  none');
    expect(stdout).toContain('  Alternative names   none');
    expect(stdout).toContain('  Validity            valid at 2030-06-01T00:00:00.000Z');
  });

  it('shows a root: self-signed, CA without a path length', async () => {
    const { stdout } = await cli(['inspect', pkiFile('root-ca.pem')]);
    expect(stdout).toContain('  Self-signed         yes');
    expect(stdout).toContain('  Basic constraints   CA:TRUE (critical)');
  });

  it('shows "none" for what a version 1 certificate lacks', async () => {
    const v1 = join(__dirname, '..', 'fixtures', 'foundation', 'v1.pem');
    const { stdout } = await cli(['inspect', v1]);
    for (const line of [
      '  Basic constraints   none',
      '  Key usage           none',
      '  Extended key usage  none',
      '  Subject key id      none',
      '  Authority key id    none',
    ]) {
      expect(stdout).toContain(`${line}\n`);
    }
  });

  it.each([
    ['2026-11-25', 'not_yet_valid', 'NOT YET VALID at 2026-11-25T00:00:00.000Z'],
    ['2026-11-25T21:20:06Z', 'valid', 'valid at 2026-11-25T21:20:06.000Z'],
    ['2126-11-01T21:20:06Z', 'valid', 'valid at 2126-11-01T21:20:06.000Z'],
    ['2126-11-01T21:20:07Z', 'expired', 'EXPIRED at 2126-11-01T21:20:07.000Z'],
    ['2126-11-01T23:20:07+02:00', 'expired', 'EXPIRED at 2126-11-01T21:20:07.000Z'],
  ])('--at %s: %s (bounds inclusive, RFC 5280 §4.1.2.5)', async (at, validity, text) => {
    const { json } = await cliJson(['inspect', pkiFile('client-a.pem'), '--at', at]);
    expect(json.certificates[0]!.validity).toBe(validity);
    const { stdout } = await cli(['inspect', pkiFile('client-a.pem'), '--at', at]);
    expect(stdout).toContain(`  Validity            ${text}\n`);
  });

  it.each([
    [
      'leaf-rsa1024.pem',
      'RSA 1024',
      'sha256WithRSAEncryption',
      'key RSA 1024 is refused by default (weak_key): RSA needs 2048 bits or more; EC P-256, P-384, P-521; Ed25519, Ed448',
    ],
    [
      'leaf-p192.pem',
      'EC P-192',
      'ecdsa-with-SHA256',
      'key EC P-192 is refused by default (weak_key): RSA needs 2048 bits or more; EC P-256, P-384, P-521; Ed25519, Ed448',
    ],
    [
      'leaf-sha1.pem',
      'EC P-256',
      'ecdsa-with-SHA1',
      'signature algorithm ecdsa-with-SHA1 is refused (weak_algorithm)',
    ],
    [
      'leaf-critical.pem',
      'EC P-256',
      'ecdsa-with-SHA256',
      'critical extension 1.3.6.1.4.1.55555.1 is not processed (unknown_critical_extension)',
    ],
  ])('%s: warns about what the default policy refuses', async (file, key, algorithm, warning) => {
    const { json } = await cliJson(['inspect', chainFile(file)]);
    const [leaf] = json.certificates;
    expect(leaf!.publicKey).toBe(key);
    expect(leaf!.signatureAlgorithm).toBe(algorithm);
    expect(leaf!.warnings).toEqual([warning]);
    const { stdout } = await cli(['inspect', chainFile(file)]);
    expect(stdout).toContain(`  Warning             ${warning}\n`);
  });

  it('names extended key usages and key usages as openssl does, OIDs for the unknown', async () => {
    const server = await cliJson(['inspect', chainFile('leaf-eku-server.pem')]);
    expect(server.json.certificates[0]!.extendedKeyUsage).toEqual({
      value: ['serverAuth'],
      critical: false,
    });
    const keyenc = await cliJson(['inspect', chainFile('leaf-ku-keyenc.pem')]);
    expect(keyenc.json.certificates[0]!.keyUsage).toEqual({
      value: ['keyEncipherment'],
      critical: true,
    });
    const absent = await cliJson(['inspect', chainFile('leaf-eku-absent.pem')]);
    expect(absent.json.certificates[0]!.extendedKeyUsage).toBeNull();
    const p384 = await cliJson(['inspect', chainFile('ec-root.pem')]);
    expect(p384.json.certificates[0]!.publicKey).toBe('EC P-384');
  });

  it('reads a proxy header line: reports the header and the detected format', async () => {
    const vector = vectors['xfcc-envoy-client-a']!;
    const { code, json } = await cliJson(['inspect', `${vector.header}: ${vector.value}`]);
    expect(code).toBe(0);
    expect(json.format).toBe('xfcc');
    expect(json.header).toBe('x-forwarded-client-cert');
    expect(json.certificates.map((c) => [c.role, c.thumbprint])).toEqual([
      ['leaf', X5T_S256['client-a']],
      ['chain', X5T_S256['intermediate-ca']],
    ]);
    const { stdout } = await cli(['inspect', `${vector.header}: ${vector.value}`]);
    expect(stdout.split('\n').slice(0, 2)).toEqual([
      'Format: xfcc — Envoy / Istio x-forwarded-client-cert element (detected)',
      'Header: x-forwarded-client-cert',
    ]);
  });

  it('--format and --xfcc-hops pick the format and the XFCC element', async () => {
    const value = vectors['xfcc-two-elements-b-then-a']!.value;
    const { json } = await cliJson(['inspect', value, '--format', 'xfcc', '--xfcc-hops', '2']);
    expect(json.detected).toBe(false);
    expect(json.certificates[0]!.thumbprint).toBe(X5T_S256['client-b']);
    const { stdout } = await cli(['inspect', value, '--format=xfcc']);
    expect(stdout.split('\n')[0]).toBe(
      'Format: xfcc — Envoy / Istio x-forwarded-client-cert element',
    );
  });

  it('notes text ignored around the PEM blocks of a file', async () => {
    const { stdout } = await cli(['inspect', '-'], [`Bag Attributes\n${pem('client-b')}`]);
    expect(stdout.split('\n')[1]).toBe('Note: text outside the PEM blocks was ignored');
    const { json } = await cliJson(['inspect', '-'], [`Bag Attributes\n${pem('client-b')}`]);
    expect(json.note).toBe('text outside the PEM blocks was ignored');
  });

  it('reads the output of openssl x509 -text (a "Certificate:" line is not a header)', async () => {
    const { stdout } = await exec('openssl', ['x509', '-in', pkiFile('client-a.pem'), '-text']);
    const { code, json } = await cliJson(['inspect', '-'], [stdout]);
    expect(code).toBe(0);
    expect(json.header).toBeNull();
    expect(json.note).toBe('text outside the PEM blocks was ignored');
    expect(json.certificates[0]!.thumbprint).toBe(X5T_S256['client-a']);
  });

  it('reads DER and an RFC 9440 Byte Sequence', async () => {
    const fromDer = await cliJson(['inspect', '-'], [der('server')]);
    expect(fromDer.json.format).toBe('der');
    expect(fromDer.json.certificates[0]!.thumbprint).toBe(X5T_S256.server);
    const sf = await cliJson(['inspect', `:${der('client-b').toString('base64')}:`]);
    expect(sf.json.format).toBe('rfc9440');
    expect(sf.json.certificates[0]!.thumbprint).toBe(X5T_S256['client-b']);
  });

  describe('rejections (exit 2, one line on stderr, nothing on stdout)', () => {
    it.each([
      [['inspect'], 'missing certificate (a file, a header value, or - for standard input)'],
      [
        ['inspect', pkiFile('client-a.pem'), '--format', 'ngnix'],
        'unknown --format "ngnix". Did you mean "nginx"?',
      ],
      [
        ['inspect', pkiFile('client-a.pem'), '--at', 'tomorrow'],
        '--at "tomorrow" is not an ISO 8601 date',
      ],
      [
        ['inspect', pkiFile('client-a.pem'), '--xfcc-hops', '0'],
        '--xfcc-hops must be an integer from 1 to 64, not "0"',
      ],
      [['inspect', pkiFile('client-a.pem'), '--format', 'rfc9440'], 'not a valid rfc9440 value: '],
      [['inspect', pkiFile('client-a.pem'), '--format'], '--format needs a value'],
      [['inspect', pkiFile('client-a.pem'), '--json=yes'], '--json takes no value'],
      [['inspect', pkiFile('client-a.pem'), '-x'], 'unknown option -x'],
    ])('%j', async (argv, message) => {
      const { code, stdout, stderr } = await cli(argv);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.startsWith(`express-mtls inspect: ${message}`)).toBe(true);
    });

    it('prints the hint of an error on its own line', async () => {
      const { stderr } = await cli(['inspect', pkiFile('client-a.pem'), '--at', '2030-02-30']);
      expect(stderr).toBe(
        'express-mtls inspect: --at "2030-02-30" is not an ISO 8601 date\n' +
          'Use 2030-01-31 (midnight UTC) or 2030-01-31T12:00:00Z.\n',
      );
    });
  });
});
