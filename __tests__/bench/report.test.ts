import { CASES } from '../../bench/cases';
import type { LoadResult } from '../../bench/load';
import {
  cpuModel,
  describeMachine,
  median,
  renderMarkdown,
  summarize,
  targets,
  type CaseSummary,
  type MachineInfo,
} from '../../bench/report';
import type { StepReport } from '../../bench/steps';

function result(rps: number, cpu = 100): LoadResult {
  return {
    rps,
    p50: 1,
    p99: 5,
    requests: rps * 5,
    cpuPerRequest: cpu,
    generatorCpuPerRequest: 40,
  };
}

/** Three rounds per case, medians: bare 9000, peer 5000, cert 8500, binding 7000, full 6600, peer-cold 4000, binding-cold 4400, full-cold 2800. */
const RESULTS = new Map<string, LoadResult[]>([
  ['bare', [result(9000), result(8000), result(9500)]],
  ['peer', [result(5000), result(5100), result(4900)]],
  ['cert', [result(8500), result(8400), result(8600)]],
  ['binding', [result(7000), result(6900), result(7100)]],
  ['full', [result(6600), result(6000), result(7000)]],
  ['peer-cold', [result(4000), result(3900), result(4100)]],
  ['binding-cold', [result(4400), result(4300), result(4500)]],
  ['full-cold', [result(2800), result(2700), result(2900)]],
]);

