import { decodeBase64Strict, isBase64UrlSha256 } from '../../lib/internal/base64';

describe('decodeBase64Strict', () => {
  it.each([
    ['', ''],
    ['QQ==', '41'],
    ['QUI=', '4142'],
    ['QUJD', '414243'],
    ['+/+/', 'fbffbf'],
    ['AAECAwQFBgcICQ==', '00010203040506070809'],
  ])('decodes %j (RFC 4648 §4)', (input, hex) => {
    expect(decodeBase64Strict(input)?.toString('hex')).toBe(hex);
  });

  it.each([
    ['a space', 'QU JD'],
    ['a newline', 'QUJD\n'],
    ['a leading space', ' QUJD'],
    ['base64url characters', '-_-_'],
    ['a missing padding', 'QQ'],
    ['a missing second padding', 'QQ='],
    ['too much padding', 'QQ==='],
    ['padding in the middle', 'QQ==QUJD'],
    ['a lone character', 'Q'],
    ['five characters', 'QUJDR'],
    ['a percent sign', 'QUJ%'],
    ['a non-ASCII character', 'QUJé'],
    ['a NUL', 'QUJ\0'],
    ['three padding characters', 'Q==='],
  ])('refuses %s', (_name, input) => {
    expect(decodeBase64Strict(input)).toBeUndefined();
  });

  it('accepts unpadded input only when asked (RFC 8941 §3.3.5 tolerates it)', () => {
    expect(decodeBase64Strict('QQ')).toBeUndefined();
    expect(decodeBase64Strict('QQ', true)?.toString('hex')).toBe('41');
    expect(decodeBase64Strict('QUI', true)?.toString('hex')).toBe('4142');
    expect(decodeBase64Strict('QUJD', true)?.toString('hex')).toBe('414243');
    expect(decodeBase64Strict('QQ==', true)?.toString('hex')).toBe('41');
  });

  it('refuses impossible unpadded lengths and other characters even when unpadded is allowed', () => {
    expect(decodeBase64Strict('QUJDR', true)).toBeUndefined();
    expect(decodeBase64Strict('Q', true)).toBeUndefined();
    expect(decodeBase64Strict('QU JD', true)).toBeUndefined();
    expect(decodeBase64Strict('-_', true)).toBeUndefined();
    expect(decodeBase64Strict('QQ=', true)).toBeUndefined();
  });

  it('tolerates non-zero pad bits, as RFC 8941 §3.3.5 asks of parsers', () => {
    expect(decodeBase64Strict('QR==')?.toString('hex')).toBe('41');
  });
});

describe('isBase64UrlSha256', () => {
  it('accepts 43 base64url characters (RFC 8705 §3.1)', () => {
    // openssl: see __tests__/fixtures/pki/thumbprints.txt
    expect(isBase64UrlSha256('yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJA')).toBe(true);
    expect(isBase64UrlSha256('A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0')).toBe(true);
  });

  it.each([
    ['padded', 'yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJA='],
    ['standard base64', 'yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0//+84WeJA'],
    ['42 characters', 'yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJ'],
    ['44 characters', 'yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJAA'],
    ['SHA-1 hex', 'cd93ed2842289a3750842a0ef5cdac40da9c17f6'],
    ['a trailing newline', 'yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJA\n'],
    ['empty', ''],
  ])('refuses %s', (_name, value) => {
    expect(isBase64UrlSha256(value)).toBe(false);
  });
});
