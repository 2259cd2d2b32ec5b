import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { COMMANDS, run } from '../../lib/cli/run';
import { cli, pkiFile } from './helpers/cli';

const exec = promisify(execFile);
const VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe('run(): the command dispatcher', () => {
  it('without arguments: the overview on stderr, exit 2', async () => {
    const { code, stdout, stderr } = await cli([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^express-mtls — /);
    expect(stderr).toContain('Usage: express-mtls <command> [options]');
  });

  it.each([['--help'], ['-h'], ['help']])('%s: the overview on stdout, exit 0', async (arg) => {
    const { code, stdout, stderr } = await cli([arg]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'express-mtls — certificate tools for mutual TLS with express-mtls (offline: no network).',
        '',
        'Usage: express-mtls <command> [options]',
        '',
        'Commands:',
        '  thumbprint  Print the x5t#S256 thumbprint of each certificate (and the fingerprints it is not).',
        '  inspect     Decode a certificate file or proxy header value and show what it holds.',
        '  verify      Validate a certificate chain the way requireClientCertificate() does, and explain it.',
        '  doctor      Read a captured request: which proxy and format sent the certificate, and what to fix.',
        '  pki         Generate a test PKI: root and intermediate CAs, client and server certificates.',
        '',
        'Run "express-mtls <command> --help" for its options and examples.',
        'Options: --help, --version.',
        'Exit codes: 0 success; 1 check failed (verify: invalid); 2 usage or input error.',
        '',
      ].join('\n'),
    );
  });

  it('--version prints the package version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it.each(COMMANDS.map((command) => [command.name]))(
    '%s --help, -h and "help %s" print the same help: usage, options, exit codes',
    async (name) => {
      const help = await cli([name, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: express-mtls ${name} `));
      expect(help.stdout).toContain('\nOptions:\n');
      expect(help.stdout).toContain('  -h, --help');
      expect(help.stdout).toContain('  --json ');
      expect(
        help.stdout.endsWith(
          '\nExit codes: 0 success; 1 check failed (verify: invalid); 2 usage or input error.\n',
        ),
      ).toBe(true);
      expect(await cli([name, '-h', 'ignored', '--json'])).toEqual(help);
      expect(await cli(['help', name])).toEqual(help);
    },
  );

  it('--help wins over otherwise invalid arguments', async () => {
    expect((await cli(['verify', '--help', '--at', 'never'])).code).toBe(0);
  });

  it.each([
    [
      ['inspct'],
      'express-mtls: unknown command "inspct". Did you mean "inspect"?\nRun "express-mtls --help" for the list of commands.\n',
    ],
    [
      ['frobnicate'],
      'express-mtls: unknown command "frobnicate".\nRun "express-mtls --help" for the list of commands.\n',
    ],
    [
      ['help', 'nope'],
      'express-mtls: unknown command "nope".\nRun "express-mtls --help" for the list of commands.\n',
    ],
    [
      ['--json'],
      'express-mtls: unknown command "--json".\nRun "express-mtls --help" for the list of commands.\n',
    ],
  ])('%j: exit 2', async (argv, message) => {
    expect(await cli(argv)).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('a certificate with a malformed extension is an input error (exit 2), not a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'express-mtls-run-'));
    try {
      const file = join(dir, 'bad-key-usage.pem');
      await exec('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        file,
        '-subj',
        '/CN=bad',
        '-days',
        '1',
        '-addext',
        'keyUsage=critical,DER:03050012345678',
      ]);
      const { code, stdout, stderr } = await cli(['inspect', file]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe('express-mtls inspect: malformed certificate: malformed keyUsage\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unexpected failure is exit 70 with one line and a request to report it, no stack', async () => {
    let stderr = '';
    const code = await run(['thumbprint', pkiFile('client-a.pem')], {
      stdout: {
        write: () => {
          throw new Error('EPIPE: broken pipe');
        },
      },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdin: Readable.from([]),
    });
    expect(code).toBe(70);
    expect(stderr).toBe(
      'express-mtls thumbprint: internal error: EPIPE: broken pipe\n' +
        'This is a bug in express-mtls; please report it with the command that caused it.\n',
    );
  });

  it('reports a thrown non-Error value too', async () => {
    let stderr = '';
    const code = await run(['thumbprint', pkiFile('client-a.pem')], {
      stdout: {
        write: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw 'odd';
        },
      },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdin: Readable.from([]),
    });
    expect(code).toBe(70);
    expect(stderr.split('\n')[0]).toBe('express-mtls thumbprint: internal error: odd');
  });
});
