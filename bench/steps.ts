/**
 * The per-step breakdown of a request, warm (the same certificate and token: every cache
 * answers) and cold (a new certificate and token): each step the middlewares take, timed alone
 * in-process on fresh strings (see `fresh.ts`); the bytes allocated and the GC time per request
 * of each in-process stack; and the cost of the two thread-pool hops (a new leaf's first link, a
 * new token's signature) against verifying on the event loop.
 *
 * @packageDocumentation
 */
import { hrtime } from 'node:process';
import { GCProfiler } from 'node:v8';
import { verify as jwtVerify } from 'jsonwebtoken';
import { ClientCertificate } from '../lib/certificate';
import { createChainValidator } from '../lib/auth/chain';
import { verifySignature, type SignedData } from '../lib/x509/algorithms';
import { certificateInfo } from '../lib/x509/certificate-info';
import { verifySignatureOffThread } from '../lib/auth/chain/first-link';
import { extractBearerToken } from '../lib/binding/bearer-token';
import { readBindings, thumbprintsEqual } from '../lib/binding/confirmation';
import { tokenErrors } from '../lib/binding/token-errors';
import { acceptQuickly, acceptQuicklyOffThread } from '../lib/binding/jwt-fast-path';
import { tokenCacheKey } from '../lib/binding/verified-token-cache';
import { encodeForwardedCertificate } from '../lib/forwarding/encode-forwarded-certificate';
import { FORMATS } from '../lib/forwarding/formats';
import { HeaderCache } from '../lib/internal/header-cache';
import type { ServerKind } from './cases';
import { freshener, freshHeaders } from './fresh';
import type { BenchPki } from './pki';
import type { ServerConfig } from './servers/server-config';
import { createStack } from './stack';
import { AUDIENCE, ISSUER, type TokenIssuer } from './tokens';

/** One step: its mean cost warm and cold (`NaN` where the step does not run). */
export interface StepRow {
  readonly step: string;
  readonly warmUs: number;
  readonly coldUs: number;
  readonly method: string;
}

/** The allocation and GC time per request of one in-process stack. */
export interface AllocationRow {
  readonly stack: string;
  readonly bytesPerRequest: number;
  readonly gcUsPerRequest: number;
  readonly collections: number;
  readonly requests: number;
}

/** One signature verification mode, alone and under concurrency. */
export interface HopRow {
  readonly signature: string;
  readonly mode: 'event loop (sync)' | 'thread pool (callback)';
  /** Wall time per verification, one at a time. */
  readonly sequentialUs: number;
  /** Wall time per verification with {@link StepReport.concurrency} in flight. */
  readonly concurrentUs: number;
  /** Process CPU time (every thread) per verification, with that concurrency. */
  readonly cpuUs: number;
}

/** What {@link runSteps} measured. */
export interface StepReport {
  readonly steps: readonly StepRow[];
  readonly allocation: readonly AllocationRow[];
  readonly hops: readonly HopRow[];
  readonly concurrency: number;
  /** What the hop rows say, in one sentence. */
  readonly hopVerdict: string;
}

/** What the breakdown runs on. */
export interface StepInput {
  readonly pki: BenchPki;
  readonly issuer: TokenIssuer;
  /** More distinct leaves than any cache holds. */
  readonly pool: readonly ClientCertificate[];
  readonly config: (kind: ServerKind) => ServerConfig;
  /** Milliseconds per timed step. */
  readonly timeMs: number;
  /** Requests per allocation measurement, and distinct cold requests (default 2,000). */
  readonly requests?: number | undefined;
}

/** Requests per allocation measurement and verifications per hop measurement. */
const ALLOCATION_REQUESTS = 2_000;

/**
 * Distinct leaves (each with a bound token) the cold in-process stacks cycle through: more than
 * the 4,000 verified links a chain validator keeps, so that every cold request verifies its
 * leaf's signature as a new client's would (fewer in quick runs, whose pool is smaller).
 */
const COLD_STACK_LEAVES = 5_000;
const HOP_CONCURRENCY = 16;

let sink: unknown;

/**
 * Mean CPU µs per call of a synchronous `fn`, over about `ms` milliseconds of wall time (after
 * a warm-up). CPU time, not wall time: on a loaded machine the wall clock also counts the time
 * other processes hold the core.
 */
export function timeSync(fn: () => unknown, ms: number): number {
  for (let i = 0; i < 200; i++) sink = fn();
  let calls = 0;
  const cpu = process.cpuUsage();
  const end = hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  do {
    for (let i = 0; i < 50; i++) sink = fn();
    calls += 50;
  } while (hrtime.bigint() < end);
  return cpuPerCall(cpu, calls);
}

