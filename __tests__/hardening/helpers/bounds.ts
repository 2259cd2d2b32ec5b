/**
 * Bounds for hostile-input runs: a generous per-input deadline (it catches catastrophic
 * backtracking and exponential work, not slowness: speed belongs to the benchmark) and a heap
 * measurement after a forced garbage collection.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The most time one input may take, in milliseconds. Real inputs take microseconds. */
export const DEADLINE_MS = 1000;

/** What a bounded call produced: its value or what it threw, and how long it took. */
export type Bounded<T> =
  | { readonly ok: true; readonly value: T; readonly elapsed: number }
  | { readonly ok: false; readonly error: unknown; readonly elapsed: number };

/** Runs `fn` once, catching what it throws and timing it. */
export function bounded<T>(fn: () => T): Bounded<T> {
  const started = performance.now();
  try {
    const value = fn();
    return { ok: true, value, elapsed: performance.now() - started };
  } catch (error) {
    return { ok: false, error, elapsed: performance.now() - started };
  }
}

/** Like {@link bounded}, for a promise; a promise still pending after the deadline is a failure. */
export async function boundedAsync<T>(
  fn: () => Promise<T>,
  deadline = DEADLINE_MS,
): Promise<Bounded<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no outcome within ${deadline} ms`));
    }, deadline);
  });
  try {
    const value = await Promise.race([fn(), late]);
    return { ok: true, value, elapsed: performance.now() - started };
  } catch (error) {
    return { ok: false, error, elapsed: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

let collect: (() => void) | undefined;

/** Forces a full garbage collection (exposing `gc` once if Node was not started with it). */
export function forceGc(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  collect();
}

/** The heap in use after a full collection, in bytes. */
export function settledHeap(): number {
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** What an awaited action produced and the longest the event loop stayed blocked meanwhile. */
export interface LoopMeasure<T> {
  readonly value: T;
  /** Longest gap between two ticks of a 1 ms interval timer, in milliseconds. */
  readonly maxBlockMs: number;
  /** Wall-clock time of the whole action, in milliseconds. */
  readonly elapsedMs: number;
}

/**
 * Runs `action` while a 1 ms interval timer records the longest gap between its ticks: the
 * longest time the event loop was blocked (by synchronous work of the action, or anything else).
 */
export async function measureLoopBlock<T>(action: () => Promise<T>): Promise<LoopMeasure<T>> {
  const started = performance.now();
  let last = started;
  let maxBlockMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxBlockMs = Math.max(maxBlockMs, now - last);
    last = now;
  }, 1);
  try {
    const value = await action();
    const now = performance.now();
    maxBlockMs = Math.max(maxBlockMs, now - last);
    return { value, maxBlockMs, elapsedMs: now - started };
  } finally {
    clearInterval(timer);
  }
}
