import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CASES } from '../../bench/cases';
import { repositoryRoot, startServer } from '../../bench/server-process';

const ROOT = join(__dirname, '..', '..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run bench -- --quick --check (the pre-check of every case, no timing)', () => {
  let result: Run;
  beforeAll(async () => {
    result = await run('npm', ['run', '--silent', 'bench', '--', '--quick', '--check']);
  }, 180_000);

  it('exits 0 after every server passed', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`pre-check passed for ${CASES.length} cases`);
    expect(result.stdout).not.toContain('FAILED');
    expect(result.stdout).not.toMatch(/^round /m);
  });

  it.each([
    ['bare', 'good certificate and bound token', 200],
    ['peer', "another client's certificate", 401],
    ['cert', 'malformed certificate header', 400],
    ['binding', 'bound token without a certificate', 401],
    ['full', 'certificate of an unrelated CA', 403],
    ['peer-cold', "another client's certificate", 401],
    ['binding-cold', "another client's certificate", 401],
    ['full-cold', 'certificate of an unrelated CA', 403],
    ['bare-chain', 'good certificate and bound token', 200],
    ['peer-chain', "another client's certificate", 401],
    ['full-chain', 'certificate of an unrelated CA', 403],
    ['peer-chain-cold', "another client's certificate", 401],
    ['full-chain-cold', 'bound token without a certificate', 401],
  ])('%s: %s → %d', (id, name, status) => {
    expect(result.stdout).toContain(`check ${id}: ${name} → ${status} (expected ${status}) ok`);
  });

  it('leaves no server process behind', async () => {
    const ps = await run('ps', ['-eo', 'args']);
    expect(ps.stdout).not.toMatch(/\.tmp\/bench\/bench\/servers\/ours-server\.js/);
    expect(ps.stdout).not.toMatch(/bench\/servers\/peer-server\.cjs/);
  });

  it('bench:memory --quick stays within its bound once the caches are full', async () => {
    const memory = await run('node', ['--expose-gc', '.tmp/bench/bench/memory.js', '--quick']);
    expect(memory.stderr).toBe('');
    expect(memory.code).toBe(0);
    expect(memory.stdout).toMatch(/peak growth \(heap \+ arrayBuffers\) [\d.]+ MiB/);
    expect(memory.stdout).toContain('(bound: 32 MiB)');
  }, 120_000);

  it('bench:memory refuses to run without --expose-gc', async () => {
    const memory = await run('node', ['.tmp/bench/bench/memory.js', '--quick']);
    expect(memory.code).toBe(2);
    expect(memory.stdout).toContain('needs node --expose-gc');
  });

  it('--help prints the usage; a bad option exits 2 with it', async () => {
    const help = await run('node', ['.tmp/bench/bench/run.js', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npm run bench -- [options]');
    const bad = await run('node', ['.tmp/bench/bench/run.js', '--rounds', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('--rounds needs a positive integer');
  });
});

describe('server processes', () => {
  it('start the peer on a free loopback port, report CPU and requests, and stop', async () => {
    const server = await startServer({
      kind: 'peer',
      issuer: 'https://as.example.test',
      audience: 'https://api.example.test',
      jwksUri: 'http://127.0.0.1:1/jwks',
      trustAnchor: '',
      intermediate: '',
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const stats = await server.stats();
      expect(stats.requests).toBe(0);
      expect(stats.cpu).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
    expect(() => process.kill(server.pid, 0)).toThrow();
  });

  it('finds the repository root from a nested directory, and fails above it', () => {
    expect(repositoryRoot(join(ROOT, 'bench', 'servers'))).toBe(ROOT);
    expect(() => repositoryRoot('/')).toThrow('no repository root above /');
  });
});
