/**
 * Command-line arguments of `npm run bench`.
 *
 * @packageDocumentation
 */
import { CASES } from './cases';

/** What a run does. */
export interface BenchArgs {
  /** Only the correctness pre-check of every case: no timing. */
  readonly check: boolean;
  /** A short smoke run (1 round, 1 s per case, a small pool, short micro-benchmarks). */
  readonly quick: boolean;
  readonly rounds: number;
  /** Timed seconds per case and round. */
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** autocannon connections; every count gets its own rounds and report section. */
  readonly connections: readonly number[];
  /** Distinct leaves (each with a bound token) for the cold cases. */
  readonly poolSize: number;
  /** Time the servers over HTTP (`--no-http`: micro-benchmarks only). */
  readonly http: boolean;
  /** Milliseconds per micro-benchmark task; 0 skips them. */
  readonly microMs: number;
  /** Run every server with `--cpu-prof` (profiles in `.tmp/bench/profiles/`). */
  readonly profile: boolean;
  /** The ids of the cases to run (default: all). */
  readonly cases: readonly string[] | undefined;
  readonly help: boolean;
}

/** The usage text. */
export const USAGE = `Usage: npm run bench -- [options]

  --quick            smoke run: 1 round, 1 s per case, small pool, short micro-benchmarks
  --check            only check that every server accepts the good request and refuses the bad ones
  --rounds <n>       rounds over all cases, in alternating order (default 3)
  --duration <s>     timed seconds per case and round (default 5)
  --connections <n>  autocannon connections (default 16); a list (16,50) times every case at each
  --cases <ids>      only these cases, comma-separated (${CASES.map((c) => c.id).join(', ')})
  --no-micro         skip the micro-benchmarks
  --no-http          skip the HTTP rounds (pre-check and micro-benchmarks only)
  --profile          run every server with node --cpu-prof (.tmp/bench/profiles/<case>.cpuprofile)
  --help             this text

Writes bench/results/latest.md after a full run (not with --quick, --check or --no-http).`;

function positiveInteger(flag: string, value: string | undefined): number {
  if (value === undefined || !/^[1-9]\d{0,5}$/.test(value)) {
    throw new TypeError(
      `${flag} needs a positive integer${flag === '--connections' ? ' or a list of them (16,50)' : ''}`,
    );
  }
  return Number(value);
}

/**
 * Parses `argv` (without node and the script).
 *
 * @throws {TypeError} for an unknown option or a bad value.
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const quick = argv.includes('--quick');
  let args: BenchArgs = {
    check: false,
    quick,
    rounds: quick ? 1 : 3,
    seconds: quick ? 1 : 5,
    warmupSeconds: 1,
    connections: [16],
    poolSize: quick ? 2_000 : 20_000,
    http: true,
    microMs: quick ? 50 : 400,
    profile: false,
    cases: undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    switch (flag) {
      case '--quick':
        break;
      case '--check':
        args = { ...args, check: true };
        break;
      case '--no-micro':
        args = { ...args, microMs: 0 };
        break;
      case '--no-http':
        args = { ...args, http: false };
        break;
      case '--profile':
        args = { ...args, profile: true };
        break;
      case '--help':
        args = { ...args, help: true };
        break;
      case '--rounds':
        args = { ...args, rounds: positiveInteger(flag, argv[++i]) };
        break;
      case '--duration':
        args = { ...args, seconds: positiveInteger(flag, argv[++i]) };
        break;
      case '--cases': {
        const ids = (argv[++i] ?? '').split(',').filter((id) => id !== '');
        const unknown = ids.find((id) => !CASES.some((c) => c.id === id));
        if (ids.length === 0 || unknown !== undefined) {
          throw new TypeError(
            `--cases needs case ids among ${CASES.map((c) => c.id).join(', ')}` +
              (unknown === undefined ? '' : ` (not ${unknown})`),
          );
        }
        args = { ...args, cases: ids };
        break;
      }
      case '--connections': {
        const counts = (argv[++i] ?? '').split(',').map((count) => positiveInteger(flag, count));
        args = { ...args, connections: [...new Set(counts)] };
        break;
      }
      default:
        throw new TypeError(`unknown option ${flag}`);
    }
  }
  return args;
}
