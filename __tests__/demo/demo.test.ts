import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDemoArgs } from '../../scripts/demo';
import { requireProxyBinary } from '../e2e/harness/binaries';

const ROOT = join(__dirname, '..', '..');
const COMPILED = join(ROOT, '.tmp', 'demo', 'scripts', 'demo.js');
const NGINX = requireProxyBinary('nginx', ['nginx']);

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in the repository, optionally reacting to its output; resolves on exit. */
function spawnDemo(
  command: string,
  args: readonly string[],
  onOutput?: (stdout: string, child: ReturnType<typeof spawn>) => void,
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      onOutput?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The temp dir the transcript names. */
function tempDirOf(transcript: string): string {
  const dir = / in (\/\S*express-mtls-demo-\w+)\n/.exec(transcript)?.[1];
  expect(dir).toBeDefined();
  return dir as string;
}

/** Processes whose command line or working directory mentions `dir` (Linux /proc). */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // another user's process
      }
      if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Asserts that nothing of a finished demo run is left: temp dir, processes. */
function expectNothingLeft(transcript: string): void {
  const dir = tempDirOf(transcript);
  expect(existsSync(dir)).toBe(false);
  expect(processesUsing(dir)).toEqual([]);
  const pids = /nginx\s+pids ([\d, ]+)/.exec(transcript)?.[1]?.split(', ').map(Number) ?? [];
  for (const pid of pids) expect(isRunning(pid)).toBe(false);
}

