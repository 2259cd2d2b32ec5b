/**
 * The correctness pre-check: before a server is timed, it must accept the good request and
 * refuse the bad ones it is expected to refuse. A benchmark of a server that lets everything
 * through (or refuses everything) would measure nothing.
 *
 * @packageDocumentation
 */
import { request } from 'node:http';
import type { Expectation } from './cases';

/** The outcome of one pre-check request. */
export interface CheckOutcome {
  readonly name: string;
  readonly expected: number;
  /** The status received, or the connection error's message. */
  readonly actual: number | string;
  readonly ok: boolean;
}

/** Sends one GET and resolves with the response status (the body is drained). */
export function statusOf(url: string, headers: Readonly<Record<string, string>>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
      });
    });
    req.setTimeout(10_000, () => {
      req.destroy(new Error('no answer within 10 s'));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends every expectation's request to `url` in turn and compares the statuses. */
export async function checkServer(
  url: string,
  list: readonly Expectation[],
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const expectation of list) {
    let actual: number | string;
    try {
      actual = await statusOf(url, expectation.headers);
    } catch (error) {
      actual = error instanceof Error ? error.message : String(error);
    }
    outcomes.push({
      name: expectation.name,
      expected: expectation.status,
      actual,
      ok: actual === expectation.status,
    });
  }
  return outcomes;
}
