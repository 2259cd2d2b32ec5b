import { Readable } from 'node:stream';
import { parseArguments } from '../../lib/cli/arguments';
import { CliError } from '../../lib/cli/cli-error';
import {
  INPUT_OPTIONS,
  inputName,
  JSON_OPTION,
  MAX_CERTIFICATES,
  onePositional,
  readCertificateInput,
} from '../../lib/cli/command';
import type { CliIo } from '../../lib/cli/input';
import { der, pem } from '../helpers/fixtures';
import { pkiFile } from './helpers/cli';

const SPEC = { json: JSON_OPTION, ...INPUT_OPTIONS };
const io = (stdin: readonly (string | Buffer)[] = []): CliIo => ({
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: Readable.from(stdin),
});

describe('onePositional()', () => {
  it('returns the single positional argument', () => {
    expect(onePositional(parseArguments(SPEC, ['x']), 'thing')).toBe('x');
  });
  it('refuses none or more than one', () => {
    expect(() => onePositional(parseArguments(SPEC, []), 'thing')).toThrow(
      new CliError('missing thing'),
    );
    expect(() => onePositional(parseArguments(SPEC, ['x', 'y z']), 'thing')).toThrow(
      new CliError('unexpected argument "y z"'),
    );
  });
});

describe('readCertificateInput()', () => {
  it('reads a file with the detected format', async () => {
    const { input, decoded } = await readCertificateInput(
      parseArguments(SPEC, [pkiFile('client-a.pem')]),
      io(),
    );
    expect(input.origin).toBe('file');
    expect(decoded.format).toBe('pem');
    expect(decoded.ders).toEqual([der('client-a')]);
  });

  it('honours --format and --xfcc-hops', async () => {
    const value = `Cert="${encodeURIComponent(pem('client-b'))}",Cert="${encodeURIComponent(pem('client-a'))}"`;
    const args = parseArguments(SPEC, ['-', '--format', 'xfcc', '--xfcc-hops', '2']);
    const { decoded } = await readCertificateInput(args, io([value]));
    expect(decoded.detected).toBe(false);
    expect(decoded.ders).toEqual([der('client-b')]);
  });

  it(`accepts at most ${MAX_CERTIFICATES} certificates`, async () => {
    const args = parseArguments(SPEC, ['-']);
    await expect(
      readCertificateInput(args, io([pem('client-a').repeat(MAX_CERTIFICATES + 1)])),
    ).rejects.toThrow(
      `not a valid pem value: more than ${MAX_CERTIFICATES} PEM certificate blocks (chain_too_long)`,
    );
    const { decoded } = await readCertificateInput(
      args,
      io([pem('client-a').repeat(MAX_CERTIFICATES)]),
    );
    expect(decoded.ders).toHaveLength(MAX_CERTIFICATES);
  });
});

describe('inputName()', () => {
  it('names a file by its path, otherwise by where it came from', () => {
    const bytes = Buffer.alloc(0);
    expect(inputName({ bytes, origin: 'file', name: 'a.pem' })).toBe('a.pem');
    expect(inputName({ bytes, origin: 'stdin', name: '-' })).toBe('standard input');
    expect(inputName({ bytes, origin: 'argument', name: '(argument)' })).toBe('the value');
  });
});
