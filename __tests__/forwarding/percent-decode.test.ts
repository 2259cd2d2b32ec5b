import { ForwardedCertificateError } from '../../lib/forwarding/decode-error';
import { percentDecode } from '../../lib/forwarding/percent-decode';

describe('percentDecode (RFC 3986 §2.1, never form decoding)', () => {
  it('decodes %XX escapes, upper or lower case', () => {
    expect(percentDecode('-----BEGIN%20CERTIFICATE-----%0Aab%2Bc%2f%3D')).toBe(
      '-----BEGIN CERTIFICATE-----\nab+c/=',
    );
  });

  it('keeps a literal "+" (AWS ALB) instead of turning it into a space', () => {
    expect(percentDecode('MII+ab/c=%0A')).toBe('MII+ab/c=\n');
  });

  it('returns a value without "%" unchanged', () => {
    expect(percentDecode('MIIB+/==')).toBe('MIIB+/==');
  });

  it.each([['%'], ['%2'], ['%zz'], ['abc%E9'], ['%C3%28']])(
    'refuses the broken escape %p with reason percent_encoding',
    (value) => {
      expect(() => percentDecode(value)).toThrow(ForwardedCertificateError);
      expect(() => percentDecode(value)).toThrow(
        expect.objectContaining({ reason: 'percent_encoding' }),
      );
    },
  );
});
