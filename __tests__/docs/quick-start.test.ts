import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../lib/cli/run';
import { requireProxyBinary } from '../e2e/harness/binaries';
import { acceptsConnections, freePort } from '../e2e/harness/ports';
import { withProxyLogs, type ProxyProcess } from '../e2e/harness/proxy-process';
import { launchNginx, makeProxyDir, removeProxyDir } from '../e2e/harness/proxies';
import { renderSample } from '../e2e/harness/template';
import { namedSnippet, ROOT } from './markdown-snippets';

/**
 * The README's quick start, run as a user would: the PKI from `express-mtls pki` (the README's
 * command), the nginx sample filled with the README's sed values (ports moved to free ones), the
 * README's app.js unchanged under plain `node`, and curl with and without the client certificate.
 */
const NGINX = requireProxyBinary('nginx', ['nginx']);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The `express-mtls …` arguments of the README's PKI command. */
function pkiArguments(): string[] {
  const line = namedSnippet('quick-start-pki')
    .code.split('\n')
    .find((l) => l.startsWith('npx express-mtls '));
  if (line === undefined) throw new Error('README: no "npx express-mtls" line in quick-start-pki');
  return line.slice('npx express-mtls '.length).trim().split(/\s+/);
}

/** The `{{NAME}}` values of the README's sed command for the nginx sample. */
function sedValues(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const match of README.matchAll(/s\|\{\{([A-Z_]+)\}\}\|([^|]*)\|/g)) {
    values[match[1] as string] = match[2] as string;
  }
  return values;
}

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

interface Reply {
  readonly status: number;
  readonly body: string;
}

function curl(dir: string, url: string, withCertificate: boolean): Promise<Reply> {
  const port = new URL(url).port;
  const args = ['--silent', '--show-error', '--max-time', '10', '--http1.1'];
  args.push(
    '--cacert',
    join(dir, 'pki', 'root-ca.pem'),
    '--resolve',
    `localhost:${port}:127.0.0.1`,
  );
  if (withCertificate) {
    args.push('--cert', join(dir, 'pki', 'alice.pem'), '--key', join(dir, 'pki', 'alice.key'));
  }
  args.push('--write-out', '\n%{http_code}', url);
  return new Promise((resolve, reject) => {
    execFile('curl', args, { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`curl ${url}: ${stderr.trim() || error.message}`));
        return;
      }
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
    });
  });
}

async function waitForPort(port: number, app: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (app.exitCode !== null) throw new Error(`app.js exited early:\n${output()}`);
    if (await acceptsConnections('127.0.0.1', port)) return;
    await sleep(100);
  }
  throw new Error(`app.js never listened on ${port}:\n${output()}`);
}

describe('the README quick start: its pieces', () => {
  it('has the PKI command, the sed values for every placeholder, and the app', () => {
    expect(pkiArguments()).toEqual(['pki', './pki', '--client', 'alice']);
    expect(Object.keys(sedValues()).sort()).toEqual([
      'APP_UPSTREAM',
      'MAIN_LISTEN',
      'MTLS_LISTEN',
      'MTLS_SERVER_NAME',
      'SERVER_CERT',
      'SERVER_KEY',
      'SERVER_NAME',
    ]);
    expect(namedSnippet('quick-start-app').lang).toBe('js');
  });
});

if (NGINX !== undefined) {
  const binary = NGINX;
  describe('the README quick start, run against the real nginx', () => {
    let dir = '';
    let proxyDir: string | undefined;
    let proxy: ProxyProcess | undefined;
    let app: ChildProcess | undefined;
    let appOutput = '';
    let main = '';
    let mtls = '';
    const live = (name: string, body: () => Promise<void>): void => {
      it(
        name,
        withProxyLogs(() => [proxy], body),
      );
    };

    beforeAll(async () => {
      mkdirSync(join(ROOT, '.tmp'), { recursive: true });
      dir = mkdtempSync(join(ROOT, '.tmp', 'quick-start-'));

      const args = pkiArguments().map((arg) => (arg.startsWith('./') ? join(dir, arg) : arg));
      let cliOutput = '';
      const io = {
        stdout: { write: (chunk: string) => (cliOutput += chunk) },
        stderr: { write: (chunk: string) => (cliOutput += chunk) },
        stdin: (async function* () {})(),
      };
      const code = await run(args, io);
      if (code !== 0) throw new Error(`express-mtls ${args.join(' ')}: exit ${code}\n${cliOutput}`);

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
      writeFileSync(join(dir, 'app.js'), namedSnippet('quick-start-app').code);

      const appPort = await freePort();
      app = spawn(process.execPath, ['--require', './register.js', 'app.js'], {
        cwd: dir,
        env: { ...process.env, PORT: String(appPort), NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      app.stdout?.on('data', (chunk: Buffer) => (appOutput += chunk.toString()));
      app.stderr?.on('data', (chunk: Buffer) => (appOutput += chunk.toString()));
      await waitForPort(appPort, app, () => appOutput);

      const ports = [await freePort(), await freePort()] as const;
      const values = sedValues();
      const filled: Record<string, string> = {};
      for (const [name, value] of Object.entries(values)) {
        filled[name] = value.replace('$PWD', dir);
      }
      filled.APP_UPSTREAM = `127.0.0.1:${appPort}`;
      filled.MAIN_LISTEN = `127.0.0.1:${ports[0]}`;
      filled.MTLS_LISTEN = `127.0.0.1:${ports[1]}`;
      proxyDir = makeProxyDir('quick-start');
      proxy = await launchNginx(
        binary,
        proxyDir,
        [renderSample('nginx', 'express-mtls.conf', filled)],
        ports.map((port) => ({ host: '127.0.0.1', port })),
      );
      main = `https://localhost:${ports[0]}`;
      mtls = `https://localhost:${ports[1]}`;
    }, 90_000);

    afterAll(async () => {
      await proxy?.stop();
      if (app?.pid !== undefined && app.exitCode === null) {
        const exited = new Promise((resolve) => app?.once('exit', resolve));
        process.kill(app.pid, 'SIGTERM');
        await exited;
      }
      removeProxyDir(proxyDir);
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    live('curl --cert alice.pem: 200 and the body the README shows', async () => {
      const reply = await curl(dir, `${mtls}/hello`, true);
      expect(reply).toEqual({ status: 200, body: '{"hello":"CN=alice,O=express-mtls test PKI"}' });
      expect(README).toContain(`\n${reply.body}\n`);
    });

    live('curl without a certificate: 401 and the body the README shows', async () => {
      const reply = await curl(dir, `${mtls}/hello`, false);
      expect(reply).toEqual({
        status: 401,
        body: '{"error":"unauthorized","error_description":"client certificate required"}',
      });
      expect(README).toContain(`\n${reply.body}  `);
    });

    live('the main host never asks for the certificate: 401 even with one', async () => {
      const reply = await curl(dir, `${main}/hello`, true);
      expect(reply.status).toBe(401);
    });
  });
}
