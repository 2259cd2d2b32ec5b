/**
 * Aggregation and reporting: medians over rounds, ratios to bare Express and to the peer, the
 * targets of issue 6, the machine, and the Markdown written to `bench/results/latest.md`.
 *
 * @packageDocumentation
 */
import { cpus, loadavg, release } from 'node:os';
import { readFileSync } from 'node:fs';
import type { BenchCase } from './cases';
import type { LoadResult } from './load';
import type { MicroResult } from './micro';

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
  readonly vsBare: number;
  /** To the peer's warm case (warm rows) or the peer's cold case (cold rows). */
  readonly vsPeer: number;
}

/**
 * Medians and ratios for every case with results. A ratio whose reference case (bare Express,
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
  const bare = medianRps('bare');
  const peer = medianRps('peer');
  const peerCold = medianRps('peer-cold');
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
        vsBare: rps / bare,
        vsPeer: rps / (benchCase.cold ? peerCold : peer),
      };
    });
}

/** One performance target of issue 6. */
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
  return [
    make('warm full stack vs peer', ratio('full', 'vsPeer'), 1.3, true),
    make('warm full stack vs bare Express (aim)', ratio('full', 'vsBare'), 0.8, false),
    make('cold binding-only vs peer cold', ratio('binding-cold', 'vsPeer'), 1.0, true),
    make('cold full stack vs peer cold', ratio('full-cold', 'vsPeer'), 0.6, true),
    make('full stack with OpenTelemetry vs without', rps('full-otel') / rps('full'), 0.95, true),
  ].filter((target) => !Number.isNaN(target.ratio));
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
  readonly connections: number;
  readonly poolSize: number;
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

/** Renders the results as Markdown. */
export function renderMarkdown(report: {
  readonly machine: MachineInfo;
  readonly settings: RunSettings;
  readonly rows: readonly CaseSummary[];
  readonly targets: readonly Target[];
  readonly micro: readonly MicroResult[];
}): string {
  const { machine, settings, rows } = report;
  const parts: string[] = [
    '# express-mtls benchmark',
    '',
    `Generated by \`npm run bench\` on ${machine.date}.`,
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}`,
    `- Node ${machine.node}; load average (1/5/15 min) ${loads(machine.loadStart)} at the start, ${loads(machine.loadEnd)} at the end`,
    `- Each case in its own server process (Express 5, \`NODE_ENV=production\`); autocannon in the orchestrator process, ${settings.connections} connections, no pipelining`,
    `- ${settings.rounds} round(s) in alternating order (ABC…, …CBA, …), each ${settings.warmupSeconds} s warm-up + ${settings.seconds} s timed; medians shown`,
    `- Requests: nginx \`$ssl_client_escaped_cert\` header (RSA-2048 leaf of a root → intermediate CA) and an RS256 \`at+jwt\` bound to it (\`cnf.x5t#S256\`), JWKS from a local server`,
    `- Cold: every request presents the next of ${settings.poolSize} pre-generated leaves with a token bound to it (more than any cache holds)`,
  ];
  if (rows.length > 0) {
    parts.push(
      '',
      '## HTTP (req/s, median of rounds)',
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
      '"vs peer" compares warm rows with the peer warm, cold rows with the peer cold.',
      '',
      '## Targets (issue 6)',
      '',
      table(
        ['target', 'ratio', 'goal', 'met'],
        report.targets.map((t) => [
          t.name,
          times(t.ratio),
          `≥ ${fixed(t.goal, 1)}×`,
          t.met ? 'yes' : t.required ? '**no**' : 'no (aim)',
        ]),
      ),
    );
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
  return `${parts.join('\n')}\n`;
}
