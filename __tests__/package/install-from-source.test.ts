/**
 * INSTALL TEST — slow (two to four minutes, more on a busy machine; not in `npm run test:unit`). It installs
 * express-mtls the two ways a user can before it is published, from the committed HEAD (not
 * the work tree), into scratch apps seeded with the production dependencies
 * (helpers/consumer.ts):
 *
 * - `npm pack` in a fresh, unbuilt clone (no `dist/`): `prepare` must build before packing;
 *   the tarball is then installed `--offline` with an empty npm cache;
 * - `npm install git+file://…#HEAD` of a bare clone: npm clones it and runs `prepare` there,
 *   which needs the devDependencies (typescript). npm installs them from the npm cache with
 *   `--prefer-offline`, and from the registry when the cache lacks them (a new machine).
 *
 * Each app then requires the library, makes one request through `clientCertificate()`, runs
 * `npx express-mtls thumbprint` on a fixture, and runs the quick start of the README it installed,
 * unchanged, behind the real nginx (../docs/helpers/quick-start.ts): `npx express-mtls pki` from
 * the app's bin link, the README's sed command on the nginx sample of the committed HEAD, the
 * README's app.js under plain `node` (so `require('express-mtls')` is the installed package),
 * and its curl calls.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../cli/helpers/build';
import { pkiFile } from '../cli/helpers/cli';
import { describeQuickStart, type QuickStartApp } from '../docs/helpers/quick-start';
import { requireProxyBinary } from '../e2e/harness/binaries';
import { der, X5T_S256 } from '../helpers/fixtures';
import { installTarball, npm, seedConsumer, type PackResult } from './helpers/consumer';

const run = promisify(execFile);
const HOOK_TIMEOUT = 600_000;
const CERT_B64 = der('client-a').toString('base64');
const NGINX = requireProxyBinary('nginx', ['nginx']);

/** One request through clientCertificate(); prints the status and what the route saw. */
const APP = `const express = require('express');
const { clientCertificate, mtlsErrorHandler } = require('express-mtls');
const app = express();
app.use(clientCertificate({ format: 'der-base64', trustProxy: 'loopback' }));
app.get('/', (req, res) => res.json({ thumbprint: req.clientCert ? req.clientCert.thumbprint : null }));
app.use(mtlsErrorHandler());
const server = app.listen(0, '127.0.0.1', async () => {
  const url = 'http://127.0.0.1:' + server.address().port + '/';
  const response = await fetch(url, { headers: { 'x-client-cert': process.argv[2] } });
  console.log(JSON.stringify({ status: response.status, body: await response.json() }));
  server.close();
});
`;

/**
 * Writes the request script into `dir` (`app.js` is the quick start's) and links Express (a
 * peer dependency) from this repository.
 */
function addApp(dir: string): void {
  writeFileSync(join(dir, 'request.js'), APP);
  symlinkSync(join(ROOT, 'node_modules', 'express'), join(dir, 'node_modules', 'express'), 'dir');
}

async function request(dir: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['request.js', CERT_B64], { cwd: dir });
  return JSON.parse(stdout) as unknown;
}

async function thumbprintCommand(dir: string): Promise<string> {
  const { stdout } = await run(
    'npx',
    ['--no', '--offline', 'express-mtls', 'thumbprint', '--short', pkiFile('client-a.pem')],
    { cwd: dir, timeout: 60_000 },
  );
  return stdout;
}

/**
 * Runs the README's `npx express-mtls …` line as written, in `dir`: npx must find the installed
 * bin (offline, and told not to fetch a package).
 */
async function runPkiWithNpx(command: string, dir: string): Promise<void> {
  await run('sh', ['-c', command], {
    cwd: dir,
    timeout: 60_000,
    env: { ...process.env, PWD: dir, npm_config_yes: 'false', npm_config_offline: 'true' },
  });
}

