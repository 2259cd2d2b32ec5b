/**
 * The `express-mtls` command-line tool, in process: `run(argv, io)` parses the arguments, runs
 * one command and resolves to its exit code. It never throws and never calls `process.exit`;
 * `main.ts` wires it to the real process. Everything runs locally: no command opens a network
 * connection.
 *
 * Exit codes: `0` success (`verify`: valid), `1` a check failed (`verify`: invalid), `2` usage
 * or input error (bad option, missing file, not a certificate, unknown format), `70` internal
 * error.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { didYouMean } from '../cli-internal';
import { CertificateParseError } from '../index';
import { formatOptions, parseArguments } from './arguments';
import { CliError, EXIT } from './cli-error';
import type { Command } from './command';
import type { CliIo } from './input';
import { inspectCommand } from './inspect';
import { pkiCommand } from './pki';
import { thumbprintCommand } from './thumbprint';
import { doctorCommand } from './doctor';
import { verifyCommand } from './verify';

export type { CliIo } from './input';

/** The commands, in help order. */
export const COMMANDS: readonly Command[] = Object.freeze([
  thumbprintCommand,
  inspectCommand,
  verifyCommand,
  doctorCommand,
  pkiCommand,
]);

const EXIT_CODES =
  'Exit codes: 0 success; 1 check failed (verify: invalid); 2 usage or input error.';

function version(): string {
  const manifest = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
  ) as { version: string };
  return manifest.version;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'express-mtls — certificate tools for mutual TLS with express-mtls (offline: no network).',
    '',
    'Usage: express-mtls <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run "express-mtls <command> --help" for its options and examples.',
    'Options: --help, --version.',
    EXIT_CODES,
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: express-mtls ${command.usage}`,
    '',
    command.summary,
    '',
    command.help,
    '',
    'Options:',
    formatOptions(command.options),
    '',
    EXIT_CODES,
    '',
  ].join('\n');
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    const names = COMMANDS.map((candidate) => candidate.name);
    throw new CliError(
      `unknown command "${name}".${didYouMean(name, names)}`,
      'Run "express-mtls --help" for the list of commands.',
    );
  }
  return command;
}

async function dispatch(
  argv: readonly string[],
  io: CliIo,
  context: { prefix: string },
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(overview());
    return EXIT.usage;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    io.stdout.write(overview());
    return EXIT.ok;
  }
  if (first === '--version') {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (first === 'help') {
    io.stdout.write(commandHelp(findCommand(rest[0] as string)));
    return EXIT.ok;
  }
  const command = findCommand(first);
  context.prefix = `express-mtls ${command.name}`;
  const args = parseArguments(command.options, rest);
  if (args.help) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  return command.execute(args, io);
}

/**
 * Runs `express-mtls` with `argv` (the arguments after the program name). Usage and input
 * errors are reported on `io.stderr` as one line, without a stack trace.
 *
 * @returns the exit code.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const context = { prefix: 'express-mtls' };
  try {
    return await dispatch(argv, io, context);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`${context.prefix}: ${error.message}\n`);
      if (error.hint !== undefined) io.stderr.write(`${error.hint}\n`);
      return EXIT.usage;
    }
    if (error instanceof CertificateParseError) {
      io.stderr.write(`${context.prefix}: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(
      `${context.prefix}: internal error: ${error instanceof Error ? error.message : String(error)}\n` +
        'This is a bug in express-mtls; please report it with the command that caused it.\n',
    );
    return EXIT.internal;
  }
}
