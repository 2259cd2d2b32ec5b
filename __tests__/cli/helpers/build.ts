import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..', '..');
/** The built binary. */
export const BIN = join(ROOT, 'dist', 'cli', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` when a file under `lib/` is newer than the built binary. */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= newestMtime(join(ROOT, 'lib'))) return;
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
}
