/**
 * Aggregation and reporting: medians over rounds, ratios to bare Express and to the peer, the
 * targets of issue 15, the machine, the per-step breakdown, and the Markdown written to
 * `bench/results/latest.md`.
 *
 * @packageDocumentation
 */
import { cpus, loadavg, release } from 'node:os';
import { readFileSync } from 'node:fs';
import { VERIFY_OFF_THREAD_ENV, verifyOffThread } from '../lib/internal/verify-off-thread';
import { referenceCase, type BenchCase } from './cases';
import type { LoadResult } from './load';
import type { MicroResult } from './micro';
import type { StepReport } from './steps';

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** One case's row: medians over the rounds, and ratios. */
export interface CaseSummary {
  readonly case: BenchCase;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** The server's CPU time per request (µs), median of the rounds. */
  readonly cpu: number;
  /** req/s of every round, in round order. */
  readonly rounds: readonly number[];
  /** To bare Express with the same certificate header. */
  readonly vsBare: number;
  /** To the peer with the same header, warm (warm rows) or cold (cold rows). */
  readonly vsPeer: number;
}

/**
 * Medians and ratios for every case with results, each against the reference case with the
 * same certificate header ({@link referenceCase}). A ratio whose reference case (bare Express,
 * the peer warm or cold) was not run is `NaN`.
 */
export function summarize(
  cases: readonly BenchCase[],
  results: ReadonlyMap<string, readonly LoadResult[]>,
): CaseSummary[] {
  const medianRps = (id: string): number => {
    const list = results.get(id);
    return list === undefined || list.length === 0 ? NaN : median(list.map((r) => r.rps));
  };
  const reference = (benchCase: BenchCase, to: 'bare' | 'peer'): number => {
    const other = referenceCase(benchCase, to, cases);
    return other === undefined ? NaN : medianRps(other.id);
  };
  return cases
    .filter((benchCase) => (results.get(benchCase.id) ?? []).length > 0)
    .map((benchCase) => {
      const list = results.get(benchCase.id) as readonly LoadResult[];
      const rps = medianRps(benchCase.id);
      return {
        case: benchCase,
        rps,
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        cpu: median(list.map((r) => r.cpuPerRequest)),
        rounds: list.map((r) => r.rps),
        vsBare: rps / reference(benchCase, 'bare'),
        vsPeer: rps / reference(benchCase, 'peer'),
      };
    });
}

/** One performance target of issue 15. */
export interface Target {
  readonly name: string;
  readonly ratio: number;
  readonly goal: number;
  /** `false` for an aim rather than a requirement. */
  readonly required: boolean;
  readonly met: boolean;
}

/** Evaluates the targets on the summaries (those whose cases were all run). */
export function targets(rows: readonly CaseSummary[]): Target[] {
  const ratio = (id: string, to: 'vsBare' | 'vsPeer'): number =>
    rows.find((r) => r.case.id === id)?.[to] ?? NaN;
  const rps = (id: string): number => rows.find((r) => r.case.id === id)?.rps ?? NaN;
  const make = (name: string, value: number, goal: number, required: boolean): Target => ({
    name,
    ratio: value,
    goal,
    required,
    met: value >= goal,
  });
  const chain = ', leaf + intermediate header';
  return [
    make('warm full stack vs bare Express', ratio('full', 'vsBare'), 0.85, true),
    make('warm full stack vs bare Express (aim)', ratio('full', 'vsBare'), 0.9, false),
    make('warm full stack vs peer', ratio('full', 'vsPeer'), 1.6, true),
    make('cold full stack vs peer cold', ratio('full-cold', 'vsPeer'), 1.0, true),
    make('cold binding-only vs peer cold', ratio('binding-cold', 'vsPeer'), 1.25, true),
    make('full stack with OpenTelemetry vs without', rps('full-otel') / rps('full'), 0.95, true),
    make(`warm full stack vs bare Express${chain}`, ratio('full-chain', 'vsBare'), 0.85, true),
    make(`warm full stack vs peer${chain}`, ratio('full-chain', 'vsPeer'), 1.6, true),
    make(`cold full stack vs peer cold${chain}`, ratio('full-chain-cold', 'vsPeer'), 1.0, true),
    make('warm DPoP (memoryReplayStore) vs peer DPoP', ratio('dpop', 'vsPeer'), 1.3, true),
  ].filter((target) => !Number.isNaN(target.ratio));
}

/** What the Redis replay store costs over the in-memory one (issue 13: reported separately). */
export interface ReplayStoreCost {
  /** req/s with Redis over req/s in memory. */
  readonly throughput: number;
  /** Extra server CPU per request, in µs (the Redis client's work; Redis itself not counted). */
  readonly cpuUs: number;
  readonly p99MemoryMs: number;
  readonly p99RedisMs: number;
}

