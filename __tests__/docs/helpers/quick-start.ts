/**
 * The README's quick start, as a user runs it: its PKI command, its sed command filling the
 * nginx sample, its `app.js` under plain `node`, and its `curl` calls. Shared by the docs test
 * (against this repository's sources) and the install test (against the installed package).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { acceptsConnections, freePort } from '../../../scripts/local-services';
import { withProxyLogs, type ProxyProcess } from '../../e2e/harness/proxy-process';
import { launchNginx, makeProxyDir, removeProxyDir } from '../../e2e/harness/proxies';
import { extractSnippets, type Snippet } from '../markdown-snippets';

const execFileAsync = promisify(execFile);

/** One `$ curl …` line of the README and the output it shows under it. */
export interface ShownCall {
  /** curl's arguments, as the README writes them. */
  readonly args: readonly string[];
  /** The status: the `# 401` comment after the body, 200 without one. */
  readonly status: number;
  readonly body: string;
}

/** The pieces of the quick start of a README. */
export interface QuickStart {
  /** `npx express-mtls pki ./pki --client alice`. */
  readonly pkiCommand: string;
  /** The `sed … express-mtls.conf > /etc/nginx/conf.d/express-mtls.conf` command. */
  readonly sedCommand: string;
  /** The `{{NAME}}` values of the sed command. */
  readonly sedValues: Readonly<Record<string, string>>;
  /** `app.js`. */
  readonly app: string;
  readonly calls: readonly ShownCall[];
}

const SED_VALUE = /s\|\{\{([A-Z_]+)\}\}\|([^|]*)\|/g;

function only(snippets: readonly Snippet[], what: string, test: (s: Snippet) => boolean): Snippet {
  const found = snippets.filter(test);
  if (found.length !== 1) {
    throw new Error(`README quick start: expected one ${what} block, found ${found.length}`);
  }
  return found[0] as Snippet;
}

