/**
 * `"sideEffects": false` tells the truth: loading the public entry (`lib/index.ts`, what
 * `require('express-mtls')` runs) adds no global, leaves the global `Reflect` alone and loads
 * neither `reflect-metadata` (which patches `Reflect`) nor `@peculiar/x509` (which needs it).
 * Only the `ClientCertificate#x509` escape hatch and the CLI's `pki` command load them, on first
 * use. Checked in a fresh Node process, with `lib/` compiled on the fly by TypeScript.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');

const PROBE = `
const ts = require('typescript');
const { readFileSync } = require('node:fs');
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
const state = () => ({
  globals: Object.getOwnPropertyNames(globalThis),
  reflect: Reflect.ownKeys(Reflect).map(String),
  packages: [...new Set(Object.keys(require.cache).flatMap((file) => {
    const match = /[\\\\/]node_modules[\\\\/](reflect-metadata|@peculiar[\\\\/]x509)[\\\\/]/.exec(file);
    return match === null ? [] : [match[1].replace('\\\\', '/')];
  }))].sort(),
  getMetadata: typeof Reflect.getMetadata,
});
const added = (after, before) => after.filter((name) => !before.includes(name));
const before = state();
const lib = require('./lib/index.ts');
const entry = state();
void lib.ClientCertificate.from(readFileSync('__tests__/fixtures/pki/client-a.pem', 'utf8')).x509;
const hatch = state();
process.stdout.write(JSON.stringify({
  entry: { globals: added(entry.globals, before.globals), reflect: added(entry.reflect, before.reflect), packages: entry.packages, getMetadata: entry.getMetadata },
  hatch: { reflect: added(hatch.reflect, before.reflect), packages: hatch.packages, getMetadata: hatch.getMetadata },
}));
`;

interface Probe {
  readonly entry: {
    readonly globals: string[];
    readonly reflect: string[];
    readonly packages: string[];
    readonly getMetadata: string;
  };
  readonly hatch: {
    readonly reflect: string[];
    readonly packages: string[];
    readonly getMetadata: string;
  };
}

describe('the public entry point', () => {
  let probe: Probe;

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', PROBE], { cwd: ROOT });
    probe = JSON.parse(stdout) as Probe;
  }, 60_000);

  it('loads neither reflect-metadata nor @peculiar/x509', () => {
    expect(probe.entry.packages).toEqual([]);
  });

  it('leaves the global Reflect alone and adds no global', () => {
    expect(probe.entry.getMetadata).toBe('undefined');
    expect(probe.entry.reflect).toEqual([]);
    expect(probe.entry.globals).toEqual([]);
  });

  it('loads them on first use of the x509 escape hatch (which the probe sees)', () => {
    expect(probe.hatch.packages).toEqual(['@peculiar/x509', 'reflect-metadata']);
    expect(probe.hatch.getMetadata).toBe('function');
    expect(probe.hatch.reflect).toContain('getMetadata');
  });
});