/** The cost of `redisReplayStore()` from the `dpop` and `dpop-redis` rows, when both ran. */
export function replayStoreCost(rows: readonly CaseSummary[]): ReplayStoreCost | undefined {
  const memory = rows.find((r) => r.case.id === 'dpop');
  const redis = rows.find((r) => r.case.id === 'dpop-redis');
  if (memory === undefined || redis === undefined) return undefined;
  return {
    throughput: redis.rps / memory.rps,
    cpuUs: redis.cpu - memory.cpu,
    p99MemoryMs: memory.p99,
    p99RedisMs: redis.p99,
  };
}

/** The machine and its load. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly os: string;
  /** 1-, 5- and 15-minute load averages at the start and at the end of the run. */
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
  readonly date: string;
}

/** The CPU model as /proc/cpuinfo names it (os.cpus() elsewhere). */
export function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1] !== undefined) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** Describes this machine; call `finish` at the end of the run for the final load. */
export function describeMachine(): { info: () => MachineInfo; finish: () => void } {
  const loadStart = loadavg();
  let loadEnd = loadStart;
  return {
    finish: () => {
      loadEnd = loadavg();
    },
    info: () => ({
      cpu: cpuModel(),
      cores: cpus().length,
      node: process.version,
      os: `${process.platform} ${release()}`,
      loadStart,
      loadEnd,
      date: new Date().toISOString(),
    }),
  };
}

/** The settings of a run, for the report. */
export interface RunSettings {
  readonly rounds: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Every connection count timed (one {@link HttpSection} each). */
  readonly connections: readonly number[];
  readonly poolSize: number;
}

/** The HTTP results at one connection count. */
export interface HttpSection {
  readonly connections: number;
  readonly rows: readonly CaseSummary[];
  readonly targets: readonly Target[];
}

const fixed = (value: number, digits: number): string =>
  Number.isNaN(value) ? '—' : value.toFixed(digits);
const times = (value: number): string => (Number.isNaN(value) ? '—' : `${value.toFixed(2)}×`);
const loads = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(' / ');

/** A Markdown table. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header, header.map(() => '---'), ...rows].map(
    (cells) => `| ${cells.join(' | ')} |`,
  );
  return lines.join('\n');
}

/** The per-step tables: steps warm and cold, allocation per request, thread-pool hops. */
export function renderSteps(steps: StepReport): string[] {
  return [
    '## Per step (in-process, fresh strings, CPU µs per request)',
    '',
    table(
      ['step', 'warm µs', 'cold µs', 'how measured'],
      steps.steps.map((s) => [s.step, fixed(s.warmUs, 2), fixed(s.coldUs, 2), s.method]),
    ),
    '',
    'CPU time (process.cpuUsage over the run, every thread), not wall time, so that the load of ' +
      'other processes does not count. ' +
      '"—": the step does not run on that path (warm: the cache answers). Derived rows subtract a ' +
      'measured part from a measured whole, so noise can push them slightly negative.',
    '',
    '### Allocation and GC per request (in-process stacks)',
    '',
    table(
      ['stack', 'KB allocated / request', 'GC µs / request', 'GCs', 'requests'],
      steps.allocation.map((a) => [
        a.stack,
        fixed(a.bytesPerRequest / 1024, 1),
        fixed(a.gcUsPerRequest, 2),
        String(a.collections),
        String(a.requests),
      ]),
    ),
    '',
    'Bytes allocated = heap growth over the requests plus what every collection in between ' +
      'freed (v8.GCProfiler); it includes the harness (request objects, promises), the same for every stack.',
    '',
    "### Thread-pool hops (libuv's pool vs the event loop)",
    '',
    table(
      [
        'signature',
        'mode',
        'wall µs / op, 1 at a time',
        `wall µs / op, ${steps.concurrency} at a time`,
        `CPU µs / op, ${steps.concurrency} at a time`,
      ],
      steps.hops.map((h) => [
        h.signature,
        h.mode,
        fixed(h.sequentialUs, 1),
        fixed(h.concurrentUs, 1),
        fixed(h.cpuUs, 1),
      ]),
    ),
    '',
    `\`${VERIFY_OFF_THREAD_ENV}\` switches the hops (\`on\`, or \`off\`: the default; in this run: ${verifyOffThread('bench') ? 'on' : 'off'}): \`requireCertificateBoundToken()\` then verifies a new token's RS/PS/ES signature on the pool, \`requireClientCertificate()\` a new leaf's first link; a warm request makes no hop (every cache answers). ${steps.hopVerdict}`,
  ];
}