/** Mean CPU µs per call of an asynchronous `fn`, one call at a time (every thread counted). */
export async function timeAsync(fn: () => Promise<unknown>, ms: number): Promise<number> {
  for (let i = 0; i < 100; i++) sink = await fn();
  let calls = 0;
  const cpu = process.cpuUsage();
  const end = hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  do {
    for (let i = 0; i < 20; i++) sink = await fn();
    calls += 20;
  } while (hrtime.bigint() < end);
  return cpuPerCall(cpu, calls);
}

function cpuPerCall(since: NodeJS.CpuUsage, calls: number): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / calls;
}

/** Mean wall-clock µs per call of an asynchronous `fn`, one call at a time. */
async function wallAsync(fn: () => Promise<unknown>, ms: number): Promise<number> {
  for (let i = 0; i < 100; i++) sink = await fn();
  let calls = 0;
  const start = hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let now: bigint;
  do {
    for (let i = 0; i < 20; i++) sink = await fn();
    calls += 20;
    now = hrtime.bigint();
  } while (now < end);
  return Number(now - start) / 1000 / calls;
}

/** Runs `count` calls of `fn` with at most `concurrency` in flight: wall and CPU µs per call. */
export async function timeConcurrent(
  fn: () => unknown,
  count: number,
  concurrency: number,
): Promise<{ wallUs: number; cpuUs: number }> {
  let started = 0;
  const cpu = process.cpuUsage();
  const start = hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      sink = await fn();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallUs = Number(hrtime.bigint() - start) / 1000 / count;
  const used = process.cpuUsage(cpu);
  return { wallUs, cpuUs: (used.user + used.system) / count };
}

/** Bytes allocated and GC time over `requests` calls of `fn` (v8.GCProfiler). */
export async function allocation(
  stack: string,
  fn: () => Promise<unknown>,
  requests: number,
): Promise<AllocationRow> {
  for (let i = 0; i < 50; i++) await fn();
  const profiler = new GCProfiler();
  const before = process.memoryUsage().heapUsed;
  profiler.start();
  for (let i = 0; i < requests; i++) await fn();
  const after = process.memoryUsage().heapUsed;
  const { statistics } = profiler.stop();
  let freed = 0;
  let costUs = 0;
  for (const gc of statistics) {
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    costUs += gc.cost;
  }
  return {
    stack,
    bytesPerRequest: (after - before + freed) / requests,
    gcUsPerRequest: costUs / requests,
    collections: statistics.length,
    requests,
  };
}

/** A function that cycles through `items`. */
function cycling<T>(items: readonly T[]): () => T {
  let cursor = 0;
  return () => items[cursor++ % items.length] as T;
}

/** What the hop rows say: per signature, whether the pool wins on wall time, and its CPU cost. */
export function verdict(hops: readonly HopRow[]): string {
  const find = (signature: string, mode: HopRow['mode']): HopRow | undefined =>
    hops.find((h) => h.signature === signature && h.mode === mode);
  const parts = [...new Set(hops.map((h) => h.signature))].map((signature) => {
    const sync = find(signature, 'event loop (sync)') as HopRow;
    const pool = find(signature, 'thread pool (callback)') as HopRow;
    const wall = pool.concurrentUs < sync.concurrentUs ? 'wins' : 'loses';
    const extra = pool.cpuUs - sync.cpuUs;
    return (
      `${signature}: the pool ${wall} on wall time under concurrency ` +
      `(${pool.concurrentUs.toFixed(1)} vs ${sync.concurrentUs.toFixed(1)} µs/op) and costs ` +
      `${Math.abs(extra).toFixed(1)} µs ${extra >= 0 ? 'more' : 'less'} CPU per op ` +
      '(what a 1-core deployment pays)'
    );
  });
  return `Measured here: ${parts.join('; ')}.`;
}

