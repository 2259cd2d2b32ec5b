/**
 * PACKAGING TEST — slow by design (npm pack, npm install, tsc; ~10–20 s). It checks the package
 * as users get it: the build output goes through `npm pack`, the tarball is installed with
 * `--offline` and an empty npm cache into throwaway consumer projects — CommonJS, ESM and
 * TypeScript (`node16` and `bundler` resolution) — whose node_modules is seeded with the
 * production dependencies (helpers/consumer.ts), and each makes one request against an Express
 * app on 127.0.0.1 that uses the exported middlewares. Express and its types are linked from
 * this repository's node_modules, so nothing is fetched from the network or the npm cache.
 *
 * `npm test` builds before Jest runs (`npm run lint` → `lint:package`); run alone, this test
 * rebuilds `dist/` when a file under `lib/` is newer than it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../cli/helpers/build';
import { der, X5T_S256 } from '../helpers/fixtures';
import { installTarball, packRepository, seedConsumer, type PackResult } from './helpers/consumer';

const run = promisify(execFile);
const HOOK_TIMEOUT = 180_000;
const CERT_B64 = der('client-a').toString('base64');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function link(consumers: string, name: string): void {
  const target = join(consumers, 'node_modules', name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(join(target, '..'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules', name), target, 'dir');
}

/** The app every consumer builds: clientCertificate() behind a trusted loopback proxy. */
const APP_BODY = `
const app = express();
app.use(mtls.clientCertificate({ format: 'der-base64', trustProxy: 'loopback' }));
app.get('/', (req, res) => {
  const cert = req.clientCert;
  res.json({
    thumbprint: cert ? cert.thumbprint : null,
    subject: cert ? cert.subject : null,
    viaHelper: cert ? mtls.thumbprint(mtls.ClientCertificate.from(cert.der)) : null,
  });
});
app.use(mtls.mtlsErrorHandler());
const server = app.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const headers = { 'x-client-cert': process.argv[2] };
  const response = await fetch('http://127.0.0.1:' + port + '/', { headers });
  const body = await response.json();
  server.close();
  console.log(JSON.stringify({ status: response.status, body }));
});
`;

const EXPECTED_REPLY = {
  status: 200,
  body: {
    thumbprint: X5T_S256['client-a'],
    subject: 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
    viaHelper: X5T_S256['client-a'],
  },
};

const TS_APP = `import express from 'express';
import { ClientCertificate, clientCertificate, mtlsErrorHandler, thumbprint, isMtlsError, type MtlsError } from 'express-mtls';
import type { AddressInfo } from 'node:net';

const app = express();
app.use(clientCertificate({ format: 'der-base64', trustProxy: 'loopback' }));
app.get('/', (req, res) => {
  const cert: ClientCertificate | undefined = req.clientCert;
  const dns: readonly string[] | undefined = cert?.subjectAltNames.dns;
  const sub: string | undefined = req.auth?.payload.sub;
  res.json({
    thumbprint: cert?.thumbprint ?? null,
    subject: cert?.subject ?? null,
    viaHelper: cert ? thumbprint(ClientCertificate.from(cert.der)) : null,
    extra: [dns?.length, sub].length,
  });
});
app.use(mtlsErrorHandler());
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  void (async () => {
    const response = await fetch(\`http://127.0.0.1:\${port}/\`, {
      headers: { 'x-client-cert': process.argv[2] ?? '' },
    });
    const body = (await response.json()) as Record<string, unknown>;
    delete body.extra;
    server.close();
    console.log(JSON.stringify({ status: response.status, body }));
  })();
});
export function describe(error: unknown): string {
  return isMtlsError(error) ? (error satisfies MtlsError).code : 'other';
}
`;

/** Deliberate type errors: proves the consumer really sees the package's types. */
const TS_WRONG = `import { thumbprint } from 'express-mtls';
import type { Request } from 'express';
export const a: number = thumbprint('x');
export function b(req: Request): string {
  return req.clientCert.thumbprint;
}
export const c: string | undefined = ({} as Request).clientCert?.notAField;
`;

function tsconfig(
  module: string,
  moduleResolution: string,
  extra: object,
  files: readonly string[],
): string {
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      target: 'es2022',
      module,
      moduleResolution,
      esModuleInterop: true,
      types: ['node'],
      outDir: `out-${moduleResolution}`,
      ...extra,
    },
    files,
  });
}

