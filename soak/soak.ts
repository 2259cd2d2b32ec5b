/**
 * `npm run soak`: a bounded load test of the full stack behind real TLS-terminating fronts.
 *
 * The app (`soak/app.ts`, its own process) runs `clientCertificate()` +
 * `requireClientCertificate()` + `requireCertificateBoundToken()`. In front of it, in turn: the
 * Node TLS front (`samples/tls-front`, format `rfc9440`) and, when installed, real nginx
 * (`samples/nginx/express-mtls.conf`, format `nginx`). Against each, 50 concurrent keep-alive
 * connections send a fixed number of requests mixing valid, invalid and forged ones
 * (`soak/scenarios.ts`), after a warm-up. Every answer is checked against the one expected for its
 * request.
 *
 * Fails (exit code 1) on any wrong decision, any 5xx, any transport error, any unhandled
 * rejection or exception (in the app or here), or an app heap that does not come back to its
 * post-warm-up baseline (after a full collection) within {@link HEAP_TOLERANCE}. Prints a summary,
 * with the app's event-loop delay percentiles, and writes it to `.tmp/soak/summary.json`.
 *
 * Options: `--front node|nginx|all` (default `all`: nginx is skipped with a warning when absent,
 * unless `EXPRESS_MTLS_REQUIRE_PROXIES=1`), `--requests N` (default 20000 per front),
 * `--concurrency N` (default 50), `--warmup N` (default 2000).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTlsFront } from '../samples/tls-front/tls-front';
import { acceptsConnections, freePort, locateBinary } from '../scripts/local-services';
import type { AppMeasure } from './app';
import {
  fixture,
  repositoryRoot,
  schedule,
  scenarios,
  type Identity,
  type Scenario,
} from './scenarios';

/** The most the app heap may grow from its post-warm-up baseline (both after a full GC). */
export const HEAP_TOLERANCE = 8 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
const WATCHDOG_MS = 170_000;
const ROOT = repositoryRoot();

interface Options {
  readonly fronts: readonly ('node' | 'nginx')[];
  readonly requests: number;
  readonly concurrency: number;
  readonly warmup: number;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  const count = (name: string, fallback: number): number => {
    const text = value(name);
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new Error(`soak: --${name} must be a positive integer`);
    return n;
  };
  const front = value('front') ?? 'all';
  if (!['node', 'nginx', 'all'].includes(front))
    throw new Error('soak: --front is node, nginx or all');
  return {
    fronts: front === 'all' ? ['node', 'nginx'] : [front as 'node' | 'nginx'],
    requests: count('requests', 20_000),
    concurrency: count('concurrency', 50),
    warmup: count('warmup', 2_000),
  };
}

/** A front in front of the app: where clients connect, and which stack it forwards to. */
interface Front {
  readonly name: string;
  readonly port: number;
  readonly servername: string;
  readonly path: '/rfc9440/resource' | '/nginx/resource';
  readonly forgedHeader: 'client-cert' | 'x-ssl-cert';
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------- the app

interface App {
  readonly port: number;
  send(message: object): void;
  measure(phase: string): Promise<AppMeasure>;
  stop(): Promise<void>;
}

async function startApp(): Promise<App> {
  const child: ChildProcess = fork(join(__dirname, 'app.js'), [], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => {
      resolve(m.port);
    });
    child.once('exit', (code) => {
      reject(new Error(`soak: the app exited (${String(code)}) before listening`));
    });
  });
  return {
    port,
    send: (message) => child.send(message),
    measure: (phase) =>
      new Promise((resolve) => {
        const onMessage = (m: { type: string; phase?: string }): void => {
          if (m.type === 'measure' && m.phase === phase) {
            child.off('message', onMessage);
            resolve(m as AppMeasure);
          }
        };
        child.on('message', onMessage);
        child.send({ type: 'measure', phase });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'stop' });
      }),
  };
}

// ------------------------------------------------------------------------------- the fronts