/** Renders the results as Markdown. */
export function renderMarkdown(report: {
  readonly machine: MachineInfo;
  readonly settings: RunSettings;
  /** One section per connection count (none when nothing was timed over HTTP). */
  readonly http: readonly HttpSection[];
  readonly micro: readonly MicroResult[];
  /** The per-step breakdown (absent when not measured). */
  readonly steps?: StepReport | undefined;
  /** What the run could not do as planned (a case left out, proofs signed while timing). */
  readonly notes?: readonly string[] | undefined;
}): string {
  const { machine, settings } = report;
  const parts: string[] = [
    '# express-mtls benchmark',
    '',
    `Generated by \`npm run bench\` on ${machine.date}.`,
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}`,
    `- Node ${machine.node}; load average (1/5/15 min) ${loads(machine.loadStart)} at the start, ${loads(machine.loadEnd)} at the end`,
    `- Each case in its own server process (Express 5, \`NODE_ENV=production\`); autocannon in the orchestrator process, ${settings.connections.join(' and ')} connections (a section each), no pipelining`,
    `- ${settings.rounds} round(s) in alternating order (ABC…, …CBA, …), each ${settings.warmupSeconds} s warm-up + ${settings.seconds} s timed; medians shown`,
    `- Requests: nginx \`$ssl_client_escaped_cert\` header (RSA-2048 leaf of a root → intermediate CA) and an RS256 \`at+jwt\` bound to it (\`cnf.x5t#S256\`), JWKS from a local server; "leaf + intermediate header" rows forward both certificates (two escaped PEM blocks, as nginx multi-block or an HAProxy chain does)`,
    `- Cold: every request presents the next of ${settings.poolSize} pre-generated leaves with a token bound to it (more than any cache holds)`,
    "- DPoP rows: no certificate; every request sends the same RS256 token bound with `cnf.jkt` (`Authorization: DPoP`) and an ES256 proof never sent before (signed before each timed run, a unique `jti` each). The peer runs with `dpop: { enabled: true, required: true }` and checks no `jti`; ours runs `requireSenderConstrainedToken({ methods: ['dpop'] })` and records every `jti` in its replay store (`memoryReplayStore()`, or `redisReplayStore()` on an ioredis client to a redis-server on loopback started by the run)",
  ];
  for (const note of report.notes ?? []) parts.push(`- **Note:** ${note}`);
  for (const { connections, rows, targets: goals } of report.http) {
    if (rows.length === 0) continue;
    parts.push(
      '',
      `## HTTP, ${connections} connections (req/s, median of rounds)`,
      '',
      table(
        [
          'case',
          'req/s',
          'p50 ms',
          'p99 ms',
          'vs bare',
          'vs peer',
          'server CPU µs/req',
          'rounds (req/s)',
        ],
        rows.map((row) => [
          row.case.label,
          fixed(row.rps, 0),
          fixed(row.p50, 1),
          fixed(row.p99, 1),
          times(row.vsBare),
          times(row.vsPeer),
          fixed(row.cpu, 0),
          row.rounds.map((r) => fixed(r, 0)).join(', '),
        ]),
      ),
      '',
      '"vs bare" and "vs peer" compare with the case of the same certificate header; "vs peer" compares warm rows with the peer warm, cold rows with the peer cold.',
      '',
      `### Targets (issue 15), ${connections} connections`,
      '',
      table(
        ['target', 'ratio', 'goal', 'met'],
        goals.map((t) => [
          t.name,
          times(t.ratio),
          `≥ ${fixed(t.goal, 2)}×`,
          t.met ? 'yes' : t.required ? '**no**' : 'no (aim)',
        ]),
      ),
    );
    const cost = replayStoreCost(rows);
    if (cost !== undefined) {
      parts.push(
        '',
        `### DPoP replay store: Redis vs memory, ${connections} connections`,
        '',
        table(
          ['measure', 'value'],
          [
            ['req/s, redisReplayStore / memoryReplayStore', times(cost.throughput)],
            ['extra server CPU per request (µs)', fixed(cost.cpuUs, 0)],
            [
              'p99 ms, memory → Redis',
              `${fixed(cost.p99MemoryMs, 1)} → ${fixed(cost.p99RedisMs, 1)}`,
            ],
          ],
        ),
        '',
        "One `SET NX PX` round trip per request to a redis-server on the same machine (its own CPU is not in the server's figure).",
      );
    }
  }
  if (report.micro.length > 0) {
    parts.push(
      '',
      '## Per operation (tinybench, µs)',
      '',
      table(
        ['group', 'operation', 'mean µs', 'p99 µs'],
        report.micro.map((m) => [m.group, m.name, fixed(m.meanUs, 1), fixed(m.p99Us, 1)]),
      ),
      '',
      "One operation at a time. Where ours verifies a signature on libuv's thread pool (a new " +
        'token, a new leaf: "ours: new leaf" and the cold stack rows), the hop adds latency here; ' +
        'under concurrency it frees the event loop for other requests (the HTTP rows).',
    );
  }
  if (report.steps !== undefined) parts.push('', ...renderSteps(report.steps));
  return `${parts.join('\n')}\n`;
}
