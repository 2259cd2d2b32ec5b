'use strict';
/**
 * Lets a plain Node child process `require()` the library's TypeScript sources, as jest's
 * transform does in the test process: each `.ts` file is transpiled to CommonJS on load
 * (typescript's transpileModule, no type-check). Needs no build, so the multi-process tests run
 * the same in a fresh clone. With `EXPRESS_MTLS_TS_CACHE` set to a directory (the test creates and
 * removes it), transpiled files are kept there by the SHA-256 of their source, so a second child
 * process starts without transpiling again (each file is written whole, then renamed).
 */
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..', '..');
const CACHE = process.env.EXPRESS_MTLS_TS_CACHE;
let ts;

function transpile(source, filename) {
  ts ??= require(path.join(ROOT, 'node_modules', 'typescript'));
  return ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  }).outputText;
}

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  let output;
  if (CACHE === undefined) {
    output = transpile(source, filename);
  } else {
    const digest = createHash('sha256').update(filename).update('\0').update(source).digest('hex');
    const cached = path.join(CACHE, `${digest}.js`);
    try {
      output = fs.readFileSync(cached, 'utf8');
    } catch {
      output = transpile(source, filename);
      const partial = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(partial, output);
      fs.renameSync(partial, cached);
    }
  }
  module._compile(output, filename);
};

module.exports = { ROOT };