describe('the packed package', () => {
  let workDir: string;
  let consumers: string;
  let packed: PackResult;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'express-mtls-package-'));
    packed = await packRepository(workDir);
    consumers = join(workDir, 'consumers');
    await seedConsumer(consumers);
    await installTarball(consumers, join(workDir, packed.filename));
    for (const name of ['express', '@types/express', '@types/node']) link(consumers, name);

    write(join(consumers, 'cjs', 'package.json'), '{"type":"commonjs"}\n');
    write(
      join(consumers, 'cjs', 'index.js'),
      `const express = require('express');\nconst mtls = require('express-mtls');\n${APP_BODY}`,
    );
    write(join(consumers, 'esm', 'package.json'), '{"type":"module"}\n');
    write(
      join(consumers, 'esm', 'index.js'),
      `import express from 'express';
import { createRequire } from 'node:module';
import * as namespace from 'express-mtls';
import { clientCertificate, ClientCertificate, thumbprint, mtlsErrorHandler } from 'express-mtls';
const cjs = createRequire(import.meta.url)('express-mtls');
const missing = Object.keys(cjs).filter((name) => namespace[name] !== cjs[name]);
if (missing.length > 0) throw new Error('not visible from ESM: ' + missing.join(', '));
if (namespace.default !== cjs) throw new Error('default export is not module.exports');
const mtls = { clientCertificate, ClientCertificate, thumbprint, mtlsErrorHandler };
${APP_BODY}`,
    );
    write(join(consumers, 'ts', 'package.json'), '{"type":"commonjs"}\n');
    write(join(consumers, 'ts', 'index.ts'), TS_APP);
    write(join(consumers, 'ts', 'wrong.ts'), TS_WRONG);
    write(
      join(consumers, 'ts', 'tsconfig.node16.json'),
      tsconfig('node16', 'node16', { skipLibCheck: true }, ['index.ts']),
    );
    write(
      join(consumers, 'ts', 'tsconfig.bundler.json'),
      tsconfig('preserve', 'bundler', { noEmit: true }, ['index.ts', 'wrong.ts']),
    );
  }, HOOK_TIMEOUT);

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('contains the build, its types and the documents, and nothing else', () => {
    const paths = packed.files.map((f) => f.path).sort();
    for (const required of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'SECURITY.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/certificate.js',
      'dist/certificate.d.ts',
      'docs/errors.md',
    ]) {
      expect(paths).toContain(required);
    }
    const unexpected = paths.filter(
      (p) =>
        !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'SECURITY.md'].includes(p) &&
        !/^dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)$/.test(p) &&
        !/^docs\/[a-z0-9/-]+\.md$/.test(p),
    );
    expect(unexpected).toEqual([]);
    expect(paths.filter((p) => /__tests__|fixtures|\.test\.|\.pem$|\.key$|^lib\//.test(p))).toEqual(
      [],
    );
  });

  it('resolves the exports map: the root, package.json, and nothing deeper', async () => {
    const script = `
      const tryResolve = (id) => { try { return require.resolve(id); } catch (e) { return e.code; } };
      console.log(JSON.stringify([
        tryResolve('express-mtls'),
        tryResolve('express-mtls/package.json'),
        tryResolve('express-mtls/dist/certificate.js'),
        tryResolve('express-mtls/lib/index.ts'),
      ]));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: join(consumers, 'cjs') });
    const [root, pkg, deep, source] = JSON.parse(stdout) as string[];
    expect(root).toBe(join(consumers, 'node_modules', 'express-mtls', 'dist', 'index.js'));
    expect(pkg).toBe(join(consumers, 'node_modules', 'express-mtls', 'package.json'));
    expect(deep).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(source).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('works from CommonJS: require() and one request', async () => {
    const { stdout } = await run(process.execPath, ['index.js', CERT_B64], {
      cwd: join(consumers, 'cjs'),
    });
    expect(JSON.parse(stdout)).toEqual(EXPECTED_REPLY);
  });

  it('works from ESM: every CommonJS export is a named export (cjs-module-lexer)', async () => {
    const { stdout } = await run(process.execPath, ['index.js', CERT_B64], {
      cwd: join(consumers, 'esm'),
    });
    expect(JSON.parse(stdout)).toEqual(EXPECTED_REPLY);
  });

  it(
    'type-checks and runs from TypeScript with node16 resolution (req.clientCert augmentation)',
    async () => {
      // skipLibCheck: under node16, @peculiar/asn1-schema's own declarations (third-party) import
      // an ESM-only package from CommonJS types (TS1479); the bundler check below has it off.
      await run(process.execPath, [TSC, '-p', 'tsconfig.node16.json'], {
        cwd: join(consumers, 'ts'),
      });
      const { stdout } = await run(process.execPath, [join('out-node16', 'index.js'), CERT_B64], {
        cwd: join(consumers, 'ts'),
      });
      expect(JSON.parse(stdout)).toEqual(EXPECTED_REPLY);
    },
    HOOK_TIMEOUT,
  );

  it(
    'type-checks with bundler resolution, every declaration checked, and with real types',
    async () => {
      // One program: index.ts must be clean; wrong.ts must fail exactly where the package's types
      // say it should (so they are not `any`); no other file may report anything.
      const failure = await run(process.execPath, [TSC, '-p', 'tsconfig.bundler.json'], {
        cwd: join(consumers, 'ts'),
      }).then(
        () => ({ stdout: '' }),
        (error: unknown) => error as { stdout: string },
      );
      const errors = failure.stdout
        .split('\n')
        .filter((line) => line.includes('error TS'))
        .map((line) => line.replace(/: error (TS\d+): .*/, ' $1'));
      expect(errors).toEqual([
        'wrong.ts(3,14) TS2322',
        'wrong.ts(5,10) TS18048',
        'wrong.ts(7,66) TS2339',
      ]);
    },
    HOOK_TIMEOUT,
  );
});