/** Measures every step, the allocation per request of each stack, and the hops. */
export async function runSteps(input: StepInput): Promise<StepReport> {
  const { pki, issuer, pool, timeMs } = input;
  const requests = input.requests ?? ALLOCATION_REQUESTS;
  const leaf = pki.clientA;
  const nginx = (certificate: ClientCertificate): string =>
    encodeForwardedCertificate(certificate, 'nginx')['x-ssl-cert'] as string;
  const leafHeader = freshener(nginx(leaf));
  const chainHeader = freshener(
    nginx(new ClientCertificate(leaf.der, { chain: [pki.intermediate.certificate.der] })),
  );
  const coldLeaves = pool.slice(0, requests);
  const coldHeader = cycling(coldLeaves.map((c) => freshener(nginx(c))));
  const coldDer = cycling(coldLeaves.map((c) => c.der));
  const limits = { maxCertificates: 9, xfccHops: 1 };

  const certificates = new HeaderCache<number>(1000);
  certificates.set(leafHeader(), '', 1);
  for (let i = 1; i < 1000; i++) certificates.set(`filler ${i}`, '', i);
  const lookupWarm = timeSync(() => certificates.get(leafHeader(), ''), timeMs);
  const lookupCold = timeSync(() => {
    const key = coldHeader()();
    const hit = certificates.get(key, '');
    if (hit === undefined) certificates.set(key, '', 0);
    return hit;
  }, timeMs);
  const decodeLeaf = timeSync(() => FORMATS.nginx.decode(leafHeader(), limits), timeMs);
  const decodeChain = timeSync(() => FORMATS.nginx.decode(chainHeader(), limits), timeMs);
  const wrap = timeSync(() => new ClientCertificate(coldDer()).thumbprint, timeMs);
  const wrapAndInfo = timeSync(
    () => certificateInfo(new ClientCertificate(coldDer()), 2048),
    timeMs,
  );
  const infoOfParsed = timeSync(() => certificateInfo(leaf, 2048), timeMs);

  const anchors = {
    trustAnchors: [pki.root.certificate.der],
    intermediates: [pki.intermediate.certificate.der],
  };
  const cached = createChainValidator(anchors);
  await cached.validate(leaf);
  const chainHit = await timeAsync(() => cached.validate(leaf), timeMs);
  // no result cache: every call searches and checks the path, with the links already verified
  const uncached = createChainValidator({ ...anchors, cacheSize: 0 });
  await uncached.validate(leaf);
  const searchAndInfo = await timeAsync(() => uncached.validate(leaf), timeMs);

  const leafInfo: SignedData = certificateInfo(leaf, 2048);
  const intermediateKey = certificateInfo(pki.intermediate.certificate, 2048).publicKey();
  const certificateVerify = timeSync(() => verifySignature(leafInfo, intermediateKey), timeMs);

  const token = issuer.mint(leaf, 'client-a');
  const authorization = freshener(`Bearer ${token}`);
  const freshToken = freshener(token);
  const bearer = timeSync(() => extractBearerToken({ authorization: [authorization()] }), timeMs);
  const tokenKey = timeSync(() => tokenCacheKey(freshToken()), timeMs);
  const policy = {
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    clockTolerance: 0,
    maxTokenAge: undefined,
  };
  const fastPath = timeSync(
    () => acceptQuickly(freshToken().split('.'), 'RS256', issuer.publicKey, policy),
    timeMs,
  );
  const jwtOptions = { algorithms: ['RS256' as const], issuer: ISSUER, audience: AUDIENCE };
  const jsonwebtoken = timeSync(
    () => jwtVerify(freshToken(), issuer.publicKey, jwtOptions),
    timeMs,
  );
  const payload = acceptQuickly(token.split('.'), 'RS256', issuer.publicKey, policy);
  if (payload === undefined || payload === false)
    throw new Error('the bench token does not verify');
  const errors = tokenErrors({ realm: 'bench' });
  const understood = ['x5t#S256'] as const;
  const certificateThumbprint = freshener(leaf.thumbprint);
  const cnf = timeSync(() => {
    const read = readBindings(payload.cnf, errors, understood);
    const bound = read.ok ? read.value?.x5tS256 : undefined;
    return bound !== undefined && thumbprintsEqual(bound, certificateThumbprint());
  }, timeMs);

  const stacks: Record<string, { warm: number; cold: number }> = {};
  const allocationRows: AllocationRow[] = [];
  const stackLeaves = pool.slice(0, Math.max(requests, COLD_STACK_LEAVES));
  const coldTokens = stackLeaves.map((c) => issuer.mint(c, 'pooled'));
  const warmRequest = freshHeaders({ 'x-ssl-cert': nginx(leaf), authorization: `Bearer ${token}` });
  const coldRequest = cycling(
    stackLeaves.map((c, i) =>
      freshHeaders({ 'x-ssl-cert': nginx(c), authorization: `Bearer ${coldTokens[i] as string}` }),
    ),
  );
  for (const kind of ['bare', 'peer', 'cert', 'binding', 'full'] as const) {
    const call = createStack(input.config(kind));
    const warm = (): Promise<number> => call(warmRequest());
    const cold = (): Promise<number> => call(coldRequest()());
    const statuses = [await warm(), await cold()];
    if (statuses.some((status) => status !== 200)) {
      throw new Error(
        `the in-process ${kind} stack answered ${statuses.join('/')} to the step benchmark's requests`,
      );
    }
    stacks[kind] = { warm: await timeAsync(warm, timeMs), cold: await timeAsync(cold, timeMs) };
    allocationRows.push(await allocation(`${kind}, warm`, warm, requests));
    if (kind !== 'bare' && kind !== 'cert') {
      allocationRows.push(await allocation(`${kind}, cold`, cold, requests));
    }
  }
  const stack = (kind: string): { warm: number; cold: number } =>
    stacks[kind] as { warm: number; cold: number };

  const hopCount = Math.max(200, Math.round(timeMs * 20));
  const hopRows: HopRow[] = [];
  const hop = async (signature: string, mode: HopRow['mode'], fn: () => unknown): Promise<void> => {
    const sequentialUs = await wallAsync(async () => fn(), timeMs);
    const concurrent = await timeConcurrent(fn, hopCount, HOP_CONCURRENCY);
    hopRows.push({
      signature,
      mode,
      sequentialUs,
      concurrentUs: concurrent.wallUs,
      cpuUs: concurrent.cpuUs,
    });
  };
  const leafSignature = 'leaf certificate (RSA-2048, first link)';
  await hop(leafSignature, 'event loop (sync)', () => verifySignature(leafInfo, intermediateKey));
  await hop(leafSignature, 'thread pool (callback)', () =>
    verifySignatureOffThread(leafInfo, intermediateKey),
  );
  const tokenSignature = 'access token (RS256, fast path)';
  await hop(tokenSignature, 'event loop (sync)', () =>
    acceptQuickly(token.split('.'), 'RS256', issuer.publicKey, policy),
  );
  await hop(tokenSignature, 'thread pool (callback)', () =>
    acceptQuicklyOffThread(token.split('.'), 'RS256', issuer.publicKey, policy),
  );

  const row = (step: string, warmUs: number, coldUs: number, method: string): StepRow => ({
    step,
    warmUs,
    coldUs,
    method,
  });
  const steps: StepRow[] = [
    row(
      'certificate cache lookup (key: a 128-character sample)',
      lookupWarm,
      lookupCold,
      'HeaderCache.get of a fresh 1.5 KB header (full compare on a hit); cold: miss + set with eviction',
    ),
    row('header decode, nginx, leaf only', NaN, decodeLeaf, 'FORMATS.nginx.decode'),
    row('header decode, nginx, leaf + intermediate', NaN, decodeChain, 'FORMATS.nginx.decode'),
    row(
      'new ClientCertificate (DER structure + SHA-256)',
      NaN,
      wrap,
      'new ClientCertificate(der).thumbprint',
    ),
    row(
      'certificateInfo(leaf)',
      NaN,
      wrapAndInfo - wrap,
      'certificateInfo(new ClientCertificate) − the row above',
    ),
    row(
      'chain result cache hit (validator.validate)',
      chainHit,
      NaN,
      'createChainValidator, same leaf',
    ),
    row(
      'path search + checks',
      NaN,
      searchAndInfo - infoOfParsed,
      'validate with cacheSize 0 (links cached) − certificateInfo of a parsed leaf',
    ),
    row(
      'signature verify, certificate (RSA-2048)',
      NaN,
      certificateVerify,
      'verifySignature on the event loop (the stack hops to the pool: see below)',
    ),
    row('bearer extraction', bearer, bearer, 'extractBearerToken of a fresh Authorization value'),
    row('token cache key (SHA-256 of the token)', tokenKey, tokenKey, 'tokenCacheKey'),
    row('JWT verify, fast path (RS256)', NaN, fastPath, 'acceptQuickly: split, verify, claims'),
    row(
      'JWT verify, jsonwebtoken (fallback, peer-equivalent)',
      NaN,
      jsonwebtoken,
      'jsonwebtoken.verify with a KeyObject',
    ),
    row('cnf compare', cnf, cnf, 'readBindings (the cached token\u2019s cnf) + thumbprintsEqual'),
    row(
      'whole stack: bare Express (harness floor)',
      stack('bare').warm,
      stack('bare').cold,
      'in-process stack',
    ),
    row('whole stack: peer', stack('peer').warm, stack('peer').cold, 'in-process stack'),
    row('whole stack: ours, full', stack('full').warm, stack('full').cold, 'in-process stack'),
    row(
      'full stack − bare',
      stack('full').warm - stack('bare').warm,
      stack('full').cold - stack('bare').cold,
      'the middlewares\u2019 own cost',
    ),
  ];
  return {
    steps,
    allocation: allocationRows,
    hops: hopRows,
    concurrency: HOP_CONCURRENCY,
    hopVerdict: verdict(hopRows),
  };
}

/** Keeps the results of timed calls observable (so that no call is optimized away). */
export function lastResult(): unknown {
  return sink;
}
