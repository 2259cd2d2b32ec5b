import { formatOptions, parseArguments, type OptionsSpec } from '../../lib/cli/arguments';
import { CliError } from '../../lib/cli/cli-error';

const SPEC: OptionsSpec = {
  format: { type: 'string', value: '<name>', description: 'The format.' },
  ca: { type: 'string', multiple: true, value: '<file>', description: 'A CA.' },
  json: { type: 'boolean', description: 'JSON.' },
};

function usageError(argv: readonly string[]): string {
  try {
    parseArguments(SPEC, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as CliError).message;
  }
  throw new Error('expected a CliError');
}

describe('parseArguments()', () => {
  it('reads --name value, --name=value, flags and repeated options, keeping positional order', () => {
    const args = parseArguments(SPEC, [
      'a',
      '--format',
      'pem',
      '--ca=x.pem',
      'b',
      '--ca',
      'y.pem',
      '--json',
    ]);
    expect(args.positionals).toEqual(['a', 'b']);
    expect(args.string('format')).toBe('pem');
    expect(args.strings('ca')).toEqual(['x.pem', 'y.pem']);
    expect(args.flag('json')).toBe(true);
    expect(args.help).toBe(false);
  });

  it('answers for options that were not given', () => {
    const args = parseArguments(SPEC, []);
    expect(args.string('format')).toBeUndefined();
    expect(args.strings('ca')).toEqual([]);
    expect(args.flag('json')).toBe(false);
  });

  it('treats "-", PEM text and other dash-led text as positional arguments', () => {
    const pemLine = '-----BEGIN CERTIFICATE----- MIIB -----END CERTIFICATE-----';
    const args = parseArguments(SPEC, ['-', pemLine, '-----BEGIN%20CERTIFICATE-----', '--']);
    expect(args.positionals).toEqual(['-', pemLine, '-----BEGIN%20CERTIFICATE-----']);
  });

  it('takes everything after -- as positional', () => {
    expect(parseArguments(SPEC, ['--', '--json', '-h']).positionals).toEqual(['--json', '-h']);
  });

  it('takes the next argument as a value even when it starts with a dash', () => {
    expect(parseArguments(SPEC, ['--format', '--json']).string('format')).toBe('--json');
    expect(parseArguments(SPEC, ['--format=']).string('format')).toBe('');
  });

  it.each([['-h'], ['--help'], ['--help=1']])('%s asks for help', (flag) => {
    expect(parseArguments(SPEC, ['x', flag]).help).toBe(true);
  });

  it.each([
    [['--frmat', 'pem'], 'unknown option --frmat (did you mean --format?)'],
    [['--zzzzzz'], 'unknown option --zzzzzz'],
    [['--constructor'], 'unknown option --constructor'],
    [['-x'], 'unknown option -x'],
    [['--format'], '--format needs a value'],
    [['--json=true'], '--json takes no value'],
    [['--format', 'a', '--format', 'b'], '--format was given more than once'],
  ])('%j → %s', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });
});

describe('formatOptions()', () => {
  it('aligns one line per option, marks repeatable ones, and adds --help', () => {
    expect(formatOptions(SPEC)).toBe(
      [
        '  --format <name>  The format.',
        '  --ca <file>      A CA. (repeatable)',
        '  --json           JSON.',
        '  -h, --help       Show this help.',
      ].join('\n'),
    );
  });
});