const KEY_LINES = [
  /\[1\/13\] Discovery on the main host/,
  /mTLS alias\s+https:\/\/mtls\.localhost:\d+\/token/,
  /JWT header\s+\{"alg":"ES256","typ":"at\+jwt","kid":"[\w-]{43}"\}/,
  /cnf\s+\{"x5t#S256":"([\w-]{43})"\}\n\s+expected\s+\1 \(client-a, from openssl\)/,
  /✓ bound token: cnf\["x5t#S256"\] is client-a's certificate thumbprint/,
  /✓ refused: 401 invalid_client \(certificate_missing\)/,
  /✓ accepted: 200, the token is bound to the certificate presented/,
  /✓ refused: 401 invalid_token \(binding_mismatch\)/,
  /✓ refused: 401 invalid_token \(certificate_missing\)/,
  /✓ the front removed it: 401 invalid_token \(certificate_missing\)/,
  /express-mtls:certificate:ignored → reason untrusted_peer/,
  /✓ ignored \(untrusted peer\): 401 invalid_token \(certificate_missing\), not 200/,
  /token_type\s+DPoP\n\s+cnf\s+\{"jkt":"([\w-]{43})"\}\n\s+expected\s+\1 \(RFC 7638 thumbprint/,
  /✓ accepted: 200, binding dpop, the proof is signed by the key the token is bound to/,
  /express-mtls:token → 401 ERR_MTLS_INVALID_DPOP_PROOF \(replayed\)/,
  /express-mtls:token → 401 ERR_MTLS_INVALID_DPOP_PROOF \(key_mismatch\)/,
  /express-mtls:token → 401 ERR_MTLS_INVALID_TOKEN \(scheme_mismatch\)/,
  /✓ All 13 steps behaved as expected\./,
  /Cleaned up: .*removed \/\S+express-mtls-demo-\w+\./,
];

describe('parseDemoArgs()', () => {
  it.each<[string[], unknown]>([
    [[], { options: { proxy: 'node', format: undefined, keep: false } }],
    [
      ['--proxy', 'nginx', '--keep'],
      { options: { proxy: 'nginx', format: undefined, keep: true } },
    ],
    [['--format', 'xfcc'], { options: { proxy: 'node', format: 'xfcc', keep: false } }],
    [
      ['--proxy', 'nginx', '--format', 'nginx'],
      { options: { proxy: 'nginx', format: 'nginx', keep: false } },
    ],
    [['-h'], { help: true }],
    [['--proxy', 'haproxy'], { error: '--proxy must be node or nginx, not "haproxy"' }],
    [['--format', 'json'], { error: expect.stringMatching(/^--format must be one of nginx, pem/) }],
    [['--proxy', 'nginx', '--format', 'pem'], { error: expect.stringMatching(/drop --format/) }],
    [['--verbose'], { error: expect.stringMatching(/Unknown option '--verbose'/) }],
  ])('%j', (argv, expected) => {
    expect(parseDemoArgs(argv)).toEqual(expected);
  });
});

describe('npm run demo', () => {
  let run: Run;
  beforeAll(async () => {
    run = await spawnDemo('npm', ['run', '--silent', 'demo']);
  }, 90_000);

  it('exits 0 after every step behaved as expected', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it.each(KEY_LINES.map((line) => [line]))('prints %s', (line) => {
    expect(run.stdout).toMatch(line);
  });

  it('writes no colour when not on a terminal', () => {
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('leaves no temp dir and no process behind', () => {
    expectNothingLeft(run.stdout);
  });

  it('--keep: Ctrl-C (SIGINT) stops the servers, cleans up and exits 0', async () => {
    let interrupted = false;
    const kept = await spawnDemo('node', [COMPILED, '--keep'], (stdout, child) => {
      if (!interrupted && stdout.includes('Press Ctrl-C to stop.')) {
        interrupted = true;
        // Twice, as an impatient user would: the second one must not cut the cleanup short.
        child.kill('SIGINT');
        child.kill('SIGINT');
      }
    });
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('✓ All 13 steps behaved as expected.');
    expect(kept.stdout).toMatch(/Cleaned up: /);
    expectNothingLeft(kept.stdout);
  });

  describe('cleans up when stopped early, whatever stops it', () => {
    let tmp: string;
    beforeEach(() => {
      tmp = mkdtempSync(join(tmpdir(), 'express-mtls-demo-test-'));
    });
    afterEach(() => {
      rmSync(tmp, { recursive: true, force: true });
    });

    /** Runs the compiled demo with its temp dir under `tmp`; `stop` acts once `when` matches. */
    async function stopped(when: RegExp, stop: (child: ReturnType<typeof spawn>) => void) {
      let done = false;
      const run = await spawnDemo(
        'node',
        [COMPILED],
        (stdout, child) => {
          if (!done && when.test(stdout)) {
            done = true;
            stop(child);
          }
        },
        { TMPDIR: tmp },
      );
      expect(done).toBe(true);
      expect(run.signal).toBeNull();
      expect(readdirSync(tmp)).toEqual([]);
      expect(processesUsing(tmp)).toEqual([]);
      return run;
    }

    it.each([
      ['after the first line', /\n/],
      ['once the temp dir with the keys exists', / in \/\S*express-mtls-demo-\w+\n/],
    ])(
      'the reader goes away %s (npm run demo | head -3, EPIPE): exits 141, nothing left',
      async (_when, when) => {
        const run = await stopped(when, (child) => {
          child.stdout?.destroy();
        });
        expect(run.code).toBe(141);
        expect(run.stderr).toBe('');
      },
      30_000,
    );

    it.each([
      ['SIGTERM', 130],
      ['SIGHUP', 130],
    ] as const)(
      '%s during the steps: exits %i, nothing left',
      async (signal, code) => {
        const run = await stopped(/\[1\/13\]/, (child) => {
          child.kill(signal);
        });
        expect(run.code).toBe(code);
        expect(run.stdout).toContain('Interrupted.');
        expect(run.stdout).toMatch(/Cleaned up: .*removed \/\S+express-mtls-demo-\w+\./);
      },
      30_000,
    );
  });

  it('exits 2 with the usage on a bad argument', async () => {
    const bad = await spawnDemo('node', [COMPILED, '--proxy', 'haproxy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--proxy must be node or nginx, not "haproxy"');
    expect(bad.stderr).toContain('Usage: npm run demo -- [--proxy node|nginx]');
    expect(bad.stdout).toBe('');
  });

  it('--help prints the usage and exits 0', async () => {
    const help = await spawnDemo('node', [COMPILED, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      '--keep    keep everything running after the steps, until Ctrl-C',
    );
  });

  if (NGINX !== undefined) {
    it('--proxy nginx: the same walkthrough behind real nginx (samples/nginx/express-mtls.conf)', async () => {
      const behindNginx = await spawnDemo('node', [COMPILED, '--proxy', 'nginx']);
      expect(behindNginx.stderr).toBe('');
      expect(behindNginx.code).toBe(0);
      expect(behindNginx.stdout).toContain('behind nginx (samples/nginx/express-mtls.conf)');
      expect(behindNginx.stdout).toMatch(/nginx\s+pids \d+, \d+ \(/);
      expect(behindNginx.stdout).toContain(
        'the front forwards the certificate in the "nginx" format',
      );
      for (const line of KEY_LINES) expect(behindNginx.stdout).toMatch(line);
      expectNothingLeft(behindNginx.stdout);
    }, 60_000);
  }
});
