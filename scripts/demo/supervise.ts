/**
 * What stands between the demo and the process it runs in, so that it cleans up (servers, nginx,
 * the temp dir with its private keys) whatever ends it: Ctrl-C, `kill`, a closed terminal, a
 * reader that went away (`npm run demo | head -3` closes the pipe: EPIPE) or an error nobody
 * caught. Each of them aborts the demo, whose own `finally` does the cleanup; nothing exits the
 * process before that.
 *
 * @packageDocumentation
 */
import type { TranscriptSink } from './transcript';

/** Exit status when the transcript's reader went away: 128 + SIGPIPE, as a shell reports it. */
export const BROKEN_PIPE_EXIT_CODE = 141;
/** Exit status after an error nobody caught: as when the demo could not be set up. */
export const CRASH_EXIT_CODE = 2;

/** The signals that stop the demo. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What {@link supervise} listens to: `process`, or an `EventEmitter` in tests. */
export interface Emitter {
  on(name: string, listener: (value: unknown) => void): unknown;
  off(name: string, listener: (value: unknown) => void): unknown;
}

/** The stream the transcript goes to: `process.stdout`. */
export interface OutputStream extends Emitter {
  write(text: string): unknown;
}

/** What {@link supervise} gives the demo. */
export interface Supervision {
  /** Aborted on a signal, a broken output stream or an uncaught error. */
  readonly signal: AbortSignal;
  /** The transcript sink: `stream` until it breaks, then nothing. */
  readonly out: TranscriptSink;
  /**
   * The process exit status for the demo's own: {@link BROKEN_PIPE_EXIT_CODE} when the output
   * broke, else {@link CRASH_EXIT_CODE} after an uncaught error, else the demo's.
   */
  exitCode(demoExitCode: number): number;
  /** Removes the signal and error handlers (the output stream's stays: it may still fail). */
  dispose(): void;
}

/**
 * Installs the handlers on `proc` (`process`) and `stream` (`process.stdout`); `report` gets the
 * uncaught errors (`process.stderr`).
 */
export function supervise(
  proc: Emitter,
  stream: OutputStream,
  report: (text: string) => void,
): Supervision {
  const controller = new AbortController();
  let broken = false;
  let crashed = false;
  // Stays installed until the end: a second Ctrl-C must not kill the demo before it cleans up.
  const stop = (): void => {
    controller.abort();
  };
  const crash = (error: unknown): void => {
    controller.abort();
    if (crashed) return;
    crashed = true;
    try {
      report(
        `demo: uncaught ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    } catch {
      // nowhere left to report to
    }
  };
  stream.on('error', () => {
    broken = true;
    controller.abort();
  });
  for (const name of SIGNALS) proc.on(name, stop);
  proc.on('uncaughtException', crash);
  proc.on('unhandledRejection', crash);
  return {
    signal: controller.signal,
    out: {
      write: (text: string): void => {
        if (!broken) stream.write(text);
      },
    },
    exitCode: (demoExitCode) =>
      broken ? BROKEN_PIPE_EXIT_CODE : crashed ? CRASH_EXIT_CODE : demoExitCode,
    dispose: () => {
      for (const name of SIGNALS) proc.off(name, stop);
      proc.off('uncaughtException', crash);
      proc.off('unhandledRejection', crash);
    },
  };
}
