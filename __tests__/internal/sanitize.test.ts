import {
  CLIPPED,
  describeUntrusted,
  escapeUntrusted,
  UNTRUSTED_TEXT_LIMIT,
} from '../../lib/internal/sanitize';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

describe('describeUntrusted()', () => {
  it.each([
    ['plain', 'client-a', '"client-a"'],
    ['empty', '', '""'],
    ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['CR LF (log forging)', 'a\r\nX-Injected: 1', '"a\\u000d\\u000aX-Injected: 1"'],
    ['NUL, DEL', '\u0000\u007f', '"\\u0000\\u007f"'],
    ['NEL, LS, PS', '\u0085\u2028\u2029', '"\\u0085\\u2028\\u2029"'],
    ['bidi override', 'abc\u202edcba', '"abc\\u202edcba"'],
    ['non-ASCII letters', 'admın', '"adm\\u0131n"'],
    ['astral (two UTF-16 units)', '\u{1f600}', '"\\ud83d\\ude00"'],
    ['lone surrogate', '\ud800', '"\\ud800"'],
    ['a number', 42, '"42"'],
    ['a boolean', false, '"false"'],
    ['a bigint', 10n, '"10"'],
    ['null', null, '"null"'],
    ['undefined', undefined, '"undefined"'],
    ['an object', { toString: () => 'forged\n' }, '"[object]"'],
    ['a function', () => 1, '"[function]"'],
  ])('%s', (_, value, expected) => {
    expect(describeUntrusted(value)).toBe(expected);
  });

  it('gives back the text through JSON.parse', () => {
    const text = 'a"\\\u2028\u202e\u{1f600}\ud800 z';
    expect(JSON.parse(describeUntrusted(text))).toBe(text);
  });

  it(`clips the escaped content to ${UNTRUSTED_TEXT_LIMIT} characters, marking it after the quote`, () => {
    const described = describeUntrusted('x'.repeat(5294));
    expect(described).toBe(`"${'x'.repeat(UNTRUSTED_TEXT_LIMIT)}"${CLIPPED}`);
    expect(CLIPPED).toBe('...');
  });

  it('does not clip a value of exactly the limit', () => {
    expect(describeUntrusted('x'.repeat(10), 10)).toBe(`"${'x'.repeat(10)}"`);
  });

  it('never cuts an escape sequence in half', () => {
    expect(describeUntrusted('ab\u2028cd', 7)).toBe('"ab"...');
    expect(describeUntrusted('ab\u2028cd', 8)).toBe('"ab\\u2028"...');
    expect(describeUntrusted('a\\b', 2)).toBe('"a"...');
  });

  it('keeps hostile text of any length printable ASCII and bounded', () => {
    const hostile = `CN=${'\u2028\u2029\u0085\u202e\u0000"\\ı'.repeat(700)}`;
    const described = describeUntrusted(hostile);
    expect(described).toMatch(PRINTABLE_ASCII);
    expect(described.length).toBeLessThanOrEqual(UNTRUSTED_TEXT_LIMIT + 5);
  });
});

describe('escapeUntrusted()', () => {
  it.each([
    ['plain text unchanged', 'pki-dn', 'pki-dn'],
    ['an RFC 4514 name with escapes', 'CN=a\\,b', 'CN=a\\\\,b'],
    ['bidi and line separators', 'a\u202eb\u2028', 'a\\u202eb\\u2028'],
    ['a number', 7, '7'],
  ])('%s', (_, value, expected) => {
    expect(escapeUntrusted(value)).toBe(expected);
  });

  it('keeps an absent field absent', () => {
    expect(escapeUntrusted(undefined)).toBeUndefined();
  });

  it('clips and ends a clipped value with "..."', () => {
    expect(escapeUntrusted('x'.repeat(300))).toBe(`${'x'.repeat(UNTRUSTED_TEXT_LIMIT)}...`);
    expect(escapeUntrusted('\u2028'.repeat(5000), 20)).toBe(`${'\\u2028'.repeat(3)}...`);
  });
});
