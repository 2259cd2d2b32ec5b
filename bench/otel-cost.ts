/**
 * `npm run bench:otel`: the per-request cost of `instrumentMtls()`, in process, so that it can be
 * measured on a loaded machine. Two measurements, each in rounds that alternate the modes:
 *
 * - `publish path`: the events one warm full-stack request publishes (three cache hits and the
 *   decisions of `clientCertificate()`, `requireClientCertificate()` and
 *   `requireCertificateBoundToken()`), published in a synchronous loop;
 * - `stack`: a warm request through the full stack (real Express, see `stack.ts`).
 *
 * Modes: `off` (no instrumentation), `noop` (`instrumentMtls()` with no provider registered),
 * `sdk` (the SDK of the `full-otel` case, no request span), `off+span` and `sdk+span` (each
 * request inside a sampled request span, as an HTTP instrumentation makes it). The cost of a
 * mode is its median CPU time per request (`process.cpuUsage()`, which a loaded machine
 * disturbs much less than wall time) minus that of its baseline (`off`, or `off+span`).
 *
 * `--profile <mode>` runs only the publish path of one mode for a few seconds (for
 * `node --cpu-prof`).
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { context, trace, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Request } from 'express';
import { publishCache, publishDecision, type MiddlewareName } from '../lib/diagnostics';
import { encodeForwardedCertificate } from '../lib/forwarding/encode-forwarded-certificate';
import { instrumentMtls, type MtlsInstrumentation } from '../lib/index';
import { requestHeaders } from './cases';
import { startJwksServer } from './jwks-server';
import { createBenchPki } from './pki';
import { cpuModel, median } from './report';
import { benchSdk, instrumentWithSdk, type BenchSdk } from './servers/otel';
import { createStack } from './stack';
import { AUDIENCE, createTokenIssuer, ISSUER } from './tokens';

const MODES = ['off', 'noop', 'sdk', 'off+span', 'sdk+span'] as const;
type Mode = (typeof MODES)[number];

const BASELINE: Readonly<Record<Mode, Mode>> = {
  off: 'off',
  noop: 'off',
  sdk: 'off',
  'off+span': 'off+span',
  'sdk+span': 'off+span',
};

/** The events of one warm full-stack request, published as the middlewares publish them. */
function publishRequest(req: Request): void {
  const steps: readonly [MiddlewareName, 'certificate' | 'chain' | 'token'][] = STEPS;
  for (const [middleware, cache] of steps) {
    const start = performance.now();
    publishCache(cache, true);
    publishDecision(middleware, req, start, {
      authenticated: middleware !== 'clientCertificate',
      warm: true,
      clientId: middleware === 'requireCertificateBoundToken' ? 'pooled' : undefined,
      subject: middleware === 'requireCertificateBoundToken' ? 'pooled' : undefined,
    });
  }
}

const STEPS: readonly [MiddlewareName, 'certificate' | 'chain' | 'token'][] = [
  ['clientCertificate', 'certificate'],
  ['requireClientCertificate', 'chain'],
  ['requireCertificateBoundToken', 'token'],
];

interface Setup {
  readonly sdk: BenchSdk;
  readonly req: Request;
  readonly stack: () => Promise<number>;
}

/** Turns `mode` on; returns how to run one request in it and how to turn it off. */
function enter(mode: Mode, setup: Setup): { wrap: <T>(fn: () => T) => T; leave: () => void } {
  let instrumentation: MtlsInstrumentation | undefined;
  if (mode === 'noop') instrumentation = instrumentMtls();
  if (mode === 'sdk' || mode === 'sdk+span') instrumentation = instrumentWithSdk(setup.sdk);
  const tracer = setup.sdk.tracerProvider.getTracer('bench-http');
  const root: Context = context.active();
  const wrap = mode.endsWith('+span')
    ? <T>(fn: () => T): T => {
        const span = tracer.startSpan('GET /');
        try {
          return context.with(trace.setSpan(root, span), fn);
        } finally {
          span.end();
        }
      }
    : <T>(fn: () => T): T => fn();
  return { wrap, leave: () => instrumentation?.disable() };
}

