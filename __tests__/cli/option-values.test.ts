import { CliError } from '../../lib/cli/cli-error';
import { choiceValue, dateOption, formatOption, integerValue } from '../../lib/cli/option-values';
import { FORMAT_NAMES } from '../../lib/forwarding/formats';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as CliError).message;
  }
  throw new Error('expected a CliError');
}

describe('formatOption()', () => {
  it('accepts every input format and undefined', () => {
    expect(formatOption(undefined)).toBeUndefined();
    for (const name of ['der', ...FORMAT_NAMES]) {
      expect(formatOption(name)).toBe(name);
    }
  });

  it('refuses others, with a suggestion and the list', () => {
    try {
      formatOption('xfc');
    } catch (error) {
      expect((error as CliError).message).toBe('unknown --format "xfc". Did you mean "xfcc"?');
      expect((error as CliError).hint).toBe(
        'Formats: der, nginx, pem, der-base64, rfc9440, xfcc, aws-alb, traefik.',
      );
      return;
    }
    throw new Error('expected a CliError');
  });
});

describe('dateOption()', () => {
  const fallback = new Date(0);

  it.each([
    ['2030-01-31', '2030-01-31T00:00:00.000Z'],
    ['2030-01-31T12:00Z', '2030-01-31T12:00:00.000Z'],
    ['2030-01-31T12:00:01Z', '2030-01-31T12:00:01.000Z'],
    ['2030-01-31T12:00:01.5Z', '2030-01-31T12:00:01.500Z'],
    ['2030-01-31T12:00:00+02:00', '2030-01-31T10:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%s → %s', (value, iso) => {
    expect(dateOption('at', value, fallback).toISOString()).toBe(iso);
  });

  it('returns the fallback when not given', () => {
    expect(dateOption('at', undefined, fallback)).toBe(fallback);
  });

  it.each([
    '1',
    'tomorrow',
    '2030-01-31T12:00',
    '2030-02-30',
    '2023-02-29',
    '2030-13-01',
    '2030-01-01T25:00Z',
    '30-01-01',
  ])('refuses %j', (value) => {
    expect(messageOf(() => dateOption('at', value, fallback))).toBe(
      `--at "${value}" is not an ISO 8601 date`,
    );
  });
});

describe('integerValue() and choiceValue()', () => {
  it('parses decimal integers within bounds', () => {
    expect(integerValue('days', undefined, 365, 1, 10)).toBe(365);
    expect(integerValue('days', '1', 365, 1, 10)).toBe(1);
    expect(integerValue('days', '10', 365, 1, 10)).toBe(10);
  });

  it.each(['0', '11', '-1', '1.5', '1e1', ' 1', '', '0x5', '9999999999'])('refuses %j', (value) => {
    expect(messageOf(() => integerValue('days', value, 365, 1, 10))).toBe(
      `--days must be an integer from 1 to 10, not "${value}"`,
    );
  });

  it('accepts only the listed choices', () => {
    expect(choiceValue('key-type', undefined, ['ec', 'rsa'], 'ec')).toBe('ec');
    expect(choiceValue('key-type', 'rsa', ['ec', 'rsa'], 'ec')).toBe('rsa');
    expect(messageOf(() => choiceValue('key-type', 'EC', ['ec', 'rsa'], 'ec'))).toBe(
      '--key-type must be one of ec, rsa, not "EC"',
    );
  });
});
