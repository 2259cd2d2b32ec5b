import { formatIp, parseIp } from '../../lib/internal/ip';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

describe('formatIp', () => {
  it.each([
    ['c0000201', '192.0.2.1'],
    ['00000000', '0.0.0.0'],
    ['ffffffff', '255.255.255.255'],
  ])('writes IPv4 %s as %s', (octets, text) => {
    expect(formatIp(hex(octets))).toBe(text);
  });

  it.each([
    // RFC 5952 §4.2.1 longest run compressed, §4.2.2 not a single group, §4.2.3 first of
    // equal runs, §4.3 lower case, §4.1 no leading zeros; §5 IPv4-mapped in mixed notation
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010000000000010000000000000001', '2001:0:0:1::1'],
    ['20010db8000000000000000100000000', '2001:db8::1:0:0'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['20010db8000000000000000000000000', '2001:db8::'],
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['fe800000000000000001000200030004', 'fe80::1:2:3:4'],
    ['20010DB8ABCDEF000000000000000000', '2001:db8:abcd:ef00::'],
    ['00000000000000000000ffffc0000201', '::ffff:192.0.2.1'],
    ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'],
    ['0000000000000000ffff0000c0000201', '::ffff:0:c000:201'],
    ['000000000000000000000000c0000201', '::c000:201'],
    ['0064ff9b0000000000000000c0000201', '64:ff9b::c000:201'],
  ])('writes IPv6 %s as %s (RFC 5952)', (octets, text) => {
    expect(formatIp(hex(octets))).toBe(text);
  });

  it.each([0, 1, 3, 5, 8, 15, 17, 32])('returns undefined for %i octets', (length) => {
    expect(formatIp(Buffer.alloc(length))).toBeUndefined();
  });

  it('accepts a Uint8Array', () => {
    expect(formatIp(new Uint8Array([127, 0, 0, 1]))).toBe('127.0.0.1');
  });
});

describe('parseIp', () => {
  it.each([
    ['192.0.2.1', 'c0000201'],
    ['0.0.0.0', '00000000'],
    ['255.255.255.255', 'ffffffff'],
  ])('parses IPv4 %s', (text, octets) => {
    expect(parseIp(text)?.toString('hex')).toBe(octets);
  });

  it.each([
    ['2001:db8::1:0:0:1', '20010db8000000000001000000000001'],
    ['2001:0db8:0:0:1:0:0:1', '20010db8000000000001000000000001'],
    ['2001:DB8:0000:0000:0001:0000:0000:0001', '20010db8000000000001000000000001'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['2001:db8::', '20010db8000000000000000000000000'],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['::ffff:c000:201', '00000000000000000000ffffc0000201'],
    ['::FFFF:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['64:ff9b::192.0.2.1', '0064ff9b0000000000000000c0000201'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1::8', '00010000000000000000000000000008'],
  ])('parses IPv6 %s (RFC 5952 §8: spellings compare equal)', (text, octets) => {
    expect(parseIp(text)?.toString('hex')).toBe(octets);
  });

  it.each([
    ['an empty string', ''],
    ['a host name', 'localhost'],
    ['leading zeros in IPv4', '192.000.002.001'],
    ['a short IPv4', '192.0.2'],
    ['an IPv4 octet above 255', '192.0.2.256'],
    ['hexadecimal IPv4', '0xc0.0.2.1'],
    ['a bracketed IPv6', '[::1]'],
    ['two ::', '1::2::3'],
    ['nine groups', '1:2:3:4:5:6:7:8:9'],
    ['a zone identifier', 'fe80::1%eth0'],
    ['a numeric zone identifier', '::1%1'],
    ['a CIDR', '192.0.2.0/24'],
    ['surrounding spaces', ' 192.0.2.1 '],
  ])('returns undefined for %s', (_name, text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('round-trips with formatIp', () => {
    for (const text of ['192.0.2.1', '2001:db8::1:0:0:1', '::ffff:192.0.2.1', '::', 'fe80::1']) {
      expect(formatIp(parseIp(text) as Buffer)).toBe(text);
    }
  });
});
