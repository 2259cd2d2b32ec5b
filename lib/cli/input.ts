/**
 * Reading what the user points the tool at: a file, standard input (`-`), or — for commands
 * that accept it — a header value given directly on the command line.
 *
 * @packageDocumentation
 */
import { open, type FileHandle } from 'node:fs/promises';
import { CliError } from './cli-error';

/** The streams the tool uses; `process` in the binary, in-memory streams in tests. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly stdin: AsyncIterable<Uint8Array | string>;
}

/** Bytes read from a file, standard input or the command line. */
export interface Input {
  readonly bytes: Buffer;
  /** Where the bytes came from. */
  readonly origin: 'file' | 'stdin' | 'argument';
  /** The file name, `'-'`, or `'(argument)'`. */
  readonly name: string;
}

/**
 * No certificate encoding is this short, so a shorter argument that names no file is reported
 * as a missing file rather than decoded as a header value.
 */
export const MIN_VALUE_LENGTH = 128;

/** Largest certificate input read (file, standard input), in bytes. */
export const MAX_CERTIFICATE_INPUT = 1024 * 1024;

const NOT_A_PATH = new Set(['ENOENT', 'ENAMETOOLONG', 'ENOTDIR', 'ERR_INVALID_ARG_VALUE']);

async function readStdin(io: CliIo, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += buffer.length;
    if (total > maxBytes) throw new CliError(`standard input is larger than ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads `arg`: `-` is standard input, an existing path is a file, and — when `allowValue` — a
 * long argument that names no file is the value itself.
 *
 * @param what how the argument is called in messages (e.g. `--ca`).
 * @throws {CliError} for a missing, unreadable or oversized file, or a directory.
 */
export async function readInput(
  io: CliIo,
  arg: string,
  options: { readonly allowValue: boolean; readonly maxBytes: number; readonly what: string },
): Promise<Input> {
  if (arg === '-') {
    return { bytes: await readStdin(io, options.maxBytes), origin: 'stdin', name: '-' };
  }
  let handle: FileHandle;
  try {
    handle = await open(arg, 'r');
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code);
    if (!NOT_A_PATH.has(code))
      throw new CliError(`cannot read ${options.what} ${shorten(arg)} (${code})`);
    if (options.allowValue && arg.length >= MIN_VALUE_LENGTH) {
      return { bytes: Buffer.from(arg), origin: 'argument', name: '(argument)' };
    }
    throw new CliError(`no such file: ${options.what} ${shorten(arg)}`);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new CliError(`${options.what} ${arg} is a directory`);
    if (stats.size > options.maxBytes) {
      throw new CliError(`${options.what} ${arg} is larger than ${options.maxBytes} bytes`);
    }
    return { bytes: await handle.readFile(), origin: 'file', name: arg };
  } finally {
    await handle.close();
  }
}

/** An argument as it may appear in a message: never more than 80 characters of it. */
export function shorten(arg: string): string {
  return arg.length > 80 ? `${arg.slice(0, 40)}…(${arg.length} characters)` : arg;
}
