/**
 * The binary: lib/cli/main.ts wired to the real process (in process, for coverage), then the
 * built dist/cli/main.js run as a child process — shebang, exit codes 0/1/2, stdout/stderr,
 * standard input.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { X5T_S256, der } from '../helpers/fixtures';
import { BIN, ensureBuilt, ROOT } from './helpers/build';
import { chainFile, pkiFile } from './helpers/cli';

const VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: readonly string[], stdin?: Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

describe('lib/cli/main.ts in process', () => {
  const argv = process.argv;
  afterEach(() => {
    process.argv = argv;
    process.exitCode = undefined;
    jest.restoreAllMocks();
  });

  it('runs the command named by process.argv and sets process.exitCode', async () => {
    let written = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written += String(chunk);
      return true;
    });
    process.argv = [
      process.execPath,
      'express-mtls',
      'thumbprint',
      '--short',
      pkiFile('client-b.pem'),
    ];
    let finished: Promise<void> | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ({ finished } = require('../../lib/cli/main') as { finished: Promise<void> });
    });
    await finished;
    expect(written).toBe(`${X5T_S256['client-b']}\n`);
    expect(process.exitCode).toBe(0);
  });
});

describe('the built binary (node dist/cli/main.js)', () => {
  beforeAll(ensureBuilt, 120_000);

  it('starts with a node shebang', () => {
    expect(readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('exit 0: --version and a thumbprint', async () => {
    expect(await node(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(await node(['thumbprint', '--short', pkiFile('client-a-fullchain.pem')])).toEqual({
      code: 0,
      stdout: `${X5T_S256['client-a']}\n${X5T_S256['intermediate-ca']}\n`,
      stderr: '',
    });
  });

  it('reads standard input', async () => {
    const run = await node(['thumbprint', '--short', '-'], der('server'));
    expect(run).toEqual({ code: 0, stdout: `${X5T_S256.server}\n`, stderr: '' });
  });

  it('exit 1: verify of an invalid certificate, the reason on stdout', async () => {
    const run = await node([
      'verify',
      chainFile('leaf-expired.pem'),
      '--ca',
      chainFile('ec-root.pem'),
      '--intermediate',
      chainFile('ec-int.pem'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(
      run.stdout.endsWith('\nINVALID: expired — leaf: expired at 2021-01-01T00:00:00.000Z\n'),
    ).toBe(true);
  });

  it('exit 2: usage and input errors, one line on stderr, no stack trace', async () => {
    const missing = await node(['inspect', '/nonexistent.pem']);
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: 'express-mtls inspect: no such file: certificate /nonexistent.pem\n',
    });
    const notCertificate = await node(['thumbprint', pkiFile('client-a.key')]);
    expect(notCertificate).toEqual({
      code: 2,
      stdout: '',
      stderr: 'express-mtls thumbprint: no CERTIFICATE in the PEM input (it holds: PRIVATE KEY)\n',
    });
    const none = await node([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: express-mtls <command> [options]');
  });

  it('is not loaded by the library entry point (lib/index.ts does not import it)', async () => {
    const script =
      "require('./dist/index.js'); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('/dist/cli/'))))";
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