/** Reads the pieces of the `## Quick start` section of a README's text. */
export function readQuickStart(readme: string): QuickStart {
  const start = readme.indexOf('\n## Quick start');
  if (start < 0) throw new Error('README: no "## Quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const snippets = extractSnippets('README.md', readme.slice(start, end < 0 ? undefined : end));

  const pki = only(snippets, 'quick-start-pki', (s) => s.marker === 'quick-start-pki');
  const pkiCommand = pki.code.split('\n').find((line) => line.startsWith('npx express-mtls '));
  if (pkiCommand === undefined) throw new Error('README: no "npx express-mtls" line');

  const sedCommand = only(
    snippets,
    'sed',
    (s) => s.lang === 'sh' && s.code.startsWith('sed '),
  ).code.trim();
  const sedValues: Record<string, string> = {};
  for (const match of sedCommand.matchAll(SED_VALUE)) {
    sedValues[match[1] as string] = match[2] as string;
  }

  const app = only(snippets, 'quick-start-app', (s) => s.marker === 'quick-start-app').code;

  const transcript = only(snippets, 'curl', (s) => s.lang === 'sh' && s.code.startsWith('$ curl '));
  const lines = transcript.code.trimEnd().split('\n');
  const calls: ShownCall[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    const command = (lines[i] as string).slice('$ curl '.length).trim();
    const output = /^(.*?)(?:\s+# (\d{3}))?$/.exec(lines[i + 1] ?? '') as RegExpExecArray;
    calls.push({
      args: command.split(/\s+/),
      status: output[2] === undefined ? 200 : Number(output[2]),
      body: output[1] as string,
    });
  }
  return { pkiCommand, sedCommand, sedValues, app, calls };
}

/** What curl got. */
export interface Reply {
  readonly status: number;
  readonly body: string;
}

/** How one scratch app gets `express-mtls`; the quick start then runs in its `dir`. */
export interface QuickStartApp {
  /** The app directory: `require('express-mtls')` and `require('express')` resolve from it. */
  readonly dir: string;
  /** The README's text. */
  readonly readme: string;
  /** The text of `samples/nginx/express-mtls.conf`. */
  readonly sample: string;
  /** Runs the README's PKI command (`npx express-mtls pki …`) in `dir`. */
  readonly runPki: (command: string, dir: string) => Promise<void>;
  /** `node` options before `app.js` (none for an installed package). */
  readonly nodeArgs?: readonly string[];
}

function spawnApp(app: QuickStartApp, port: number): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [...(app.nodeArgs ?? []), 'app.js'], {
    cwd: app.dir,
    env: { ...process.env, PORT: String(port), NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitForPort(port: number, app: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (app.exitCode !== null) throw new Error(`app.js exited early:\n${output()}`);
    if (await acceptsConnections('127.0.0.1', port)) return;
    await sleep(100);
  }
  throw new Error(`app.js never listened on ${port}:\n${output()}`);
}

async function stopApp(app: ChildProcess | undefined): Promise<void> {
  if (app?.pid === undefined || app.exitCode !== null) return;
  const exited = new Promise((resolve) => app.once('exit', resolve));
  process.kill(app.pid, 'SIGTERM');
  await exited;
}

/**
 * Runs the README's sed command in `dir` (so `$PWD` is the app directory), with the sample as
 * `express-mtls.conf` there. Only what the README tells the user to fill in is changed: the
 * app's address and the two listen ports (free loopback ones instead of 3000, 8443 and 9443),
 * and the output file (in `proxyDir` instead of /etc/nginx/conf.d/).
 */
async function fillSample(
  quickStart: QuickStart,
  app: QuickStartApp,
  ports: Readonly<Record<'APP_UPSTREAM' | 'MAIN_LISTEN' | 'MTLS_LISTEN', string>>,
  proxyDir: string,
): Promise<string> {
  writeFileSync(join(app.dir, 'express-mtls.conf'), app.sample);
  const output = join(proxyDir, 'express-mtls.conf');
  const destination = '> /etc/nginx/conf.d/express-mtls.conf';
  if (!quickStart.sedCommand.endsWith(destination)) {
    throw new Error(`README: the sed command does not end with "${destination}"`);
  }
  const command = quickStart.sedCommand
    .slice(0, -destination.length)
    .replace(SED_VALUE, (whole, name: string) =>
      name in ports ? `s|{{${name}}}|${ports[name as keyof typeof ports]}|` : whole,
    );
  await execFileAsync('sh', ['-c', `${command}> '${output}'`], {
    cwd: app.dir,
    env: { ...process.env, PWD: app.dir },
  });
  const filled = readFileSync(output, 'utf8');
  const left = /\{\{[A-Z_]+\}\}/.exec(filled);
  if (left !== null) throw new Error(`README: the sed command leaves ${left[0]} in the sample`);
  return filled;
}

/**
 * Runs one README curl call in `dir` with its arguments unchanged but for the URL's port (moved
 * to `port`); the harness adds a time bound, HTTP/1.1, `localhost` pinned to 127.0.0.1 (nginx
 * listens there only), and the status after the body.
 */
export function curlAsShown(dir: string, call: ShownCall, port: number): Promise<Reply> {
  const args = call.args.map((arg) => {
    if (!arg.startsWith('https://')) return arg;
    const url = new URL(arg);
    url.port = String(port);
    return url.href;
  });
  const harness = ['--silent', '--show-error', '--max-time', '10', '--http1.1'];
  harness.push('--resolve', `localhost:${port}:127.0.0.1`, '--write-out', '\n%{http_code}');
  return new Promise((resolve, reject) => {
    execFile('curl', [...harness, ...args], { cwd: dir, timeout: 15_000 }, (error, out, err) => {
      if (error) {
        reject(new Error(`curl ${args.join(' ')}: ${err.trim() || error.message}`));
        return;
      }
      const cut = out.lastIndexOf('\n');
      resolve({ status: Number(out.slice(cut + 1)), body: out.slice(0, cut) });
    });
  });
}

/**
 * Registers the quick start's live tests against the real nginx (`binary`): `prepare` makes the
 * scratch app (run in a `beforeAll`, after the enclosing ones), then the README's PKI command,
 * sed command, `app.js` and curl calls run in it, and each reply must be the one the README shows.
 */
export function describeQuickStart(
  title: string,
  binary: string,
  prepare: () => QuickStartApp | Promise<QuickStartApp>,
  hookTimeout = 90_000,
): void {
  describe(title, () => {
    let app: QuickStartApp | undefined;
    let quickStart: QuickStart | undefined;
    let proxyDir: string | undefined;
    let proxy: ProxyProcess | undefined;
    let server: ChildProcess | undefined;
    let ports = { main: 0, mtls: 0 };
    const live = (name: string, body: (a: QuickStartApp, q: QuickStart) => Promise<void>): void => {
      it(
        name,
        withProxyLogs(
          () => [proxy],
          () => body(app as QuickStartApp, quickStart as QuickStart),
        ),
      );
    };

    beforeAll(async () => {
      app = await prepare();
      quickStart = readQuickStart(app.readme);
      await app.runPki(quickStart.pkiCommand, app.dir);
      writeFileSync(join(app.dir, 'app.js'), quickStart.app);

      const appPort = await freePort();
      const started = spawnApp(app, appPort);
      server = started.child;
      await waitForPort(appPort, server, started.output);

      ports = { main: await freePort(), mtls: await freePort() };
      proxyDir = makeProxyDir('quick-start');
      const site = await fillSample(
        quickStart,
        app,
        {
          APP_UPSTREAM: `127.0.0.1:${appPort}`,
          MAIN_LISTEN: `127.0.0.1:${ports.main}`,
          MTLS_LISTEN: `127.0.0.1:${ports.mtls}`,
        },
        proxyDir,
      );
      proxy = await launchNginx(
        binary,
        proxyDir,
        [site],
        [
          { host: '127.0.0.1', port: ports.main },
          { host: '127.0.0.1', port: ports.mtls },
        ],
      );
    }, hookTimeout);

    afterAll(async () => {
      await proxy?.stop();
      await stopApp(server);
      removeProxyDir(proxyDir);
    }, 30_000);

    live('curl --cert alice.pem: 200 and the body the README shows', async (a, q) => {
      const shown = q.calls[0] as ShownCall;
      expect(shown.args).toContain('--cert');
      expect(shown).toMatchObject({
        status: 200,
        body: '{"hello":"CN=alice,O=express-mtls test PKI"}',
      });
      await expect(curlAsShown(a.dir, shown, ports.mtls)).resolves.toEqual({
        status: shown.status,
        body: shown.body,
      });
    });

    live('curl without a certificate: 401 and the body the README shows', async (a, q) => {
      const shown = q.calls[1] as ShownCall;
      expect(shown.args).not.toContain('--cert');
      expect(shown).toMatchObject({
        status: 401,
        body: '{"error":"unauthorized","error_description":"client certificate required"}',
      });
      await expect(curlAsShown(a.dir, shown, ports.mtls)).resolves.toEqual({
        status: shown.status,
        body: shown.body,
      });
    });

    live('the main host never asks for the certificate: 401 even with one', async (a, q) => {
      const reply = await curlAsShown(a.dir, q.calls[0] as ShownCall, ports.main);
      expect(reply).toEqual({ status: 401, body: (q.calls[1] as ShownCall).body });
    });
  });
}