const MACHINE: MachineInfo = {
  cpu: 'Test CPU',
  cores: 2,
  node: 'v20.20.2',
  os: 'linux 6',
  loadStart: [0.5, 0.4, 0.3],
  loadEnd: [1, 0.9, 0.8],
  date: '2026-01-01T00:00:00.000Z',
};

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('summarize and targets', () => {
  it('takes medians and compares warm rows with the warm peer, cold rows with the cold peer', () => {
    const rows = summarize(CASES, RESULTS);
    const full = rows.find((r) => r.case.id === 'full');
    expect(full).toMatchObject({ rps: 6600, p50: 1, p99: 5, cpu: 100, rounds: [6600, 6000, 7000] });
    expect(full?.vsBare).toBeCloseTo(6600 / 9000);
    expect(full?.vsPeer).toBeCloseTo(6600 / 5000);
    expect(rows.find((r) => r.case.id === 'full-cold')?.vsPeer).toBeCloseTo(2800 / 4000);
  });

  it('evaluates the targets of issue 15', () => {
    expect(
      targets(summarize(CASES, RESULTS)).map((t) => [t.name, t.goal, t.required, t.met]),
    ).toEqual([
      ['warm full stack vs bare Express', 0.85, true, false],
      ['warm full stack vs bare Express (aim)', 0.9, false, false],
      ['warm full stack vs peer', 1.6, true, false],
      ['cold full stack vs peer cold', 1, true, false],
      ['cold binding-only vs peer cold', 1.25, true, false],
    ]);
    const fast = new Map(RESULTS);
    fast.set('full', [result(8200)]);
    fast.set('full-cold', [result(4000)]);
    fast.set('binding-cold', [result(5000)]);
    expect(targets(summarize(CASES, fast)).map((t) => t.met)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('compares leaf + intermediate rows with bare Express and the peer of the same header', () => {
    const chain = new Map(RESULTS);
    chain.set('bare-chain', [result(8000)]);
    chain.set('peer-chain', [result(4000)]);
    chain.set('full-chain', [result(7000)]);
    chain.set('peer-chain-cold', [result(3000)]);
    chain.set('full-chain-cold', [result(2700)]);
    const rows = summarize(CASES, chain);
    const row = (id: string): CaseSummary => rows.find((r) => r.case.id === id) as CaseSummary;
    expect(row('full-chain').vsBare).toBeCloseTo(7000 / 8000);
    expect(row('full-chain').vsPeer).toBeCloseTo(7000 / 4000);
    expect(row('full-chain-cold').vsBare).toBeCloseTo(2700 / 8000);
    expect(row('full-chain-cold').vsPeer).toBeCloseTo(2700 / 3000);
    expect(row('full').vsBare).toBeCloseTo(6600 / 9000);
    expect(
      targets(rows)
        .slice(-3)
        .map((t) => [t.name, t.goal, t.met]),
    ).toEqual([
      ['warm full stack vs bare Express, leaf + intermediate header', 0.85, true],
      ['warm full stack vs peer, leaf + intermediate header', 1.6, true],
      ['cold full stack vs peer cold, leaf + intermediate header', 1, false],
    ]);
  });

  it('compares the full stack with and without OpenTelemetry (at least 0.95)', () => {
    const withOtel = new Map(RESULTS);
    withOtel.set('full-otel', [result(6200)]);
    expect(targets(summarize(CASES, withOtel)).at(-1)).toMatchObject({
      name: 'full stack with OpenTelemetry vs without',
      goal: 0.95,
      required: true,
      met: false,
    });
    withOtel.set('full-otel', [result(6400)]);
    expect(targets(summarize(CASES, withOtel)).at(-1)?.met).toBe(true);
  });

  it('reports a missed target', () => {
    const slow = new Map(RESULTS);
    slow.set('full', [result(5000)]);
    const warm = targets(summarize(CASES, slow))[2];
    expect(warm).toMatchObject({ name: 'warm full stack vs peer', met: false, ratio: 1 });
  });

  it('keeps only the cases that ran; ratios to a reference that did not run are NaN', () => {
    const some = new Map([['full-cold', [result(2800)]]]);
    const rows = summarize(CASES, some);
    expect(rows.map((r) => r.case.id)).toEqual(['full-cold']);
    expect(rows[0]?.vsPeer).toBeNaN();
    expect(targets(rows)).toEqual([]);
  });
});

describe('renderMarkdown', () => {
  const rows = summarize(CASES, RESULTS);
  const at50 = summarize(
    CASES,
    new Map([
      ['bare', [result(7000)]],
      ['full', [result(6300)]],
    ]),
  );
  const markdown = renderMarkdown({
    machine: MACHINE,
    settings: { rounds: 3, seconds: 5, warmupSeconds: 1, connections: [16, 50], poolSize: 20_000 },
    http: [
      { connections: 16, rows, targets: targets(rows) },
      { connections: 50, rows: at50, targets: targets(at50) },
    ],
    micro: [
      { group: 'jwt', name: 'jsonwebtoken.verify RS256, KeyObject', meanUs: 28.04, p99Us: 40 },
    ],
  });

  it('describes the machine, its load and the method', () => {
    expect(markdown).toContain('- Machine: Test CPU, 2 cores, linux 6');
    expect(markdown).toContain(
      'load average (1/5/15 min) 0.50 / 0.40 / 0.30 at the start, 1.00 / 0.90 / 0.80 at the end',
    );
    expect(markdown).toContain('3 round(s) in alternating order');
    expect(markdown).toContain('16 and 50 connections (a section each)');
    expect(markdown).toContain('"leaf + intermediate header" rows forward both certificates');
    expect(markdown).toContain('the next of 20000 pre-generated leaves');
  });

  it('has a section per connection count with a row per case and the targets, and the micro-benchmarks', () => {
    const [at16, at50Text] = markdown.split('## HTTP, 50 connections');
    expect(at16).toContain('## HTTP, 16 connections (req/s, median of rounds)');
    expect(at16).toContain(
      '| ours: full stack (+ requireClientCertificate chain) | 6600 | 1.0 | 5.0 | 0.73× | 1.32× | 100 | 6600, 6000, 7000 |',
    );
    expect(at16).toContain(
      '| warm full stack vs bare Express (aim) | 0.73× | ≥ 0.90× | no (aim) |',
    );
    expect(at16).toContain('| warm full stack vs bare Express | 0.73× | ≥ 0.85× | **no** |');
    expect(at50Text).toContain(
      '| ours: full stack (+ requireClientCertificate chain) | 6300 | 1.0 | 5.0 | 0.90× | — | 100 | 6300 |',
    );
    expect(at50Text).toContain('### Targets (issue 15), 50 connections');
    expect(at50Text).toContain('| warm full stack vs bare Express | 0.90× | ≥ 0.85× | yes |');
    expect(markdown).toContain('| jwt | jsonwebtoken.verify RS256, KeyObject | 28.0 | 40.0 |');
  });

  it('marks a missed required target and a ratio without reference', () => {
    const some = summarize(
      CASES,
      new Map([
        ['full-cold', [result(2800)]],
        ['peer-cold', [result(5000)]],
      ]),
    );
    const text = renderMarkdown({
      machine: MACHINE,
      settings: { rounds: 1, seconds: 1, warmupSeconds: 1, connections: [16], poolSize: 10 },
      http: [{ connections: 16, rows: some, targets: targets(some) }],
      micro: [],
    });
    expect(text).toContain('| cold full stack vs peer cold | 0.56× | ≥ 1.00× | **no** |');
    expect(text).toContain('| — |');
    expect(text).not.toContain('Per operation');
  });

  it('leaves out the HTTP sections when nothing was timed', () => {
    const text = renderMarkdown({
      machine: MACHINE,
      settings: { rounds: 1, seconds: 1, warmupSeconds: 1, connections: [16], poolSize: 10 },
      http: [{ connections: 16, rows: [], targets: [] }],
      micro: [],
    });
    expect(text).not.toContain('## HTTP');
    expect(text).not.toContain('Targets');
    expect(text).not.toContain('Per step');
  });

  it('renders the per-step breakdown: steps warm and cold, allocation, thread-pool hops', () => {
    const steps: StepReport = {
      steps: [
        { step: 'bearer extraction', warmUs: 1.234, coldUs: 1.5, method: 'extractBearerToken' },
        { step: 'certificateInfo(leaf)', warmUs: NaN, coldUs: 24, method: 'derived' },
      ],
      allocation: [
        {
          stack: 'full, cold',
          bytesPerRequest: 48 * 1024,
          gcUsPerRequest: 3.25,
          collections: 7,
          requests: 2000,
        },
      ],
      hops: [
        {
          signature: 'token',
          mode: 'event loop (sync)',
          sequentialUs: 30,
          concurrentUs: 31,
          cpuUs: 30,
        },
        {
          signature: 'token',
          mode: 'thread pool (callback)',
          sequentialUs: 45,
          concurrentUs: 20,
          cpuUs: 41,
        },
      ],
      concurrency: 16,
      hopVerdict: 'Measured here: something.',
    };
    const text = renderMarkdown({
      machine: MACHINE,
      settings: { rounds: 1, seconds: 1, warmupSeconds: 1, connections: [16], poolSize: 10 },
      http: [],
      micro: [],
      steps,
    });
    expect(text).toContain('## Per step (in-process, fresh strings, CPU µs per request)');
    expect(text).toContain('| bearer extraction | 1.23 | 1.50 | extractBearerToken |');
    expect(text).toContain('| certificateInfo(leaf) | — | 24.00 | derived |');
    expect(text).toContain('| full, cold | 48.0 | 3.25 | 7 | 2000 |');
    expect(text).toContain('| token | thread pool (callback) | 45.0 | 20.0 | 41.0 |');
    expect(text).toContain('16 at a time');
    expect(text).toContain('`EXPRESS_MTLS_VERIFY_OFF_THREAD` switches the hops');
    expect(text).toContain('a warm request makes no hop');
    expect(text).toContain('Measured here: something.');
  });
});

describe('the machine', () => {
  it('names the CPU and records the load at the start and the end', () => {
    expect(cpuModel()).not.toBe('');
    const machine = describeMachine();
    machine.finish();
    const info = machine.info();
    expect(info.cores).toBeGreaterThan(0);
    expect(info.node).toBe(process.version);
    expect(info.loadStart).toHaveLength(3);
    expect(info.loadEnd).toHaveLength(3);
  });
});