/** CPU time of this process (user + system), in µs: stable on a shared, loaded machine. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function timeSync(count: number, fn: () => void): number {
  const start = cpuMicros();
  for (let i = 0; i < count; i++) fn();
  return (cpuMicros() - start) / count;
}

async function timeAsync(count: number, fn: () => Promise<number>): Promise<number> {
  const start = cpuMicros();
  for (let i = 0; i < count; i++) {
    if ((await fn()) !== 200) throw new Error('the stack refused the warm request');
  }
  return (cpuMicros() - start) / count;
}

type Samples = Record<Mode, number[]>;

function emptySamples(): Samples {
  return { off: [], noop: [], sdk: [], 'off+span': [], 'sdk+span': [] };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  return items.map((_, i) => items[(i + by) % items.length] as T);
}

function report(title: string, samples: Samples, print: (line: string) => void): void {
  print(`\n${title} (CPU µs per request, median of ${samples.off.length} rounds)`);
  print(`${'mode'.padEnd(10)} ${'µs'.padStart(8)} ${'cost µs'.padStart(8)} ${'ratio'.padStart(7)}`);
  for (const mode of MODES) {
    const base = BASELINE[mode];
    const us = median(samples[mode]);
    const costs = samples[mode].map((value, i) => value - (samples[base][i] as number));
    const ratio = median(samples[base]) / us;
    print(
      `${mode.padEnd(10)} ${us.toFixed(2).padStart(8)} ${median(costs).toFixed(2).padStart(8)} ${ratio.toFixed(3).padStart(7)}`,
    );
  }
}

/** Runs the measurement; resolves with the exit code. */
export async function main(argv: readonly string[], print = console.log): Promise<number> {
  const quick = argv.includes('--quick');
  const profileAt = argv.indexOf('--profile');
  const profiled = profileAt === -1 ? undefined : (argv[profileAt + 1] as Mode | undefined);
  if (profiled !== undefined && !MODES.includes(profiled)) {
    print(`--profile needs a mode among ${MODES.join(', ')}`);
    return 2;
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const pki = await createBenchPki();
  const issuer = createTokenIssuer();
  const jwks = await startJwksServer(issuer.jwks);
  try {
    const headers = requestHeaders({
      certificate: encodeForwardedCertificate(pki.clientA, 'nginx')['x-ssl-cert'],
      token: issuer.mint(pki.clientA, 'pooled'),
    });
    const call = createStack({
      kind: 'full',
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUri: jwks.uri,
      trustAnchor: pki.root.certificate.pem,
      intermediate: pki.intermediate.certificate.pem,
    });
    const setup: Setup = {
      sdk: benchSdk(),
      req: { headers: {}, clientCert: pki.clientA } as unknown as Request,
      stack: () => call(headers),
    };
    if (profiled !== undefined) {
      const { wrap, leave } = enter(profiled, setup);
      const until = performance.now() + 5_000;
      let requests = 0;
      while (performance.now() < until) {
        for (let i = 0; i < 1_000; i++)
          wrap(() => {
            publishRequest(setup.req);
          });
        requests += 1_000;
      }
      leave();
      print(`${profiled}: ${requests} requests published`);
      return 0;
    }
    const rounds = quick ? 5 : 9;
    const publishCount = quick ? 10_000 : 40_000;
    const stackCount = quick ? 1_000 : 3_000;
    print(
      `bench:otel: instrumentMtls() per-request cost, in process (${cpuModel()}, Node ${process.version})`,
    );
    const publish = emptySamples();
    const stack = emptySamples();
    for (let round = 0; round < rounds; round++) {
      for (const mode of rotate(MODES, round)) {
        const { wrap, leave } = enter(mode, setup);
        try {
          timeSync(publishCount / 10, () => {
            wrap(() => {
              publishRequest(setup.req);
            });
          });
          publish[mode].push(
            timeSync(publishCount, () => {
              wrap(() => {
                publishRequest(setup.req);
              });
            }),
          );
          await timeAsync(stackCount / 10, () => wrap(setup.stack));
          stack[mode].push(await timeAsync(stackCount, () => wrap(setup.stack)));
        } finally {
          leave();
        }
      }
    }
    report('publish path (the events of one warm full-stack request)', publish, print);
    report('stack (a warm request through the full stack, in process)', stack, print);
    await setup.sdk.tracerProvider.shutdown();
    await setup.sdk.meterProvider.shutdown();
    return 0;
  } finally {
    await jwks.close();
  }
}

/* istanbul ignore next -- the command's entry point */
if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
