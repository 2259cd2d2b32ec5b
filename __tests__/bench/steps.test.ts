import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startJwksServer, type JwksServer } from '../../bench/jwks-server';
import { createBenchPki, type BenchPki } from '../../bench/pki';
import {
  allocation,
  lastResult,
  runSteps,
  timeAsync,
  timeConcurrent,
  timeSync,
  verdict,
  type HopRow,
} from '../../bench/steps';
import { AUDIENCE, createTokenIssuer, ISSUER, type TokenIssuer } from '../../bench/tokens';

describe('the timers', () => {
  it('time a synchronous function in CPU µs per call and keep its result observable', () => {
    let calls = 0;
    const us = timeSync(() => {
      calls++;
      let x = 0;
      for (let i = 0; i < 2000; i++) x += Math.sqrt(i);
      return x;
    }, 20);
    expect(calls).toBeGreaterThanOrEqual(250);
    expect(us).toBeGreaterThan(0);
    expect(Number.isFinite(us)).toBe(true);
    expect(typeof lastResult()).toBe('number');
  });

  it('time an asynchronous function, one call at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const us = await timeAsync(async () => {
      most = Math.max(most, ++inFlight);
      await Promise.resolve();
      inFlight--;
    }, 10);
    expect(most).toBe(1);
    expect(us).toBeGreaterThan(0);
  });

  it('run calls with at most the given number in flight, and exactly the given count', async () => {
    let calls = 0;
    let inFlight = 0;
    let most = 0;
    const result = await timeConcurrent(
      async () => {
        calls++;
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
      50,
      4,
    );
    expect(calls).toBe(50);
    expect(most).toBe(4);
    expect(result.wallUs).toBeGreaterThan(0);
    expect(result.cpuUs).toBeGreaterThanOrEqual(0);
  });

  it('count no bytes for a function that allocates nothing (in a fresh process)', () => {
    // a fresh Node: async hooks that earlier suites of this worker left enabled (an OpenTelemetry
    // context manager) allocate on every await and would be counted
    const script =
      "const { allocation } = require('./bench/steps.ts');" +
      '(async () => { const rows = [];' +
      " for (let r = 0; r < 3; r++) rows.push((await allocation('nothing', async () => undefined, 2000)).bytesPerRequest);" +
      ' process.stdout.write(String(Math.min(...rows))); })();';
    const output = execFileSync(
      process.execPath,
      ['-r', './__tests__/dpop/helpers/register-ts.js', '-e', script],
      { cwd: join(__dirname, '..', '..'), encoding: 'utf8', timeout: 60_000 },
    );
    expect(Number(output)).toBeGreaterThanOrEqual(0);
    expect(Number(output)).toBeLessThan(2 * 1024);
  });

  it('count the bytes a function allocates per call, across collections', async () => {
    const kept: unknown[] = [];
    const row = await allocation(
      'arrays',
      async () => {
        kept.length = 0;
        kept.push(new Array(16 * 1024).fill(1.5));
      },
      400,
    );
    // 16 Ki doubles are 128 KiB: 400 of them force several collections
    expect(row.bytesPerRequest).toBeGreaterThan(120 * 1024);
    expect(row.bytesPerRequest).toBeLessThan(200 * 1024);
    expect(row.collections).toBeGreaterThan(0);
    expect(row.requests).toBe(400);
  });
});

describe('the hop verdict', () => {
  const row = (
    signature: string,
    mode: HopRow['mode'],
    concurrentUs: number,
    cpuUs: number,
  ): HopRow => ({ signature, mode, sequentialUs: 1, concurrentUs, cpuUs });

  it('says per signature whether the pool wins on wall time and what CPU it costs', () => {
    expect(
      verdict([
        row('leaf', 'event loop (sync)', 40, 30),
        row('leaf', 'thread pool (callback)', 20, 35.5),
        row('token', 'event loop (sync)', 30, 30),
        row('token', 'thread pool (callback)', 31, 29),
      ]),
    ).toBe(
      'Measured here: leaf: the pool wins on wall time under concurrency (20.0 vs 40.0 µs/op) and ' +
        'costs 5.5 µs more CPU per op (what a 1-core deployment pays); token: the pool loses on ' +
        'wall time under concurrency (31.0 vs 30.0 µs/op) and costs 1.0 µs less CPU per op (what ' +
        'a 1-core deployment pays).',
    );
  });
});

describe('runSteps', () => {
  let pki: BenchPki;
  let issuer: TokenIssuer;
  let jwks: JwksServer;

  beforeAll(async () => {
    pki = await createBenchPki();
    issuer = createTokenIssuer();
    jwks = await startJwksServer(issuer.jwks);
  }, 30_000);

  afterAll(async () => {
    await jwks.close();
  });

  it('measures every step, the allocation of every stack and both hops', async () => {
    const report = await runSteps({
      pki,
      issuer,
      pool: pki.pool(20),
      config: (kind) => ({
        kind,
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: jwks.uri,
        trustAnchor: pki.root.certificate.pem,
        intermediate: pki.intermediate.certificate.pem,
      }),
      timeMs: 2,
      requests: 20,
    });
    expect(report.steps.map((s) => s.step)).toEqual([
      'certificate cache lookup (key: a 128-character sample)',
      'header decode, nginx, leaf only',
      'header decode, nginx, leaf + intermediate',
      'new ClientCertificate (DER structure + SHA-256)',
      'certificateInfo(leaf)',
      'chain result cache hit (validator.validate)',
      'path search + checks',
      'signature verify, certificate (RSA-2048)',
      'bearer extraction',
      'token cache key (SHA-256 of the token)',
      'JWT verify, fast path (RS256)',
      'JWT verify, jsonwebtoken (fallback, peer-equivalent)',
      'cnf compare',
      'whole stack: bare Express (harness floor)',
      'whole stack: peer',
      'whole stack: ours, full',
      'full stack − bare',
    ]);
    const measured = report.steps.flatMap((s) => [s.warmUs, s.coldUs]).filter((v) => !isNaN(v));
    expect(measured.every((v) => Number.isFinite(v))).toBe(true);
    expect(
      report.steps.find((s) => s.step === 'signature verify, certificate (RSA-2048)'),
    ).toMatchObject({ warmUs: NaN });
    expect(report.allocation.map((a) => a.stack)).toEqual([
      'bare, warm',
      'peer, warm',
      'peer, cold',
      'cert, warm',
      'binding, warm',
      'binding, cold',
      'full, warm',
      'full, cold',
    ]);
    expect(report.allocation.every((a) => a.requests === 20 && a.bytesPerRequest > 0)).toBe(true);
    expect(report.hops.map((h) => [h.signature, h.mode])).toEqual([
      ['leaf certificate (RSA-2048, first link)', 'event loop (sync)'],
      ['leaf certificate (RSA-2048, first link)', 'thread pool (callback)'],
      ['access token (RS256, fast path)', 'event loop (sync)'],
      ['access token (RS256, fast path)', 'thread pool (callback)'],
    ]);
    expect(report.concurrency).toBe(16);
    expect(report.hopVerdict).toMatch(
      /^Measured here: leaf certificate \(RSA-2048, first link\): the pool (wins|loses) on wall time under concurrency \([\d.]+ vs [\d.]+ µs\/op\) and costs [\d.]+ µs (more|less) CPU per op/,
    );
  }, 120_000);
});