async function startNodeFront(appPort: number): Promise<Front> {
  const front = createTlsFront({
    upstream: `http://127.0.0.1:${appPort}`,
    key: fixture('pki', 'server.key'),
    cert: fixture('pki', 'server-fullchain.pem'),
    format: 'rfc9440',
  });
  const { mtls } = await front.listen({ mtls: { host: '127.0.0.1', port: 0 } });
  return {
    name: 'Node TLS front (samples/tls-front, rfc9440)',
    port: (mtls as AddressInfo).port,
    servername: 'localhost',
    path: '/rfc9440/resource',
    forgedHeader: 'client-cert',
    stop: () => front.close(),
  };
}

async function startNginx(binary: string, appPort: number): Promise<Front> {
  const dir = mkdtempSync(join(tmpdir(), 'express-mtls-soak-nginx-'));
  const [mainPort, mtlsPort] = [await freePort(), await freePort()];
  const pki = join(ROOT, '__tests__', 'fixtures', 'pki');
  const values: Record<string, string> = {
    APP_UPSTREAM: `127.0.0.1:${appPort}`,
    MAIN_LISTEN: `127.0.0.1:${mainPort}`,
    MTLS_LISTEN: `127.0.0.1:${mtlsPort}`,
    SERVER_NAME: 'localhost',
    MTLS_SERVER_NAME: 'mtls.localhost',
    SERVER_CERT: join(pki, 'server-fullchain.pem'),
    SERVER_KEY: join(pki, 'server.key'),
  };
  const site = readFileSync(join(ROOT, 'samples', 'nginx', 'express-mtls.conf'), 'utf8').replace(
    /\{\{([A-Z_]+)\}\}/g,
    (whole, name: string) => values[name] ?? whole,
  );
  if (/\{\{[A-Z_]+\}\}/.test(site))
    throw new Error('soak: unfilled placeholder in the nginx sample');
  writeFileSync(join(dir, 'site.conf'), site);
  const errorLog = join(dir, 'error.log');
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'master_process off;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${errorLog} warn;`,
      'events { worker_connections 4096; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (k) => `  ${k}_temp_path ${join(dir, k)};`,
      ),
      `  include ${join(dir, 'site.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-p', dir, '-e', errorLog, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 15_000;
  while (!(await acceptsConnections('127.0.0.1', mtlsPort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`soak: nginx did not start: ${readFileSync(errorLog, 'utf8')}`);
    }
    await sleep(50);
  }
  return {
    name: 'nginx (samples/nginx/express-mtls.conf, format nginx)',
    port: mtlsPort,
    servername: 'mtls.localhost',
    path: '/nginx/resource',
    forgedHeader: 'x-ssl-cert',
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --------------------------------------------------------------------------------- the load

/** What a run of requests produced. */
interface RunStats {
  requests: number;
  byStatus: Record<number, number>;
  byScenario: Record<string, number>;
  wrong: number;
  serverErrors: number;
  transportErrors: number;
  examples: string[];
  seconds: number;
}

const CLIENT_TLS: Record<Exclude<Identity, 'none'>, { cert: string; key: string }> = {
  'client-a': {
    cert: fixture('pki', 'client-a-fullchain.pem'),
    key: fixture('pki', 'client-a.key'),
  },
  'client-b': {
    cert: fixture('pki', 'client-b.pem') + fixture('pki', 'intermediate-ca.pem'),
    key: fixture('pki', 'client-b.key'),
  },
  'self-signed': {
    cert: fixture('pki', 'self-signed.pem'),
    key: fixture('pki', 'self-signed.key'),
  },
};

interface Reply {
  status: number;
  text: string;
}

function exchange(
  scenario: Scenario,
  front: Front,
  appPort: number,
  agents: { tls: Record<Identity, HttpsAgent>; untrusted: HttpAgent; proxy: HttpAgent },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    };
    const headers = scenario.headers();
    const req =
      scenario.route === 'front'
        ? httpsRequest(
            {
              host: '127.0.0.1',
              port: front.port,
              path: front.path,
              servername: front.servername,
              headers: { host: `${front.servername}:${front.port}`, ...headers },
              agent: agents.tls[scenario.identity],
            },
            onResponse,
          )
        : httpRequest(
            {
              host: '127.0.0.1',
              port: appPort,
              path: front.path,
              headers,
              agent: scenario.route === 'direct-untrusted' ? agents.untrusted : agents.proxy,
            },
            onResponse,
          );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
    });
    req.on('error', reject);
    req.end();
  });
}

function sameBody(text: string, expected: Readonly<Record<string, unknown>>): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(expected);
  } catch {
    return false;
  }
}

async function run(
  count: number,
  concurrency: number,
  front: Front,
  appPort: number,
): Promise<RunStats> {
  const pick = schedule(scenarios(front.forgedHeader));
  const stats: RunStats = {
    requests: 0,
    byStatus: {},
    byScenario: {},
    wrong: 0,
    serverErrors: 0,
    transportErrors: 0,
    examples: [],
    seconds: 0,
  };
  const ca = fixture('pki', 'root-ca.pem');
  let next = 0;
  const started = performance.now();

  async function worker(): Promise<void> {
    const tlsAgent = (identity: Identity): HttpsAgent =>
      new HttpsAgent({
        keepAlive: true,
        maxSockets: 1,
        ca,
        servername: front.servername,
        ...(identity === 'none' ? {} : CLIENT_TLS[identity]),
      });
    const agents = {
      tls: {
        'client-a': tlsAgent('client-a'),
        'client-b': tlsAgent('client-b'),
        'self-signed': tlsAgent('self-signed'),
        none: tlsAgent('none'),
      },
      untrusted: new HttpAgent({ keepAlive: true, maxSockets: 1, localAddress: '127.0.0.2' }),
      proxy: new HttpAgent({ keepAlive: true, maxSockets: 1, localAddress: '127.0.0.1' }),
    };
    try {
      while (next < count) {
        const scenario = pick(next++);
        stats.byScenario[scenario.name] = (stats.byScenario[scenario.name] ?? 0) + 1;
        let reply: Reply;
        try {
          reply = await exchange(scenario, front, appPort, agents);
        } catch (error) {
          stats.transportErrors++;
          if (stats.examples.length < 5)
            stats.examples.push(`${scenario.name}: ${(error as Error).message}`);
          continue;
        }
        stats.requests++;
        stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
        if (reply.status >= 500) stats.serverErrors++;
        if (
          reply.status !== scenario.expected.status ||
          !sameBody(reply.text, scenario.expected.body)
        ) {
          stats.wrong++;
          if (stats.examples.length < 5) {
            stats.examples.push(
              `${scenario.name}: expected ${scenario.expected.status} ${JSON.stringify(scenario.expected.body)}, got ${reply.status} ${reply.text.slice(0, 200)}`,
            );
          }
        }
      }
    } finally {
      for (const agent of [...Object.values(agents.tls), agents.untrusted, agents.proxy])
        agent.destroy();
    }
  }

  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  stats.seconds = (performance.now() - started) / 1000;
  return stats;
}

// ------------------------------------------------------------------------------------- main

interface FrontResult {
  readonly front: string;
  readonly warmup: RunStats;
  readonly run: RunStats;
  readonly baseline: AppMeasure;
  readonly after: AppMeasure;
  readonly heapDelta: number;
}

const MiB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  let unhandledHere = 0;
  process.on('unhandledRejection', () => {
    unhandledHere++;
  });
  const violations: string[] = [];
  const results: FrontResult[] = [];
  const app = await startApp();
  try {
    for (const kind of options.fronts) {
      let front: Front;
      if (kind === 'node') {
        front = await startNodeFront(app.port);
      } else {
        const nginx = locateBinary('nginx');
        if (nginx === undefined) {
          const message =
            'soak: nginx is not installed (apt-get install nginx); its soak is skipped';
          if (process.env.EXPRESS_MTLS_REQUIRE_PROXIES === '1') throw new Error(message);
          console.warn(message);
          continue;
        }
        front = await startNginx(nginx, app.port);
      }
      try {
        const warmup = await run(options.warmup, options.concurrency, front, app.port);
        const baseline = await app.measure(`${kind}:baseline`);
        app.send({ type: 'start-monitor' });
        const measured = await run(options.requests, options.concurrency, front, app.port);
        const after = await app.measure(`${kind}:after`);
        const heapDelta = after.heapUsed - baseline.heapUsed;
        results.push({ front: front.name, warmup, run: measured, baseline, after, heapDelta });
        for (const [label, stats] of [
          ['warm-up', warmup],
          ['run', measured],
        ] as const) {
          if (stats.wrong > 0) violations.push(`${kind} ${label}: ${stats.wrong} wrong decisions`);
          if (stats.serverErrors > 0)
            violations.push(`${kind} ${label}: ${stats.serverErrors} 5xx answers`);
          if (stats.transportErrors > 0)
            violations.push(`${kind} ${label}: ${stats.transportErrors} transport errors`);
        }
        const untrusted = `the ${front.forgedHeader} header arrived from 127.0.0.2, which is not a trusted proxy`;
        if (
          !after.warnings.some(
            (w) => w.code === 'MTLS_UNTRUSTED_PEER' && w.message.includes(untrusted),
          )
        )
          violations.push(
            `${kind}: no MTLS_UNTRUSTED_PEER warning for the forged ${front.forgedHeader} header`,
          );
        if (heapDelta > HEAP_TOLERANCE) {
          violations.push(
            `${kind}: app heap grew by ${MiB(heapDelta)} (limit ${MiB(HEAP_TOLERANCE)})`,
          );
        }
      } finally {
        await front.stop();
      }
    }
    const last = results.at(-1)?.after;
    if (last !== undefined && last.unhandled > 0)
      violations.push(`app: ${last.unhandled} unhandled rejections/exceptions`);
    if (last !== undefined && last.serverErrors > 0)
      violations.push(`app: ${last.serverErrors} server errors`);
    for (const warning of last?.warnings ?? []) {
      if (warning.code !== 'MTLS_UNTRUSTED_PEER')
        violations.push(
          `app: unexpected configuration warning ${warning.code}: ${warning.message}`,
        );
    }
  } finally {
    await app.stop();
  }
  if (unhandledHere > 0) violations.push(`load generator: ${unhandledHere} unhandled rejections`);
  if (results.length === 0) violations.push('no front ran');

  for (const result of results) {
    const { run: r, after, baseline } = result;
    console.log(`soak: ${result.front}`);
    console.log(
      `  ${r.requests} requests (after ${result.warmup.requests} warm-up), ${options.concurrency} concurrent, ` +
        `${r.seconds.toFixed(1)} s, ${Math.round(r.requests / r.seconds)} req/s`,
    );
    console.log(
      `  statuses: ${Object.entries(r.byStatus)
        .map(([status, n]) => `${status} × ${n}`)
        .join(', ')}`,
    );
    console.log(
      `  wrong decisions: ${r.wrong}, 5xx: ${r.serverErrors}, transport errors: ${r.transportErrors}, ` +
        `unhandled rejections: ${after.unhandled}`,
    );
    console.log(
      `  app event-loop delay: p50 ${after.eventLoop.p50} ms, p99 ${after.eventLoop.p99} ms, max ${after.eventLoop.max} ms`,
    );
    console.log(
      `  app heap (after full GC): ${MiB(baseline.heapUsed)} after warm-up, ${MiB(after.heapUsed)} after the run, ` +
        `delta ${result.heapDelta >= 0 ? '+' : ''}${MiB(result.heapDelta)} (limit ${MiB(HEAP_TOLERANCE)})`,
    );
    for (const example of [...result.warmup.examples, ...r.examples]) console.log(`  ! ${example}`);
  }
  const warned = results.at(-1)?.after.warnings ?? [];
  console.log(
    `soak: app warnings: ${warned.map((w) => w.code).join(', ') || 'none'} ` +
      '(expected: MTLS_UNTRUSTED_PEER once per forged header name, sent from 127.0.0.2)',
  );
  const outDir = join(ROOT, '.tmp', 'soak');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'summary.json'),
    `${JSON.stringify({ options, results, violations, heapTolerance: HEAP_TOLERANCE }, null, 2)}\n`,
  );
  if (violations.length > 0) {
    for (const violation of violations) console.log(`soak: FAIL ${violation}`);
    return 1;
  }
  console.log('soak: PASS');
  return 0;
}

const watchdog = setTimeout(() => {
  console.error(`soak: FAIL no result within ${WATCHDOG_MS / 1000} s`);
  process.exit(2);
}, WATCHDOG_MS);

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exitCode = code;
  },
  (error: unknown) => {
    clearTimeout(watchdog);
    console.error('soak: FAIL', error);
    process.exitCode = 1;
  },
);
