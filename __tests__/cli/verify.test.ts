import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pem, X5T_S256 } from '../helpers/fixtures';
import { chainFile, CHAINS, cli, cliJson, pkiFile, REVOCATION } from './helpers/cli';

/** x5t#S256 values computed by openssl (chains/thumbprints.txt). */
const CHAIN_X5T = new Map(
  readFileSync(join(CHAINS, 'thumbprints.txt'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/) as [string, string]),
);
const x5t = (file: string): string => CHAIN_X5T.get(file) as string;

const EC = ['--ca', chainFile('ec-root.pem'), '--intermediate', chainFile('ec-int.pem')];
const RSA = ['--ca', chainFile('rsa-root.pem'), '--intermediate', chainFile('rsa-int.pem')];
const REV = [
  '--ca',
  join(REVOCATION, 'rev-root.pem'),
  '--intermediate',
  join(REVOCATION, 'rev-int.pem'),
];
const AT = ['--at', '2030-01-01'];

describe('express-mtls verify', () => {
  it('explains a valid path certificate by certificate and exits 0', async () => {
    const { code, stdout, stderr } = await cli([
      'verify',
      pkiFile('client-a.pem'),
      '--ca',
      pkiFile('root-ca.pem'),
      '--intermediate',
      pkiFile('intermediate-ca.pem'),
      '--at',
      '2030-01-01T00:00:00Z',
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const valid = 'valid 2026-11-25T21:20:06.000Z to 2126-11-01T21:20:06.000Z';
    expect(stdout).toBe(
      [
        `Certificate: CN=client-a,OU=Payments,O=express-mtls tests,C=US (x5t#S256 ${X5T_S256['client-a']})`,
        'Validated at 2030-01-01T00:00:00.000Z against 1 trust anchor, 1 configured intermediate, 0 presented certificates, 0 CRLs',
        '',
        'leaf: CN=client-a,OU=Payments,O=express-mtls tests,C=US',
        '  ok    signature            verified with the key of issuer "CN=Test Intermediate CA,O=express-mtls tests,C=US"',
        `  ok    validity             ${valid}`,
        '  ok    algorithm            ecdsa-with-SHA256',
        '  ok    key                  EC P-256',
        '  ok    critical-extensions  none unhandled',
        '  ok    purpose              extended key usage includes clientAuth',
        '',
        'intermediate: CN=Test Intermediate CA,O=express-mtls tests,C=US',
        '  ok    signature            verified with the key of issuer "CN=Test Root CA,O=express-mtls tests,C=US"',
        `  ok    validity             ${valid}`,
        '  ok    algorithm            ecdsa-with-SHA256',
        '  ok    key                  EC P-256',
        '  ok    critical-extensions  none unhandled',
        '  ok    ca                   basicConstraints cA=true',
        '  ok    path-length          pathLenConstraint 0',
        '  ok    purpose              no extended key usage',
        '',
        'anchor: CN=Test Root CA,O=express-mtls tests,C=US',
        `  ok    validity             ${valid}`,
        '  ok    key                  EC P-256',
        '  ok    critical-extensions  none unhandled',
        '  ok    ca                   basicConstraints cA=true',
        '  ok    path-length          no pathLenConstraint',
        '  ok    purpose              no extended key usage',
        '',
        'VALID: CN=client-a,OU=Payments,O=express-mtls tests,C=US → CN=Test Intermediate CA,O=express-mtls tests,C=US → CN=Test Root CA,O=express-mtls tests,C=US',
        '',
      ].join('\n'),
    );
  });

  it('--json: valid, the path leaf first, and every check', async () => {
    const { code, json } = await cliJson(['verify', chainFile('ec-leaf.pem'), ...EC, ...AT]);
    expect(code).toBe(0);
    expect(json.valid).toBe(true);
    expect(json.reason).toBeNull();
    expect(json.detail).toBeNull();
    expect(json.at).toBe('2030-01-01T00:00:00.000Z');
    expect(json.certificate.thumbprint).toBe(x5t('ec-leaf.pem'));
    expect(json.path?.map((member) => member.thumbprint)).toEqual([
      x5t('ec-leaf.pem'),
      x5t('ec-int.pem'),
      x5t('ec-root.pem'),
    ]);
    expect(json.trace.map((entry) => [entry.role, entry.thumbprint])).toEqual([
      ['leaf', x5t('ec-leaf.pem')],
      ['intermediate', x5t('ec-int.pem')],
      ['anchor', x5t('ec-root.pem')],
    ]);
    expect(json.trace[0]!.checks[0]).toEqual({
      name: 'signature',
      ok: true,
      detail: 'verified with the key of issuer "CN=EC Intermediate,O=express-mtls chains"',
      reason: null,
    });
    expect(json.trace[0]!.issuer).toBe('CN=EC Intermediate,O=express-mtls chains');
  });

  it('builds the path through certificates presented after the leaf in the input', async () => {
    const { code, json } = await cliJson(
      ['verify', '-', '--ca', pkiFile('root-ca.pem'), ...AT],
      [pem('client-a') + pem('intermediate-ca')],
    );
    expect(code).toBe(0);
    expect(json.path?.map((member) => member.thumbprint)).toEqual([
      X5T_S256['client-a'],
      X5T_S256['intermediate-ca'],
      X5T_S256['root-ca'],
    ]);
  });

  it('accepts a trust store bundle holding several anchors', async () => {
    const { code } = await cli([
      'verify',
      chainFile('rsa-leaf.pem'),
      '--ca',
      pkiFile('ca-chain.pem'),
      '--ca',
      chainFile('rsa-root.pem'),
      '--intermediate',
      chainFile('rsa-int.pem'),
    ]);
    expect(code).toBe(0);
  });

  describe('each rejection: exit 1, the reason the middleware would give, the failed check', () => {
    it.each([
      ['leaf-expired.pem', EC, 'expired', 'leaf: expired at 2021-01-01T00:00:00.000Z', 'validity'],
      [
        'leaf-not-yet-valid.pem',
        EC,
        'not_yet_valid',
        'leaf: not valid before 2100-01-01T00:00:00.000Z',
        'validity',
      ],
      [
        'other-leaf.pem',
        EC,
        'unknown_issuer',
        'leaf: no trust anchor or intermediate named "CN=Other Intermediate,O=elsewhere" with key identifier fb92bd123f97a3b687a39fbfaf81114ca00ba0f0',
        'issuer',
      ],
      [
        'leaf-tampered.pem',
        RSA,
        'bad_signature',
        'leaf: does not verify with the key of issuer "CN=RSA Intermediate,O=express-mtls chains"',
        'signature',
      ],
      [
        'leaf-eku-server.pem',
        EC,
        'eku_not_client_auth',
        'leaf: extended key usage lacks clientAuth (1.3.6.1.5.5.7.3.1)',
        'purpose',
      ],
      [
        'leaf-ku-keyenc.pem',
        EC,
        'eku_not_client_auth',
        'leaf: key usage allows neither digitalSignature nor keyAgreement',
        'purpose',
      ],
      [
        'leaf-sha1.pem',
        EC,
        'weak_algorithm',
        'leaf: ecdsa-with-SHA1 not verified (issuer "CN=EC Intermediate,O=express-mtls chains")',
        'signature',
      ],
      [
        'leaf-rsa1024.pem',
        RSA,
        'weak_key',
        'leaf: RSA 1024 is not accepted (minimum RSA 2048 bits; EC P-256, P-384, P-521; Ed25519, Ed448)',
        'key',
      ],
      [
        'leaf-critical.pem',
        EC,
        'unknown_critical_extension',
        'leaf: unsupported critical extension 1.3.6.1.4.1.55555.1',
        'critical-extensions',
      ],
      [
        'self-signed.pem',
        EC,
        'self_signed_not_allowed',
        'leaf: self-signed certificate',
        'self-signed',
      ],
    ])('%s → %s', async (file, anchors, reason, detail, check) => {
      const { code, json, stderr } = await cliJson(['verify', chainFile(file), ...anchors, ...AT]);
      expect(code).toBe(1);
      expect(stderr).toBe('');
      expect(json.valid).toBe(false);
      expect(json.reason).toBe(reason);
      expect(json.detail).toBe(detail);
      expect(json.path).toBeNull();
      const failed = json.trace.flatMap((entry) => entry.checks).filter((c) => !c.ok);
      expect(failed[0]).toMatchObject({ name: check, ok: false, reason });
      const text = await cli(['verify', chainFile(file), ...anchors, ...AT]);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(new RegExp(`\\n  FAIL  ${check} +.*  \\[${reason}\\]\\n`));
      expect(text.stdout.endsWith(`\nINVALID: ${reason} — ${detail}\n`)).toBe(true);
    });

    it('issuer_not_ca: a presented "intermediate" that is not a CA', async () => {
      const { code, json } = await cliJson(
        ['verify', '-', '--ca', chainFile('ec-root.pem'), ...AT],
        [
          readFileSync(chainFile('leaf-under-notca.pem'), 'utf8') +
            readFileSync(chainFile('int-notca.pem'), 'utf8'),
        ],
      );
      expect(code).toBe(1);
      expect(json.reason).toBe('issuer_not_ca');
      expect(json.trace[1]!.role).toBe('intermediate');
    });

    it('path_length_exceeded: a CA below the pathlen:0 intermediate', async () => {
      const { code, json } = await cliJson(
        ['verify', '-', ...EC, ...AT],
        [
          readFileSync(chainFile('leaf-under-sub.pem'), 'utf8') +
            readFileSync(chainFile('sub-int.pem'), 'utf8'),
        ],
      );
      expect(code).toBe(1);
      expect(json.reason).toBe('path_length_exceeded');
    });

    it('expired intermediate', async () => {
      const { code, json } = await cliJson([
        'verify',
        chainFile('leaf-under-int-expired.pem'),
        '--ca',
        chainFile('ec-root.pem'),
        '--intermediate',
        chainFile('int-expired.pem'),
        ...AT,
      ]);
      expect(code).toBe(1);
      expect(json.reason).toBe('expired');
      expect(json.detail).toMatch(/^intermediate: expired at /);
    });
  });

  it('--allow-no-eku skips the clientAuth purpose (e.g. for a server certificate)', async () => {
    const { code, json } = await cliJson([
      'verify',
      chainFile('leaf-eku-server.pem'),
      ...EC,
      ...AT,
      '--allow-no-eku',
    ]);
    expect(code).toBe(0);
    expect(json.trace.flatMap((entry) => entry.checks).map((c) => c.name)).not.toContain('purpose');
  });

  it('--at judges validity at that time; --clock-tolerance widens it', async () => {
    const before = [
      pkiFile('client-a.pem'),
      '--ca',
      pkiFile('root-ca.pem'),
      '--intermediate',
      pkiFile('intermediate-ca.pem'),
    ];
    const early = await cliJson(['verify', ...before, '--at', '2026-11-25T21:20:00Z']);
    expect(early.code).toBe(1);
    expect(early.json.reason).toBe('not_yet_valid');
    const tolerated = await cliJson([
      'verify',
      ...before,
      '--at',
      '2026-11-25T21:20:00Z',
      '--clock-tolerance',
      '6',
    ]);
    expect(tolerated.code).toBe(0);
    const late = await cliJson(['verify', ...before, '--at', '2126-11-01T21:20:07Z']);
    expect(late.json.reason).toBe('expired');
  });

  describe('revocation with --crl (no network)', () => {
    const INT_CRL = join(REVOCATION, 'int.crl');
    const ROOT_CRL = join(REVOCATION, 'root.crl');

    it('revoked: the leaf is on the intermediate CRL', async () => {
      const { code, json } = await cliJson([
        'verify',
        join(REVOCATION, 'rev-revoked.pem'),
        ...REV,
        '--crl',
        INT_CRL,
        '--crl-scope',
        'leaf',
        ...AT,
      ]);
      expect(code).toBe(1);
      expect(json.reason).toBe('revoked');
      expect(json.trace[0]!.checks.at(-1)).toMatchObject({
        name: 'revocation',
        ok: false,
        reason: 'revoked',
      });
    });

    it('good: every non-anchor certificate checked against its issuer CRL (DER and PEM)', async () => {
      const { code, json } = await cliJson([
        'verify',
        join(REVOCATION, 'rev-good.pem'),
        ...REV,
        '--crl',
        join(REVOCATION, 'int.crl.der'),
        '--crl',
        ROOT_CRL,
        ...AT,
      ]);
      expect(code).toBe(0);
      expect(json.trace.slice(0, 2).map((entry) => entry.checks.at(-1)?.name)).toEqual([
        'revocation',
        'revocation',
      ]);
    });

    it('revocation_unknown: no CRL for the intermediate with the default scope (fail closed)', async () => {
      const { code, json } = await cliJson([
        'verify',
        join(REVOCATION, 'rev-good.pem'),
        ...REV,
        '--crl',
        INT_CRL,
        ...AT,
      ]);
      expect(code).toBe(1);
      expect(json.reason).toBe('revocation_unknown');
      // The certificates name http://crl.revocation.test/… distribution points: never fetched.
      expect(json.detail).toBe(
        'intermediate: revocation status unknown: CRL: no CRL for this issuer and no distribution point',
      );
      const leaf = await cliJson([
        'verify',
        join(REVOCATION, 'rev-good.pem'),
        ...REV,
        '--crl',
        INT_CRL,
        '--crl-scope',
        'leaf',
        ...AT,
      ]);
      expect(leaf.code).toBe(0);
    });

    it("a CRL forged in the intermediate's name is not used: status unknown, fail closed", async () => {
      const { code, json } = await cliJson([
        'verify',
        join(REVOCATION, 'rev-good.pem'),
        ...REV,
        '--crl',
        join(REVOCATION, 'int-forged.crl'),
        '--crl-scope',
        'leaf',
        ...AT,
      ]);
      expect(code).toBe(1);
      expect(json.reason).toBe('revocation_unknown');
      expect(json.detail).toContain('CRL: not signed by the issuing CA');
    });

    it('counts the CRLs in the text summary', async () => {
      const { stdout } = await cli([
        'verify',
        join(REVOCATION, 'rev-good.pem'),
        ...REV,
        '--crl',
        INT_CRL,
        '--crl',
        ROOT_CRL,
        ...AT,
      ]);
      expect(stdout.split('\n')[1]).toBe(
        'Validated at 2030-01-01T00:00:00.000Z against 1 trust anchor, 1 configured intermediate, 0 presented certificates, 2 CRLs',
      );
    });
  });

  describe('usage and input errors (exit 2)', () => {
    it('a CRL file with a broken PEM block', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'express-mtls-verify-'));
      try {
        const crl = join(dir, 'broken.crl');
        writeFileSync(crl, '-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n');
        const { code, stdout, stderr } = await cli([
          'verify',
          chainFile('ec-leaf.pem'),
          ...EC,
          '--crl',
          crl,
        ]);
        expect({ code, stdout, stderr }).toEqual({
          code: 2,
          stdout: '',
          stderr: `express-mtls verify: --crl ${crl}: PEM block "X509 CRL" is not valid base64\n`,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.each([
      [
        ['verify', chainFile('ec-leaf.pem')],
        'missing --ca <file>: the trust anchor(s) to validate against\nRun "express-mtls verify --help".\n',
      ],
      [
        ['verify', chainFile('ec-leaf.pem'), '--ca', chainFile('ec-leaf.pem')],
        `--ca ${chainFile('ec-leaf.pem')}: "CN=ec-leaf,O=express-mtls chains" is not a CA certificate (no basicConstraints cA=true)\n` +
          'A trust anchor must be a CA. To accept one specific certificate, pin its x5t#S256 (express-mtls thumbprint) instead.\n',
      ],
      [
        [
          'verify',
          chainFile('leaf-under-notca.pem'),
          '--ca',
          chainFile('ec-root.pem'),
          '--intermediate',
          chainFile('int-notca.pem'),
        ],
        `--intermediate ${chainFile('int-notca.pem')}: "CN=Not-a-CA,O=express-mtls chains" is not a CA certificate (no basicConstraints cA=true)\n` +
          'Give only CA certificates with --intermediate; the leaf is the positional argument.\n',
      ],
      [
        ['verify', chainFile('ec-leaf.pem'), '--ca', '/nonexistent/root.pem'],
        'no such file: --ca /nonexistent/root.pem\n',
      ],
      [
        ['verify', chainFile('ec-leaf.pem'), ...EC, '--crl', chainFile('ec-root.pem')],
        `--crl ${chainFile('ec-root.pem')}: no "X509 CRL" PEM block\n`,
      ],
      [
        ['verify', chainFile('ec-leaf.pem'), ...EC, '--crl', chainFile('thumbprints.txt')],
        `--crl ${chainFile('thumbprints.txt')}: not a CRL (`,
      ],
      [
        ['verify', chainFile('ec-leaf.pem'), ...EC, '--crl-scope', 'all'],
        '--crl-scope must be one of leaf, chain, not "all"\n',
      ],
      [
        ['verify', chainFile('ec-leaf.pem'), ...EC, '--clock-tolerance', '-1'],
        '--clock-tolerance must be an integer from 0 to 31536000, not "-1"\n',
      ],
      [
        ['verify', chainFile('ec-leaf.pem'), ...EC, '--at', '2030-01-01T12:00'],
        '--at "2030-01-01T12:00" is not an ISO 8601 date\n',
      ],
      [
        ['verify', chainFile('ec-leaf.pem'), ...EC, '--cas', 'x'],
        'unknown option --cas (did you mean --ca?)\n',
      ],
    ])('%j', async (argv, message) => {
      const { code, stdout, stderr } = await cli(argv);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.startsWith(`express-mtls verify: ${message}`)).toBe(true);
    });
  });

  describe('name constraints (RFC 5280 §4.2.1.10): the constraint that refused a name is printed', () => {
    const NC = (int: string): string[] => [
      '--ca',
      chainFile('nc/nc-root.pem'),
      '--intermediate',
      chainFile(`nc/${int}.pem`),
    ];

    it('an excluded subtree: the name and the excluded constraint', async () => {
      const text = await cli(['verify', chainFile('nc/excl-in.pem'), ...NC('int-dns-excl')]);
      expect(text.code).toBe(1);
      const detail =
        'leaf: DNS name "x.bad.example.com" is excluded by "DNS:bad.example.com" (excluded subtree of "CN=Excluded DNS bad.example.com,O=express-mtls nc")';
      expect(text.stdout).toContain(
        `\n  FAIL  name-constraints     ${detail.slice('leaf: '.length)}  [name_constraints]\n`,
      );
      expect(text.stdout.endsWith(`\nINVALID: name_constraints — ${detail}\n`)).toBe(true);
    });

    it('outside the permitted subtrees: the name and the permitted constraints', async () => {
      const { code, json } = await cliJson([
        'verify',
        chainFile('nc/dns-near.pem'),
        ...NC('int-dns'),
      ]);
      expect(code).toBe(1);
      expect(json.reason).toBe('name_constraints');
      expect(json.detail).toBe(
        'leaf: DNS name "client.badexample.com" is not within the permitted subtrees of "CN=Permitted DNS example.com,O=express-mtls nc": "DNS:example.com"',
      );
    });

    it('a name within the constraints: the check passes and says so', async () => {
      const { code, json } = await cliJson([
        'verify',
        chainFile('nc/dns-in.pem'),
        ...NC('int-dns'),
      ]);
      expect(code).toBe(0);
      expect(json.trace[0]!.checks.find((c) => c.name === 'name-constraints')).toEqual({
        name: 'name-constraints',
        ok: true,
        detail: '2 name(s) within the constraints of 1 CA(s) above',
        reason: null,
      });
    });
  });
});
