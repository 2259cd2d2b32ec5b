import { decodeBase64UrlStrict } from '../../lib/internal/base64';

describe('decodeBase64UrlStrict (RFC 7515 §2)', () => {
  it.each<[string, string]>([
    ['', ''],
    ['AA', '00'],
    ['AAE', '0001'],
    ['_-8', 'ffef'],
    ['AQAB', '010001'],
  ])('decodes %j', (text, hex) => {
    expect(decodeBase64UrlStrict(text)?.toString('hex')).toBe(hex);
  });

  it.each([
    ['padding', 'AA=='],
    ['standard base64 +', 'A+A'],
    ['standard base64 /', 'A/A'],
    ['whitespace', 'AA AA'],
    ['a newline', 'AAAA\n'],
    ['one character over a multiple of four', 'AAAAA'],
    ['non-zero unused bits (AB is not canonical)', 'AB'],
    ['non-zero unused bits (AAF)', 'AAF'],
    ['a non-ASCII letter', 'AAé'],
  ])('refuses %s', (_name, text) => {
    expect(decodeBase64UrlStrict(text)).toBeUndefined();
  });
});
