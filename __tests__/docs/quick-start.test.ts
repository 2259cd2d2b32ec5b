import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../lib/cli/run';
import { requireProxyBinary } from '../e2e/harness/binaries';
import { readSample } from '../e2e/harness/template';
import { describeQuickStart, readQuickStart } from './helpers/quick-start';
import { ROOT } from './markdown-snippets';

/**
 * The README's quick start against this repository's sources (helpers/quick-start.ts: the
 * README's PKI command, its sed command on the nginx sample, its app.js unchanged under plain
 * `node`, its curl calls). The install test runs the same against the installed package.
 */
const NGINX = requireProxyBinary('nginx', ['nginx']);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Loads TypeScript sources (lib/) in a plain `node` process, as the built package would be. */
const REGISTER = `
const fs = require('node:fs');
const ts = require(${JSON.stringify(join(ROOT, 'node_modules', 'typescript'))});
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
`;

/** Runs `express-mtls …` of the README's `npx express-mtls …` line in-process, in `dir`. */
async function runPkiInProcess(command: string, dir: string): Promise<void> {
  const args = command
    .slice('npx express-mtls '.length)
    .trim()
    .split(/\s+/)
    .map((arg) => (arg.startsWith('./') ? join(dir, arg) : arg));
  let output = '';
  const io = {
    stdout: { write: (chunk: string) => (output += chunk) },
    stderr: { write: (chunk: string) => (output += chunk) },
    stdin: (async function* () {})(),
  };
  const code = await run(args, io);
  if (code !== 0) throw new Error(`express-mtls ${args.join(' ')}: exit ${code}\n${output}`);
}

describe('the README quick start: its pieces', () => {
  it('has the PKI command, the sed values for every placeholder, the app and two calls', () => {
    const quickStart = readQuickStart(README);
    expect(quickStart.pkiCommand).toBe('npx express-mtls pki ./pki --client alice');
    expect(Object.keys(quickStart.sedValues).sort()).toEqual([
      'APP_UPSTREAM',
      'MAIN_LISTEN',
      'MTLS_LISTEN',
      'MTLS_SERVER_NAME',
      'SERVER_CERT',
      'SERVER_KEY',
      'SERVER_NAME',
    ]);
    expect(quickStart.app).toContain("require('express-mtls')");
    expect(quickStart.calls.map((call) => call.status)).toEqual([200, 401]);
  });

  it('fails loudly when a piece is missing', () => {
    expect(() => readQuickStart('# x\n')).toThrow('no "## Quick start" section');
    const withoutCurl = README.replace(/^\$ curl /gm, '$ wget ');
    expect(() => readQuickStart(withoutCurl)).toThrow('expected one curl block, found 0');
  });
});

if (NGINX !== undefined) {
  let dir = '';
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  describeQuickStart('the README quick start, run against the real nginx', NGINX, () => {
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    // Under the repository, so that app.js finds Express in its node_modules.
    dir = mkdtempSync(join(ROOT, '.tmp', 'quick-start-'));
    const packageDir = join(dir, 'node_modules', 'express-mtls');
    mkdirSync(packageDir, { recursive: true });
    writeFileSync(
      join(packageDir, 'index.js'),
      `module.exports = require(${JSON.stringify(join(ROOT, 'lib', 'index.ts'))});\n`,
    );
    // A package of its own, so that Node does not resolve express-mtls to this repository itself.
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'quick-start', private: true }),
    );
    writeFileSync(join(dir, 'register.js'), REGISTER);
    return {
      dir,
      readme: README,
      sample: readSample('nginx', 'express-mtls.conf'),
      runPki: runPkiInProcess,
      nodeArgs: ['--require', './register.js'],
    };
  });
}
