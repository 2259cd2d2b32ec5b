import { DerError } from '../../lib/internal/der';
import { serialNumberContent, serialNumberText } from '../../lib/internal/serial';

describe('serial numbers are compared as integers (RFC 5280 §4.1.2.2, X.690 §8.3)', () => {
  // Expected texts: `openssl x509 -set_serial N …; openssl x509 -noout -serial`.
  it.each([
    ['00', '00', '00'],
    ['01', '01', '01'],
    ['7f', '7F', '7f'],
    ['0080', '80', '0080'],
    ['00ff', 'FF', '00ff'],
    ['0123', '0123', '0123'],
    ['ff', '-01', 'ff'],
    ['80', '-80', '80'],
    ['ff7f', '-81', 'ff7f'],
    ['ff00', '-0100', 'ff00'],
    ['fedd', '-0123', 'fedd'],
    ['ff7fff', '-8001', 'ff7fff'],
    ['8000', '-8000', '8000'],
  ])('INTEGER content %s is %s, and back to the minimal %s', (content, text, minimal) => {
    expect(serialNumberText(Buffer.from(content, 'hex'))).toBe(text);
    expect(serialNumberContent(text).toString('hex')).toBe(minimal);
  });

  it.each([
    ['000001', '01'],
    ['0000', '00'],
    ['ffff', '-01'],
    ['fffedd', '-0123'],
  ])('a non-minimal INTEGER %s means the same serial as the minimal one (%s)', (content, text) => {
    expect(serialNumberText(Buffer.from(content, 'hex'))).toBe(text);
  });

  it('reads a view into a larger buffer by its own offset', () => {
    const whole = Buffer.from('aafeddaa', 'hex');
    expect(serialNumberText(whole.subarray(1, 3))).toBe('-0123');
  });

  it('an empty INTEGER is a DerError', () => {
    expect(() => serialNumberText(new Uint8Array(0))).toThrow(DerError);
  });

  it.each(['', '1', '0x01', '-', '--01', 'fe', '01 02', '+01'])(
    'serialNumberContent(%j) is a DerError',
    (text) => {
      expect(() => serialNumberContent(text)).toThrow(new DerError('not a serial number'));
    },
  );
});
