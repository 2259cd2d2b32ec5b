/**
 * A small, strict command-line argument parser: `--name value`, `--name=value`, boolean
 * `--flag`, repeatable options, `-h`, and `--` to end options. Anything else that starts with a
 * dash and a letter is an unknown option (with a did-you-mean hint); text such as
 * `-----BEGIN CERTIFICATE-----` or a lone `-` is a positional argument.
 *
 * @packageDocumentation
 */
import { didYouMean } from '../cli-internal';
import { CliError } from './cli-error';

/** One option of a command. */
export interface OptionSpec {
  /** `'string'` takes a value; `'boolean'` is a flag. */
  readonly type: 'string' | 'boolean';
  /** Whether the option may be given more than once (string options only). */
  readonly multiple?: boolean;
  /** The value's placeholder in the help text, e.g. `<file>`. */
  readonly value?: string;
  /** One line of help. */
  readonly description: string;
}

/** A command's options by long name (without the dashes). */
export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

/** What {@link parseArguments} found. */
export interface ParsedArguments {
  readonly positionals: readonly string[];
  /** Whether `--help` or `-h` was given. */
  readonly help: boolean;
  /** The value of a single-valued string option. */
  string(name: string): string | undefined;
  /** Every value of a string option, in order. */
  strings(name: string): readonly string[];
  /** Whether a boolean option was given. */
  flag(name: string): boolean;
}

const LONG = /^--([A-Za-z][A-Za-z0-9-]*)(?:=([\s\S]*))?$/;
const SHORT = /^-[A-Za-z]$/;

/**
 * Parses `argv` (the arguments after the command name) against `spec`.
 *
 * @throws {CliError} on an unknown option, a missing value, a value given to a flag, or a
 *   single-valued option given twice.
 */
export function parseArguments(spec: OptionsSpec, argv: readonly string[]): ParsedArguments {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  let help = false;
  const known = ['help', ...Object.keys(spec)];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      help = true;
      continue;
    }
    if (SHORT.test(arg)) throw new CliError(`unknown option ${arg}`);
    const match = LONG.exec(arg);
    if (match === null) {
      positionals.push(arg);
      continue;
    }
    const [, name, inline] = match as unknown as [string, string, string | undefined];
    if (name === 'help') {
      help = true;
      continue;
    }
    const option = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (option === undefined) {
      const suggestion = /"(.+)"/.exec(didYouMean(name, known))?.[1];
      throw new CliError(
        `unknown option --${name}${suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`}`,
      );
    }
    if (option.type === 'boolean') {
      if (inline !== undefined) throw new CliError(`--${name} takes no value`);
      flags.add(name);
      continue;
    }
    if (inline === undefined && i + 1 >= argv.length) {
      throw new CliError(`--${name} needs a value`);
    }
    const value = inline ?? String(argv[++i]);
    const list = values.get(name) ?? [];
    if (list.length > 0 && option.multiple !== true) {
      throw new CliError(`--${name} was given more than once`);
    }
    list.push(value);
    values.set(name, list);
  }
  return {
    positionals,
    help,
    string: (name) => values.get(name)?.[0],
    strings: (name) => values.get(name) ?? [],
    flag: (name) => flags.has(name),
  };
}

/** The options part of a command's help text, one aligned line per option. */
export function formatOptions(spec: OptionsSpec): string {
  const rows = [
    ...Object.entries(spec).map(([name, option]) => [
      `--${name}${option.value === undefined ? '' : ` ${option.value}`}`,
      `${option.description}${option.multiple === true ? ' (repeatable)' : ''}`,
    ]),
    ['-h, --help', 'Show this help.'],
  ];
  const width = Math.max(...rows.map(([left]) => (left as string).length));
  return rows
    .map(([left, right]) => `  ${(left as string).padEnd(width)}  ${right as string}`)
    .join('\n');
}
