/**
 * The load generator: autocannon, in the orchestrator's process (the server under test runs in
 * its own). A warm case sends the same request over and over; a cold case gives every request
 * the next certificate and token of the pool.
 *
 * @packageDocumentation
 */
import autocannon from 'autocannon';

/** One timed run. */
export interface LoadResult {
  /** Successful (2xx) responses per second. */
  readonly rps: number;
  /** Latency percentiles, in milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  /** The server process's CPU time per request served, in µs (when `stats` was given). */
  readonly cpuPerRequest: number;
  /** The load generator's (this process's) CPU time per request, in µs. */
  readonly generatorCpuPerRequest: number;
}

/** How to load one server. */
export interface LoadOptions {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  /** Headers of the next request (called once per request for a cold case). */
  readonly headers: Record<string, string> | (() => Record<string, string>);
  /** Reads the server's CPU time (µs) and request count, before and after the timed run. */
  readonly stats?: () => Promise<{ readonly cpu: number; readonly requests: number }>;
}

/** Thrown when a server answered anything but 2xx, or failed, while being timed. */
export class LoadError extends Error {
  override readonly name = 'LoadError';
}

/** Loads `options.url` for `options.seconds` and measures it. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const { headers } = options;
  const before = await options.stats?.();
  const generatorBefore = process.cpuUsage();
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    timeout: 10,
    ...(typeof headers === 'function'
      ? {
          requests: [
            {
              method: 'GET',
              path: '/',
              setupRequest: (request) => ({ ...request, headers: headers() }),
            },
          ],
        }
      : { headers }),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new LoadError(
      `${options.url}: ${result.non2xx} non-2xx responses, ${result.errors} errors and ` +
        `${result.timeouts} timeouts while timing (a benchmark of refusals measures nothing)`,
    );
  }
  const generator = process.cpuUsage(generatorBefore);
  const after = await options.stats?.();
  const cpuPerRequest =
    before === undefined || after === undefined || after.requests === before.requests
      ? NaN
      : (after.cpu - before.cpu) / (after.requests - before.requests);
  const completed = result['2xx'] > 0 ? result['2xx'] : NaN;
  return {
    cpuPerRequest,
    generatorCpuPerRequest: (generator.user + generator.system) / completed,
    rps: result['2xx'] / (result.duration > 0 ? result.duration : options.seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result['2xx'],
  };
}
