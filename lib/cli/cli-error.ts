/**
 * The one error the command-line tool raises on purpose: a usage or input problem, printed on
 * stderr as one line (never with a stack trace) and mapped to an exit code.
 *
 * @packageDocumentation
 */

/** Exit codes of `express-mtls`. */
export const EXIT = Object.freeze({
  /** The command succeeded (for `verify`: the certificate is valid). */
  ok: 0,
  /** A check failed (`verify`: the certificate is not valid). */
  failed: 1,
  /** Usage or input error: bad arguments, missing file, not a certificate, unknown format. */
  usage: 2,
  /** An unexpected internal error (a bug: please report it). */
  internal: 70,
});

/** A usage or input error, reported as `express-mtls <command>: <message>` with exit code 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** A line printed after the message, such as "Run express-mtls inspect --help". */
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.hint = hint;
  }
}