/** `path` as committed at HEAD in the clone `gitDir` (bare or not). */
async function atHead(gitDir: string, path: string): Promise<string> {
  const { stdout } = await run('git', ['-C', gitDir, 'show', `HEAD:${path}`]);
  return stdout;
}

/** The installed README and the committed nginx sample: the quick start as a user reads it. */
async function quickStartApp(dir: string, gitDir: string): Promise<QuickStartApp> {
  return {
    dir,
    readme: readFileSync(join(dir, 'node_modules', 'express-mtls', 'README.md'), 'utf8'),
    sample: await atHead(gitDir, 'samples/nginx/express-mtls.conf'),
    runPki: runPkiWithNpx,
  };
}

function describeInstalled(dir: () => string, gitDir: () => string): void {
  it('installs the built library, its types and the bin link', () => {
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js']) {
      expect(existsSync(join(dir(), 'node_modules', 'express-mtls', file))).toBe(true);
    }
    expect(existsSync(join(dir(), 'node_modules', '.bin', 'express-mtls'))).toBe(true);
  });

  it('serves one request through clientCertificate()', async () => {
    await expect(request(dir())).resolves.toEqual({
      status: 200,
      body: { thumbprint: X5T_S256['client-a'] },
    });
  });

  it('runs `npx express-mtls thumbprint`', async () => {
    await expect(thumbprintCommand(dir())).resolves.toBe(`${X5T_S256['client-a']}\n`);
  });

  if (NGINX !== undefined) {
    describeQuickStart(
      'the README quick start, behind the real nginx',
      NGINX,
      () => quickStartApp(dir(), gitDir()),
      120_000,
    );
  }
}

describe('installing from source', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'express-mtls-install-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  describe('npm pack in an unbuilt clone, then the tarball', () => {
    let packed: PackResult;
    const app = (): string => join(work, 'tarball-app');
    const clone = (): string => join(work, 'clone');

    beforeAll(async () => {
      await run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone()]);
      expect(existsSync(join(clone(), 'dist'))).toBe(false);
      symlinkSync(join(ROOT, 'node_modules'), join(clone(), 'node_modules'), 'dir');
      const { stdout } = await npm(['pack', '--json', '--pack-destination', work], clone(), {
        timeout: 540_000,
      });
      packed = (JSON.parse(stdout) as [PackResult])[0];
      await seedConsumer(app());
      await installTarball(app(), join(work, packed.filename));
      addApp(app());
    }, HOOK_TIMEOUT);

    it('packs the build that prepare made', () => {
      const paths = packed.files.map((file) => file.path);
      expect(paths).toEqual(
        expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js']),
      );
    });

    describeInstalled(app, clone);
  });

  describe('npm install git+file://…#HEAD', () => {
    const app = (): string => join(work, 'git-app');
    const bare = (): string => join(work, 'express-mtls.git');
    let npmWarnings: string;

    beforeAll(async () => {
      await run('git', ['clone', '--quiet', '--bare', '--no-hardlinks', ROOT, bare()]);
      // npm ≥ 11.16 warns, and npm 12 refuses, to run a git dependency's `prepare` that the
      // app did not approve in allowScripts, keyed by the repository URL (not the name).
      await seedConsumer(app(), { allowScripts: { [`git+file://${bare()}`]: true } });
      const { stderr } = await npm(
        [
          'install',
          '--prefer-offline',
          '--no-save',
          '--no-package-lock',
          '--legacy-peer-deps',
          '--fetch-retries=1',
          `git+file://${bare()}#HEAD`,
        ],
        app(),
        { timeout: 540_000, loglevel: 'warn' },
      );
      npmWarnings = stderr;
      addApp(app());
    }, HOOK_TIMEOUT);

    it('runs prepare as approved by the allowScripts entry for the repository URL', () => {
      expect(npmWarnings).not.toMatch(/not yet covered by allowScripts|ESTRICTALLOWSCRIPTS/);
    });

    describeInstalled(app, bare);
  });
});
