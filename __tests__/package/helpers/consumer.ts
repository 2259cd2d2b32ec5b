/**
 * Throwaway consumer projects for the packaging suites. A consumer's `node_modules` is seeded
 * with this repository's production dependency closure (the entries of `package-lock.json`
 * that are not `dev`), copied from the repository's own `node_modules`; npm then installs
 * express-mtls on top of it with `--offline` and an empty cache of its own. Every dependency
 * the package declares is already satisfied, so npm needs neither the registry nor the
 * developer's cache — and a dependency that the package uses but does not declare is missing,
 * as it would be for a user.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBuilt, ROOT } from '../../cli/helpers/build';

const execFileAsync = promisify(execFile);

/** What `npm pack --json` reports about one tarball. */
export interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

interface LockEntry {
  readonly dev?: boolean;
  readonly link?: boolean;
}

/** Options for every npm run here: no audit, no funding message, no update check. */
const NPM_QUIET = ['--no-audit', '--no-fund', '--no-update-notifier'];

interface NpmOptions {
  /** Added to the environment (e.g. `npm_config_cache`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Killed after this many milliseconds. */
  readonly timeout?: number;
  /** npm's `--loglevel`: `error` unless told. */
  readonly loglevel?: 'error' | 'warn';
}

/** Runs npm in `cwd`; resolves to what it printed, rejects when it fails or times out. */
export async function npm(
  args: readonly string[],
  cwd: string,
  { env = {}, timeout = 120_000, loglevel = 'error' }: NpmOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync('npm', [...args, ...NPM_QUIET, `--loglevel=${loglevel}`], {
    cwd,
    timeout,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
}

/** Packs the repository's build (built first when `lib/` is newer) into `dest`. */
export async function packRepository(dest: string): Promise<PackResult> {
  await ensureBuilt();
  // --ignore-scripts: `prepare` would rebuild dist/ while other suites read it.
  const { stdout } = await npm(
    ['pack', '--json', '--ignore-scripts', '--pack-destination', dest],
    ROOT,
  );
  return (JSON.parse(stdout) as [PackResult])[0];
}

/** The paths (relative to the repository) of the production dependency closure. */
export function productionDependencies(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.dev !== true && entry.link !== true)
    .map(([path]) => path);
}

/**
 * Makes an empty consumer project in `dir` whose `node_modules` holds the production
 * dependency closure, with its `.bin` links (`npm rebuild`, offline).
 */
export async function seedConsumer(dir: string, manifest: object = {}): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, ...manifest })}\n`,
  );
  for (const path of productionDependencies()) {
    const source = join(ROOT, path);
    if (!existsSync(source)) continue;
    const nested = join(source, 'node_modules');
    cpSync(source, join(dir, path), { recursive: true, filter: (from) => from !== nested });
  }
  await npm(['rebuild', '--offline', '--ignore-scripts'], dir, { env: emptyCache(dir) });
}

/**
 * An environment naming a new, empty npm cache beside the consumer `dir` (so removed with it):
 * an offline install that would need the registry fails with `ENOTCACHED`.
 */
export function emptyCache(dir: string): NodeJS.ProcessEnv {
  return { npm_config_cache: mkdtempSync(join(dir, '..', 'npm-cache-')) };
}

/** Installs `tarball` into the seeded consumer `dir`, offline, with an empty cache. */
export async function installTarball(dir: string, tarball: string): Promise<void> {
  await npm(
    [
      'install',
      '--offline',
      '--no-save',
      '--no-package-lock',
      '--ignore-scripts',
      '--legacy-peer-deps',
      tarball,
    ],
    dir,
    { env: emptyCache(dir) },
  );
}
