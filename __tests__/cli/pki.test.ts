import { execFile } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import type { PkiReport } from '../../lib/cli/pki';
import { cli, cliJson } from './helpers/cli';

const exec = promisify(execFile);

async function openssl(args: readonly string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await exec('openssl', args);
    return { ok: true, out: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string };
    return { ok: false, out: failed.stdout + failed.stderr };
  }
}

/** x5t#S256 as openssl computes it (DER → SHA-256 → base64url without padding). */
async function opensslX5t(file: string): Promise<string> {
  const { stdout: derHex } = await exec('sh', [
    '-c',
    `openssl x509 -in '${file}' -outform DER | openssl dgst -sha256 -binary | openssl base64 -A`,
  ]);
  return derHex.trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const text = async (file: string): Promise<string> =>
  (await openssl(['x509', '-in', file, '-noout', '-text'])).out;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'express-mtls-pki-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('express-mtls pki (EC, two clients, custom hosts)', () => {
  let dir: string;
  let report: PkiReport;
  const file = (name: string): string => join(dir, name);

  beforeAll(async () => {
    dir = join(work, 'ec');
    const { code, json, stderr } = await cliJson([
      'pki',
      dir,
      '--client',
      'alice',
      '--client',
      'bob@example.test',
      '--host',
      'api.example.test',
      '--host',
      '10.0.0.1',
      '--host',
      '2001:DB8::1',
      '--days',
      '30',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    report = json;
  });

  it('writes the files it reports, keys with mode 0600', () => {
    const names = [
      'root-ca.pem',
      'root-ca.key',
      'intermediate-ca.pem',
      'intermediate-ca.key',
      'ca-chain.pem',
      'alice.pem',
      'alice.key',
      'alice-fullchain.pem',
      'bob@example.test.pem',
      'bob@example.test.key',
      'bob@example.test-fullchain.pem',
      'server.pem',
      'server.key',
      'server-fullchain.pem',
    ];
    expect(report.files.map((f) => f.path)).toEqual(names.map(file));
    const probe = join(work, 'probe');
    writeFileSync(probe, '', { mode: 0o644 });
    const publicMode = statSync(probe).mode & 0o777;
    for (const entry of report.files) {
      const mode = statSync(entry.path).mode & 0o777;
      expect([entry.path, mode]).toEqual([entry.path, entry.kind === 'key' ? 0o600 : publicMode]);
      expect(entry.mode).toBe(entry.kind === 'key' ? '0600' : '0644');
    }
    expect(report.key).toBe('EC P-256');
  });

  it('openssl verifies the client certificates for sslclient and the server for sslserver (-x509_strict)', async () => {
    const base = [
      'verify',
      '-x509_strict',
      '-CAfile',
      file('root-ca.pem'),
      '-untrusted',
      file('intermediate-ca.pem'),
    ];
    for (const name of ['alice', 'bob@example.test']) {
      const result = await openssl([...base, '-purpose', 'sslclient', file(`${name}.pem`)]);
      expect([name, result.ok, result.out.trim()]).toEqual([
        name,
        true,
        `${file(`${name}.pem`)}: OK`,
      ]);
    }
    expect((await openssl([...base, '-purpose', 'sslserver', file('server.pem')])).ok).toBe(true);
    const wrongPurpose = await openssl([...base, '-purpose', 'sslclient', file('server.pem')]);
    expect(wrongPurpose.ok).toBe(false);
    expect(wrongPurpose.out).toContain('unsuitable certificate purpose');
    const chain = await openssl([
      'verify',
      '-x509_strict',
      '-CAfile',
      file('ca-chain.pem'),
      '-purpose',
      'sslclient',
      file('alice.pem'),
    ]);
    expect(chain.ok).toBe(true);
  });

  it('our verify agrees with openssl, certificate by certificate', async () => {
    const anchors = ['--ca', file('root-ca.pem'), '--intermediate', file('intermediate-ca.pem')];
    for (const name of ['alice', 'bob@example.test']) {
      expect((await cli(['verify', file(`${name}.pem`), ...anchors])).code).toBe(0);
      expect(
        (await cli(['verify', file(`${name}-fullchain.pem`), '--ca', file('root-ca.pem')])).code,
      ).toBe(0);
    }
    const server = await cliJson(['verify', file('server.pem'), ...anchors]);
    expect([server.code, server.json.reason]).toEqual([1, 'eku_not_client_auth']);
    expect((await cli(['verify', file('server.pem'), ...anchors, '--allow-no-eku'])).code).toBe(0);
  });

  it('CA certificates: critical basicConstraints with pathlen 1 (root) and 0 (intermediate), keyCertSign and cRLSign', async () => {
    const root = await text(file('root-ca.pem'));
    expect(root).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:1\n/);
    expect(root).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    expect(root).toContain('Subject: O = express-mtls test PKI, CN = express-mtls test root CA');
    expect(root).toContain('Issuer: O = express-mtls test PKI, CN = express-mtls test root CA');
    const intermediate = await text(file('intermediate-ca.pem'));
    expect(intermediate).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
    expect(intermediate).toMatch(/X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
    expect(intermediate).toContain(
      'Issuer: O = express-mtls test PKI, CN = express-mtls test root CA',
    );
  });

  it('leaves: CA:FALSE, digitalSignature, the right EKU, SANs, and key identifiers that link to the issuer', async () => {
    const intermediate = await text(file('intermediate-ca.pem'));
    const intermediateSki = /Subject Key Identifier: \n\s+([0-9A-F:]+)\n/.exec(intermediate)![1];
    const alice = await text(file('alice.pem'));
    expect(alice).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
    expect(alice).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
    expect(alice).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication\n/);
    expect(alice).toMatch(/X509v3 Subject Alternative Name: \n\s+DNS:alice\n/);
    expect(alice).toMatch(/Subject Key Identifier: \n\s+[0-9A-F:]{59}\n/);
    expect(alice).toContain(`Authority Key Identifier: \n                ${intermediateSki}\n`);
    expect(alice).toContain('Subject: O = express-mtls test PKI, CN = alice');
    expect(alice).toContain('ASN1 OID: prime256v1');
    expect(alice).toContain('Signature Algorithm: ecdsa-with-SHA256');
    const bob = await text(file('bob@example.test.pem'));
    expect(bob).toMatch(/X509v3 Subject Alternative Name: \n\s+email:bob@example.test\n/);
    const server = await text(file('server.pem'));
    expect(server).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
    expect(server).toMatch(
      /X509v3 Subject Alternative Name: \n\s+DNS:api.example.test, IP Address:10.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1\n/,
    );
    expect(server).toContain('Subject: O = express-mtls test PKI, CN = api.example.test');
  });

  it('serial numbers are positive 128-bit values, distinct', async () => {
    const serials = await Promise.all(
      ['root-ca', 'intermediate-ca', 'alice', 'server'].map(async (name) =>
        (await openssl(['x509', '-in', file(`${name}.pem`), '-noout', '-serial'])).out.trim(),
      ),
    );
    for (const serial of serials) expect(serial).toMatch(/^serial=[4-7][0-9A-F]{31}$/);
    expect(new Set(serials).size).toBe(4);
  });

  it('validity: --days from five minutes before now', async () => {
    const dates = (
      await openssl(['x509', '-in', file('alice.pem'), '-noout', '-startdate', '-enddate'])
    ).out;
    const [, start, end] = /notBefore=(.+)\nnotAfter=(.+)\n/.exec(dates)!;
    expect(Date.parse(end!) - Date.parse(start!)).toBe(30 * 86_400_000 + 300_000);
    expect(Date.now() - Date.parse(start!)).toBeGreaterThanOrEqual(299_000);
    expect(new Date(Date.parse(start!)).toISOString()).toBe(report.notBefore);
    expect(new Date(Date.parse(end!)).toISOString()).toBe(report.notAfter);
  });

  it('each private key matches its certificate (openssl)', async () => {
    for (const name of ['root-ca', 'intermediate-ca', 'alice', 'server']) {
      const fromKey = (await openssl(['pkey', '-in', file(`${name}.key`), '-pubout'])).out;
      const fromCert = (await openssl(['x509', '-in', file(`${name}.pem`), '-noout', '-pubkey']))
        .out;
      expect(fromKey).toBe(fromCert);
      expect(readFileSync(file(`${name}.key`), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    }
  });

  it('reports the x5t#S256 openssl computes, and the chain files hold leaf + intermediate, intermediate + root', async () => {
    for (const entry of report.certificates) {
      expect([entry.name, entry.thumbprint]).toEqual([
        entry.name,
        await opensslX5t(entry.certificate),
      ]);
    }
    expect(report.certificates.map((c) => [c.name, c.role, c.subject, c.fullchain])).toEqual([
      ['root-ca', 'root', 'CN=express-mtls test root CA,O=express-mtls test PKI', null],
      [
        'intermediate-ca',
        'intermediate',
        'CN=express-mtls test intermediate CA,O=express-mtls test PKI',
        null,
      ],
      ['alice', 'client', 'CN=alice,O=express-mtls test PKI', file('alice-fullchain.pem')],
      [
        'bob@example.test',
        'client',
        'CN=bob@example.test,O=express-mtls test PKI',
        file('bob@example.test-fullchain.pem'),
      ],
      [
        'server',
        'server',
        'CN=api.example.test,O=express-mtls test PKI',
        file('server-fullchain.pem'),
      ],
    ]);
    const read = (name: string): string => readFileSync(file(name), 'utf8');
    expect(read('alice-fullchain.pem')).toBe(read('alice.pem') + read('intermediate-ca.pem'));
    expect(read('server-fullchain.pem')).toBe(read('server.pem') + read('intermediate-ca.pem'));
    expect(read('ca-chain.pem')).toBe(read('intermediate-ca.pem') + read('root-ca.pem'));
  });

  it('refuses to overwrite without --force, and leaves the files alone', async () => {
    const before = readFileSync(file('root-ca.key'), 'utf8');
    const { code, stdout, stderr } = await cli(['pki', dir, '--client', 'alice']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `express-mtls pki: refusing to overwrite 11 existing file(s) in ${dir}: root-ca.pem, root-ca.key, intermediate-ca.pem, intermediate-ca.key, ca-chain.pem, alice.pem, alice.key, alice-fullchain.pem, server.pem, server.key, server-fullchain.pem\n` +
        'Use --force to replace them, or choose another directory.\n',
    );
    expect(readFileSync(file('root-ca.key'), 'utf8')).toBe(before);
  });
});

describe('express-mtls pki (defaults, RSA, --force, text output)', () => {
  it('prints what it wrote, the thumbprints and next steps', async () => {
    const dir = join(work, 'text');
    const { code, stdout } = await cli(['pki', dir]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^Wrote a test PKI to ${dir} \\(EC P-256, valid \\S+ to \\S+\\):$`),
    );
    expect(lines.slice(1, 12)).toEqual([
      '  root-ca.pem           certificate',
      '  root-ca.key           private key (mode 0600)',
      '  intermediate-ca.pem   certificate',
      '  intermediate-ca.key   private key (mode 0600)',
      '  ca-chain.pem          chain',
      '  client.pem            certificate',
      '  client.key            private key (mode 0600)',
      '  client-fullchain.pem  chain',
      '  server.pem            certificate',
      '  server.key            private key (mode 0600)',
      '  server-fullchain.pem  chain',
    ]);
    const x5t = await opensslX5t(join(dir, 'client.pem'));
    expect(lines).toContain(`  client           ${x5t}  CN=client,O=express-mtls test PKI`);
    expect(lines).toContain(
      `  express-mtls verify ${join(dir, 'client.pem')} --ca ${join(dir, 'root-ca.pem')} --intermediate ${join(dir, 'intermediate-ca.pem')}`,
    );
    const server = await text(join(dir, 'server.pem'));
    expect(server).toMatch(/DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1\n/);
  });

  it('--key-type rsa: RSA 2048 keys, sha256WithRSAEncryption, keyEncipherment on leaves; openssl verifies', async () => {
    const dir = join(work, 'rsa');
    const { code, json } = await cliJson(['pki', dir, '--key-type', 'rsa', '--days', '1']);
    expect(code).toBe(0);
    expect(json.key).toBe('RSA 2048');
    const client = await text(join(dir, 'client.pem'));
    expect(client).toContain('Public-Key: (2048 bit)');
    expect(client).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(client).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment\n/);
    const verified = await openssl([
      'verify',
      '-x509_strict',
      '-CAfile',
      join(dir, 'root-ca.pem'),
      '-untrusted',
      join(dir, 'intermediate-ca.pem'),
      '-purpose',
      'sslclient',
      join(dir, 'client.pem'),
    ]);
    expect(verified.ok).toBe(true);
    expect(
      (await cli(['verify', join(dir, 'client-fullchain.pem'), '--ca', join(dir, 'root-ca.pem')]))
        .code,
    ).toBe(0);
  });

  it('--force replaces every file with new keys, and keys end up 0600 whatever they were', async () => {
    const dir = join(work, 'force');
    expect((await cli(['pki', dir])).code).toBe(0);
    const oldKey = readFileSync(join(dir, 'client.key'), 'utf8');
    chmodSync(join(dir, 'client.key'), 0o644);
    writeFileSync(join(dir, 'unrelated.txt'), 'keep me');
    const { code } = await cli(['pki', dir, '--force']);
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'client.key'), 'utf8')).not.toBe(oldKey);
    expect(statSync(join(dir, 'client.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'unrelated.txt'), 'utf8')).toBe('keep me');
  });

  it('the generated certificates work for a real mutual TLS handshake', async () => {
    const dir = join(work, 'tls');
    expect((await cli(['pki', dir, '--client', 'alice'])).code).toBe(0);
    const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
    const server = createServer({
      cert: read('server-fullchain.pem'),
      key: read('server.key'),
      ca: read('root-ca.pem'),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const accepted = new Promise<{ authorized: boolean; cn: unknown }>((resolve) => {
      server.on('secureConnection', (socket: TLSSocket) => {
        resolve({ authorized: socket.authorized, cn: socket.getPeerCertificate().subject.CN });
        socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const client = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: read('root-ca.pem'),
      cert: read('alice-fullchain.pem'),
      key: read('alice.key'),
    });
    try {
      client.resume();
      const clientAuthorized = await new Promise<boolean>((resolve, reject) => {
        client.once('secureConnect', () => {
          resolve(client.authorized);
        });
        client.once('error', reject);
      });
      // TLS 1.3: the server checks the client certificate after the client's Finished; wait
      // for the server to answer and close before tearing down.
      await new Promise((resolve) => client.once('end', resolve));
      expect(clientAuthorized).toBe(true);
      expect(await accepted).toEqual({ authorized: true, cn: 'alice' });
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('express-mtls pki rejections (exit 2, nothing written)', () => {
  it.each([
    [['pki'], 'missing output directory'],
    [
      ['pki', 'DIR', '--client', '../x'],
      '--client "../x" is not a usable name: use letters, digits, ".", "_", "@" and "-" (64 at most, starting with a letter or digit)',
    ],
    [
      ['pki', 'DIR', '--client', 'a'.repeat(65)],
      `--client "${'a'.repeat(65)}" is not a usable name`,
    ],
    [
      ['pki', 'DIR', '--host', 'bad host'],
      '--host "bad host" is neither a DNS name nor an IP address',
    ],
    [
      ['pki', 'DIR', '--host', '-x.example'],
      '--host "-x.example" is neither a DNS name nor an IP address',
    ],
    [
      ['pki', 'DIR', '--client', 'server'],
      'two certificates would be written to server.pem: choose other --client names (root-ca, intermediate-ca, ca-chain and server are taken)',
    ],
    [
      ['pki', 'DIR', '--client', 'a', '--client', 'a-fullchain'],
      'two certificates would be written to a-fullchain.pem',
    ],
    [['pki', 'DIR', '--days', '0'], '--days must be an integer from 1 to 36500, not "0"'],
    [['pki', 'DIR', '--days', '36501'], '--days must be an integer from 1 to 36500, not "36501"'],
    [['pki', 'DIR', '--key-type', 'dsa'], '--key-type must be one of ec, rsa, not "dsa"'],
  ])('%j', async (argv, message) => {
    const dir = join(work, 'rejected');
    const { code, stdout, stderr } = await cli(argv.map((arg) => (arg === 'DIR' ? dir : arg)));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith(`express-mtls pki: ${message}`)).toBe(true);
    expect(() => statSync(dir)).toThrow();
  });

  it('accepts a wildcard host', async () => {
    const dir = join(work, 'wildcard');
    expect((await cli(['pki', dir, '--host', '*.example.test'])).code).toBe(0);
    expect(await text(join(dir, 'server.pem'))).toMatch(/DNS:\*\.example\.test\n/);
  });

  it('refuses a directory argument that is a file', async () => {
    const path = join(work, 'a-file');
    writeFileSync(path, '');
    const { code, stderr } = await cli(['pki', path]);
    expect(code).toBe(2);
    expect(stderr).toBe(`express-mtls pki: ${path} exists and is not a directory\n`);
  });

  it('reports a file it cannot write', async () => {
    const dir = join(work, 'blocked');
    mkdirSync(join(dir, 'root-ca.pem'), { recursive: true });
    writeFileSync(join(dir, 'root-ca.pem', 'inside'), '');
    const { code, stderr } = await cli(['pki', dir, '--force']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(`^express-mtls pki: cannot write ${join(dir, 'root-ca.pem')} \\(E[A-Z]+\\)\\n$`),
    );
  });
});
