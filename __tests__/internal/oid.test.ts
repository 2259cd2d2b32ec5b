import { DerError } from '../../lib/internal/der';
import { decodeOid } from '../../lib/internal/oid';

const hex = (h: string): Buffer => Buffer.from(h, 'hex');

describe('decodeOid (X.690 §8.19)', () => {
  it.each([
    // content octets as printed by `openssl asn1parse -genstr OID:<oid>`
    ['550403', '2.5.4.3'],
    ['2a864886f70d010901', '1.2.840.113549.1.9.1'],
    ['0992268993f22c640119', '0.9.2342.19200300.100.1.25'],
    ['2b0601040181e51f01', '1.3.6.1.4.1.29343.1'],
    ['2a03', '1.2.3'],
    ['00', '0.0'],
    ['27', '0.39'],
    ['28', '1.0'],
    ['4f', '1.39'],
    ['50', '2.0'],
    ['8837', '2.999'],
    ['883703', '2.999.3'],
    ['2a8fffffffffffff7f', '1.2.9007199254740991'],
    ['8fffffffffffff7f', '2.9007199254740911'],
    // a UUID OID (X.667): a 128-bit arc, kept exact
    ['6983f09da7ebcfdee0c7a1a7b2c0948cc8f9d776', '2.25.329800735698586629295641978511506172918'],
  ])('decodes %s as %s', (content, oid) => {
    expect(decodeOid(hex(content))).toBe(oid);
  });

  it.each([
    ['empty content', ''],
    ['more than 64 octets', '2a'.repeat(65)],
    ['a non-minimal first arc', '8001'],
    ['a non-minimal later arc', '2a8001'],
    ['a truncated arc', '2a86'],
  ])('refuses %s', (_name, content) => {
    expect(() => decodeOid(hex(content))).toThrow(DerError);
  });

  it('names each defect', () => {
    expect(() => decodeOid(hex(''))).toThrow('malformed OID');
    expect(() => decodeOid(hex('2a8001'))).toThrow('non-minimal OID arc');
    expect(() => decodeOid(hex('2a86'))).toThrow('truncated OID');
    expect(() => decodeOid(hex('2a86f7'))).toThrow('truncated OID');
  });

  it('accepts 64 octets', () => {
    expect(decodeOid(hex('2a'.repeat(64)))).toBe(`1.2${'.42'.repeat(63)}`);
  });
});
