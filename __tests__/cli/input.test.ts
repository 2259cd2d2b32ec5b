import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CliError } from '../../lib/cli/cli-error';
import { MIN_VALUE_LENGTH, readInput, shorten, type CliIo } from '../../lib/cli/input';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'express-mtls-input-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const io = (chunks: readonly (string | Buffer)[] = []): CliIo => ({
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: Readable.from(chunks),
});
const VALUE = { allowValue: true, maxBytes: 1000, what: 'certificate' };
const FILE_ONLY = { allowValue: false, maxBytes: 1000, what: '--ca' };

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as CliError).message;
  }
  throw new Error('expected a CliError');
}

describe('readInput()', () => {
  it('reads a file', async () => {
    const path = join(dir, 'a.txt');
    writeFileSync(path, 'content');
    expect(await readInput(io(), path, VALUE)).toEqual({
      bytes: Buffer.from('content'),
      origin: 'file',
      name: path,
    });
  });

  it('reads standard input for "-", from string or byte chunks', async () => {
    expect(await readInput(io(['ab', 'c']), '-', VALUE)).toEqual({
      bytes: Buffer.from('abc'),
      origin: 'stdin',
      name: '-',
    });
    const bytes = await readInput(io([Buffer.from([0x30, 0x00]), Buffer.from([0xff])]), '-', VALUE);
    expect(bytes.bytes).toEqual(Buffer.from([0x30, 0x00, 0xff]));
  });

  it('bounds standard input and files', async () => {
    expect(await messageOf(readInput(io(['x'.repeat(600), 'y'.repeat(600)]), '-', VALUE))).toBe(
      'standard input is larger than 1000 bytes',
    );
    const big = join(dir, 'big.txt');
    writeFileSync(big, 'x'.repeat(1001));
    expect(await messageOf(readInput(io(), big, VALUE))).toBe(
      `certificate ${big} is larger than 1000 bytes`,
    );
  });

  it('takes a long argument that names no file as the value itself', async () => {
    const value = 'A'.repeat(MIN_VALUE_LENGTH);
    expect(await readInput(io(), value, VALUE)).toEqual({
      bytes: Buffer.from(value),
      origin: 'argument',
      name: '(argument)',
    });
    const veryLong = `${'B'.repeat(5000)}/x`;
    expect((await readInput(io(), veryLong, VALUE)).origin).toBe('argument');
    const withNul = `${'C'.repeat(200)}\0`;
    expect((await readInput(io(), withNul, VALUE)).origin).toBe('argument');
  });

  it('reports a short argument that names no file as a missing file', async () => {
    const path = join(dir, 'missing.pem');
    expect(await messageOf(readInput(io(), path, VALUE))).toBe(`no such file: certificate ${path}`);
    expect(await messageOf(readInput(io(), join(dir, 'a.txt', 'below'), VALUE))).toMatch(
      /^no such file: /,
    );
  });

  it('never takes a value where only a file is allowed, and shortens it in the message', async () => {
    const value = 'A'.repeat(300);
    expect(await messageOf(readInput(io(), value, FILE_ONLY))).toBe(
      `no such file: --ca ${'A'.repeat(40)}…(300 characters)`,
    );
  });

  it('refuses a directory', async () => {
    expect(await messageOf(readInput(io(), dir, VALUE))).toBe(`certificate ${dir} is a directory`);
  });

  it('reports other file errors with their code', async () => {
    const loop = join(dir, 'loop');
    symlinkSync(loop, loop);
    expect(await messageOf(readInput(io(), loop, VALUE))).toBe(
      `cannot read certificate ${loop} (ELOOP)`,
    );
  });
});

describe('shorten()', () => {
  it('keeps short arguments, cuts long ones', () => {
    expect(shorten('a'.repeat(80))).toBe('a'.repeat(80));
    expect(shorten('a'.repeat(81))).toBe(`${'a'.repeat(40)}…(81 characters)`);
  });
});
