import { forgetWarnings } from '../../lib/warnings';

/** One call of `process.emitWarning`. */
export interface ProcessWarning {
  readonly code: string | undefined;
  readonly type: string | undefined;
  readonly message: string;
}

/** The warnings captured since {@link captureProcessWarnings}. */
export interface CapturedWarnings {
  /** Every warning so far, in order. */
  all(): ProcessWarning[];
  /** Their codes, in order. */
  codes(): (string | undefined)[];
  /** Puts `process.emitWarning` back. */
  restore(): void;
}

/**
 * Captures `process.emitWarning` (where `warnOnce` reports express-mtls's configuration warnings)
 * so that a test asserts the warnings its requests provoke instead of Node printing them to the
 * test log. Warnings emitted earlier in this process are forgotten first, so that each is
 * emitted, and seen, again.
 */
export function captureProcessWarnings(): CapturedWarnings {
  forgetWarnings();
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  const all = (): ProcessWarning[] =>
    spy.mock.calls.map(([warning, options]) => {
      const details = typeof options === 'object' ? options : { type: options };
      return {
        code: details.code,
        type: details.type,
        message: typeof warning === 'string' ? warning : warning.message,
      };
    });
  return {
    all,
    codes: () => all().map((w) => w.code),
    restore: () => {
      spy.mockRestore();
    },
  };
}
