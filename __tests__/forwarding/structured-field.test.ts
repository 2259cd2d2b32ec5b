import {
  parseByteSequenceItem,
  parseByteSequenceList,
} from '../../lib/forwarding/structured-field';
import { reasonOf } from './support/vectors';

// RFC 8941 §3.3.5: "pretend this is binary content." encodes to cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==
const EXAMPLE = ':cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:';
const EXAMPLE_BYTES = Buffer.from('pretend this is binary content.', 'latin1');

describe('parseByteSequenceItem (RFC 8941 §4.2.3, RFC 9440 §2.2)', () => {
  it('decodes the RFC 8941 §3.3.5 example', () => {
    expect(parseByteSequenceItem(EXAMPLE)).toEqual(EXAMPLE_BYTES);
  });

  it('strips leading and trailing spaces (RFC 8941 §4.2)', () => {
    expect(parseByteSequenceItem(`  ${EXAMPLE} `)).toEqual(EXAMPLE_BYTES);
  });

  it.each([
    ['a boolean flag', ';a'],
    ['an integer and a decimal', ';n=-12;d=3.25'],
    ['a string with escapes', ';s="a \\"b\\" \\\\c"'],
    ['a token', ';t=foo/bar:baz*'],
    ['a byte sequence', ';b=:AAE=:'],
    ['a boolean', ';v=?0;w=?1'],
    ['a date (RFC 9651)', ';at=@1659578233'],
    ['a display string (RFC 9651)', ';ds=%"f%c3%bc"'],
    ['spaces after ";"', ';  key=1;*k.-_=tok'],
  ])('ignores parameters: %s', (_what, parameters) => {
    expect(parseByteSequenceItem(`${EXAMPLE}${parameters}`)).toEqual(EXAMPLE_BYTES);
  });

  it.each([
    ['a token instead of a byte sequence', 'abc'],
    ['an unterminated byte sequence', ':AAE='],
    ['an inner list', '(:AAE=:)'],
    ['a list of two', ':AAE=:, :AAE=:'],
    ['text after the item', ':AAE=: x'],
    ['a bad parameter key', ':AAE=:;Key=1'],
    ['a parameter without a key', ':AAE=:;=1'],
    ['a bad parameter value', ':AAE=:;k=$'],
    ['an unterminated parameter string', ':AAE=:;k="abc'],
    ['an empty value', ''],
  ])('refuses %s (structured_field)', (_what, value) => {
    expect(reasonOf(() => parseByteSequenceItem(value))).toBe('structured_field');
  });

  it.each([
    ['base64url characters', ':cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg-_:'],
    [
      'missing padding (required here, stricter than RFC 8941)',
      ':cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg:',
    ],
    ['whitespace inside', ':cHJldGVuZCB0aGlz IGlzIGJpbmFyeSBjb250ZW50Lg==:'],
    ['a stray "=" in the middle', ':AA=E:'],
  ])('refuses %s (base64)', (_what, value) => {
    expect(reasonOf(() => parseByteSequenceItem(value))).toBe('base64');
  });
});

describe('parseByteSequenceList (RFC 8941 §4.2.1, RFC 9440 §2.3)', () => {
  it('parses members separated by "," with optional whitespace', () => {
    expect(parseByteSequenceList(':AAE=:,:AgM=:  ,\t:BA==:', 8)).toEqual([
      Buffer.from([0, 1]),
      Buffer.from([2, 3]),
      Buffer.from([4]),
    ]);
  });

  it('treats an empty value as an empty list', () => {
    expect(parseByteSequenceList('', 8)).toEqual([]);
    expect(parseByteSequenceList('   ', 8)).toEqual([]);
  });

  it('ignores member parameters', () => {
    expect(parseByteSequenceList(':AAE=:;a=1, :AgM=:;b', 8)).toHaveLength(2);
  });

  it.each([
    ['a trailing comma', ':AAE=:,'],
    ['a leading comma', ', :AAE=:'],
    ['two commas', ':AAE=:,,:AgM=:'],
    ['no comma between members', ':AAE=: :AgM=:'],
    ['a token member', ':AAE=:, abc'],
    ['an inner list member', '(:AAE=:)'],
  ])('refuses %s (structured_field)', (_what, value) => {
    expect(reasonOf(() => parseByteSequenceList(value, 8))).toBe('structured_field');
  });

  it('refuses a base64url member (base64)', () => {
    expect(reasonOf(() => parseByteSequenceList(':AAE=:, :-_8=:', 8))).toBe('base64');
  });

  it('refuses more members than allowed before decoding them (chain_too_long)', () => {
    expect(reasonOf(() => parseByteSequenceList(':AAE=:, :AAE=:, :AAE=:', 2))).toBe(
      'chain_too_long',
    );
  });
});
