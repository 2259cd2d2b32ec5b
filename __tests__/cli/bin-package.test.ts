/**
 * PACKAGING TEST for the binary (slow: npm pack and an offline install, ~5–15 s). The packed
 * tarball is installed into a throwaway project seeded with the production dependencies
 * (`--offline`, empty npm cache: see ../package/helpers/consumer.ts);
 * `node_modules/.bin/express-mtls` must exist, point at an executable dist/cli/main.js, and run
 * through its shebang.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { X5T_S256 } from '../helpers/fixtures';
import { installTarball, packRepository, seedConsumer } from '../package/helpers/consumer';
import { pkiFile } from './helpers/cli';

const run = promisify(execFile);

describe('the packed package installs a working express-mtls binary', () => {
  let work: string;
  let bin: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'express-mtls-bin-'));
    const packed = await packRepository(work);
    expect(packed.files.map((file) => file.path)).toContain('dist/cli/main.js');
    const project = join(work, 'project');
    await seedConsumer(project);
    await installTarball(project, join(work, packed.filename));
    bin = join(project, 'node_modules', '.bin', 'express-mtls');
  }, 180_000);

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('links node_modules/.bin/express-mtls to an executable dist/cli/main.js', () => {
    const target = realpathSync(bin);
    expect(target.endsWith(join('node_modules', 'express-mtls', 'dist', 'cli', 'main.js'))).toBe(
      true,
    );
    expect(statSync(target).mode & 0o111).toBe(0o111);
  });

  it('runs through its shebang, with the exit codes of the source', async () => {
    const env = {
      ...process.env,
      PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
    };
    const { stdout } = await run(bin, ['thumbprint', '--short', pkiFile('client-a.pem')], { env });
    expect(stdout).toBe(`${X5T_S256['client-a']}\n`);
    await expect(run(bin, ['inspect', '/nonexistent.pem'], { env })).rejects.toMatchObject({
      code: 2,
      stderr: 'express-mtls inspect: no such file: certificate /nonexistent.pem\n',
    });
  });
});
