/**
 * What every subcommand provides, and the pieces several of them share: the certificate input
 * argument and its options.
 *
 * @packageDocumentation
 */
import type { OptionSpec, OptionsSpec, ParsedArguments } from './arguments';
import { CliError } from './cli-error';
import { decodeInput, INPUT_FORMATS, type DecodedInput } from './decode-input';
import { MAX_CERTIFICATE_INPUT, readInput, type CliIo, type Input } from './input';
import { formatOption, integerValue } from './option-values';

/** One subcommand of `express-mtls`. */
export interface Command {
  readonly name: string;
  /** One line, for the command list. */
  readonly summary: string;
  /** The synopsis, after `express-mtls `. */
  readonly usage: string;
  /** Paragraphs and examples shown by `--help`. */
  readonly help: string;
  readonly options: OptionsSpec;
  /** Runs the command; resolves to the exit code. Throws {@link CliError} for usage errors. */
  execute(args: ParsedArguments, io: CliIo): Promise<number>;
}

/** The most certificates one input may hold. */
export const MAX_CERTIFICATES = 32;

/** `--json`. */
export const JSON_OPTION: OptionSpec = {
  type: 'boolean',
  description: 'Print JSON (shapes documented in the README) instead of text.',
};

/** `--format` and `--xfcc-hops`: how to read a certificate input. */
export const INPUT_OPTIONS: OptionsSpec = {
  format: {
    type: 'string',
    value: '<name>',
    description: `Read the input in this format instead of detecting it: ${INPUT_FORMATS.join(', ')}.`,
  },
  'xfcc-hops': {
    type: 'string',
    value: '<n>',
    description: 'XFCC: read the n-th element from the right (default 1: the last one).',
  },
};

/** The single positional argument of a command, or a usage error. */
export function onePositional(args: ParsedArguments, what: string): string {
  const [first, ...extra] = args.positionals;
  if (first === undefined) throw new CliError(`missing ${what}`);
  if (extra.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(extra[0])}`);
  return first;
}

/**
 * Reads and decodes the certificate input named by the command's one positional argument (a
 * file, `-`, or a header value), with `--format` and `--xfcc-hops`.
 */
export async function readCertificateInput(
  args: ParsedArguments,
  io: CliIo,
): Promise<{ input: Input; decoded: DecodedInput }> {
  const arg = onePositional(args, 'certificate (a file, a header value, or - for standard input)');
  const format = formatOption(args.string('format'));
  const xfccHops = integerValue('xfcc-hops', args.string('xfcc-hops'), 1, 1, 64);
  const input = await readInput(io, arg, {
    allowValue: true,
    maxBytes: MAX_CERTIFICATE_INPUT,
    what: 'certificate',
  });
  return {
    input,
    decoded: decodeInput(input, { format, xfccHops, maxCertificates: MAX_CERTIFICATES }),
  };
}

/** How an input is named in messages: its file name, or "the input". */
export function inputName(input: Input): string {
  return input.origin === 'file'
    ? input.name
    : input.origin === 'stdin'
      ? 'standard input'
      : 'the value';
}
