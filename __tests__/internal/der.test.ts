import {
  certificateLayout,
  decodeTime,
  decodeValidity,
  DerError,
  readChildren,
  readTlv,
  splitConcatenated,
  type Tlv,
} from '../../lib/internal/der';
import { der } from '../helpers/fixtures';
import { tlv } from '../helpers/tlv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SEQ = 0x30;
const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

function foundationDer(name: string): Buffer {
  const text = readFileSync(join(__dirname, '..', 'fixtures', 'foundation', `${name}.pem`), 'utf8');
  return Buffer.from(text.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
}

describe('readTlv', () => {
  it('reads a short-form length', () => {
    expect(readTlv(Buffer.from([0x04, 0x02, 0xaa, 0xbb]), 0, 4)).toEqual({
      tag: 0x04,
      start: 0,
      valueStart: 2,
      end: 4,
    });
  });

  it('reads a zero length', () => {
    expect(readTlv(Buffer.from([0x05, 0x00]), 0, 2)).toEqual({
      tag: 0x05,
      start: 0,
      valueStart: 2,
      end: 2,
    });
  });

  it('reads long-form lengths (one, two and four octets)', () => {
    const one = Buffer.concat([Buffer.from([0x04, 0x81, 0x80]), Buffer.alloc(0x80)]);
    expect(readTlv(one, 0, one.length)).toEqual({ tag: 4, start: 0, valueStart: 3, end: 131 });
    const two = Buffer.concat([Buffer.from([0x04, 0x82, 0x01, 0x00]), Buffer.alloc(0x100)]);
    expect(readTlv(two, 0, two.length)).toEqual({ tag: 4, start: 0, valueStart: 4, end: 260 });
    const four = Buffer.from([0x04, 0x84, 0x01, 0x00, 0x00, 0x00]);
    expect(() => readTlv(four, 0, four.length)).toThrow('element overruns its container');
  });

  it('reads at an offset within a limit', () => {
    const buf = Buffer.from([0xff, 0x02, 0x01, 0x07, 0xff]);
    expect(readTlv(buf, 1, 4)).toEqual({ tag: 2, start: 1, valueStart: 3, end: 4 });
  });

  it.each([
    ['an empty input', [], 'truncated element'],
    ['a lone tag byte', [0x30], 'truncated element'],
    ['a high tag number', [0x1f, 0x01, 0x00], 'high tag numbers are not expected here'],
    [
      'a context high tag number',
      [0xbf, 0x81, 0x00, 0x00],
      'high tag numbers are not expected here',
    ],
    [
      'the indefinite length 0x80 (BER only)',
      [0x30, 0x80, 0x00, 0x00],
      'indefinite length is not DER',
    ],
    ['a length of five octets', [0x04, 0x85, 1, 0, 0, 0, 0], 'length field too long'],
    ['a truncated length', [0x04, 0x82, 0x01], 'truncated length'],
    ['a long form for a short length', [0x04, 0x81, 0x7f], 'non-minimal length'],
    ['a leading zero length octet', [0x04, 0x82, 0x00, 0x80], 'non-minimal length'],
    ['a value past the end', [0x04, 0x03, 0x00, 0x00], 'element overruns its container'],
  ])('refuses %s', (_name, bytes, message) => {
    const buf = Buffer.from(bytes);
    expect(() => readTlv(buf, 0, buf.length)).toThrow(new DerError(message));
  });

  it('refuses an element that overruns the limit although the buffer is longer', () => {
    const buf = Buffer.from([0x04, 0x02, 0xaa, 0xbb]);
    expect(() => readTlv(buf, 0, 3)).toThrow('element overruns its container');
  });

  it('raises DerError, an Error named DerError', () => {
    const error = (() => {
      try {
        readTlv(Buffer.alloc(0), 0, 0);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DerError);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('DerError');
  });
});

describe('readChildren', () => {
  it('lists the children of a constructed element', () => {
    const buf = tlv(SEQ, tlv(0x02, [1]), tlv(0x04, []), tlv(0x05, []));
    const parent = readTlv(buf, 0, buf.length);
    expect(readChildren(buf, parent).map((c) => [c.tag, c.start, c.end])).toEqual([
      [0x02, 2, 5],
      [0x04, 5, 7],
      [0x05, 7, 9],
    ]);
  });

  it('returns no children for an empty element', () => {
    const buf = tlv(SEQ);
    expect(readChildren(buf, readTlv(buf, 0, buf.length))).toEqual([]);
  });

  it('refuses a child that overruns its parent', () => {
    const buf = Buffer.from([0x30, 0x03, 0x04, 0x02, 0x00, 0x00]);
    expect(() => readChildren(buf, readTlv(buf, 0, 5))).toThrow('element overruns its container');
  });

  it('refuses garbage after the last child', () => {
    const buf = Buffer.from([0x30, 0x03, 0x05, 0x00, 0x04]);
    expect(() => readChildren(buf, readTlv(buf, 0, buf.length))).toThrow('truncated element');
  });
});

describe('certificateLayout', () => {
  it('locates every field of client-a at the offsets openssl asn1parse reports', () => {
    const layout = certificateLayout(der('client-a'));
    const at = (t: Tlv | undefined): number[] => (t ? [t.start, t.valueStart, t.end] : []);
    // openssl asn1parse -in client-a.pem -i (offset, offset + hl, offset + hl + l)
    expect(at(layout.tbs)).toEqual([4, 8, 563]);
    expect(at(layout.serial)).toEqual([13, 15, 35]);
    expect(at(layout.innerSignatureAlgorithm)).toEqual([35, 37, 47]);
    expect(at(layout.issuer)).toEqual([47, 49, 122]);
    expect(at(layout.validity)).toEqual([122, 124, 156]);
    expect(at(layout.subject)).toEqual([156, 158, 238]);
    expect(at(layout.subjectPublicKeyInfo)).toEqual([238, 240, 329]);
    expect(at(layout.extensions)).toEqual([332, 335, 563]);
    expect(at(layout.signatureAlgorithm)).toEqual([563, 565, 575]);
    expect(at(layout.signature)).toEqual([575, 577, 649]);
  });

  it('reads a version 1 certificate (no version field, no extensions)', () => {
    const layout = certificateLayout(foundationDer('v1'));
    expect(layout.serial.start).toBe(7);
    expect(layout.subjectPublicKeyInfo.start).toBe(104);
    expect(layout.extensions).toBeUndefined();
  });

  it('skips issuerUniqueID and subjectUniqueID', () => {
    const layout = certificateLayout(foundationDer('unique-ids'));
    expect(layout.subjectPublicKeyInfo.start).toBe(108);
    expect(layout.extensions?.start).toBe(212);
  });

  const alg = tlv(SEQ, tlv(0x06, [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
  const name = tlv(SEQ, tlv(0x31, tlv(SEQ, tlv(0x06, [0x55, 0x04, 0x03]), tlv(0x0c, ascii('x')))));
  const validity = tlv(SEQ, tlv(0x17, ascii('250101000000Z')), tlv(0x17, ascii('350101000000Z')));
  const spki = tlv(SEQ, alg, tlv(0x03, [0x00, 0x04]));
  const sig = tlv(0x03, [0x00]);
  const version = tlv(0xa0, tlv(0x02, [2]));
  const serial = tlv(0x02, [1]);
  const certificate = (tbsFields: Buffer[], ...after: Buffer[]): Buffer =>
    tlv(SEQ, tlv(SEQ, ...tbsFields), ...after);
  const ok = [version, serial, alg, name, validity, name, spki];

  it('accepts a minimal hand-made certificate', () => {
    expect(() => certificateLayout(certificate(ok, alg, sig))).not.toThrow();
  });

  it('accepts a constructed unique identifier and an empty extension list', () => {
    const uid = tlv(0xa1, tlv(0x03, [0]));
    const extensions = tlv(0xa3, tlv(SEQ));
    const layout = certificateLayout(certificate([...ok, uid, extensions], alg, sig));
    expect(layout.extensions?.tag).toBe(SEQ);
    expect(layout.extensions?.valueStart).toBe(layout.extensions?.end);
  });

  it.each([
    ['an INTEGER instead of a SEQUENCE', () => tlv(0x02, [1]), 'not a SEQUENCE'],
    [
      'trailing bytes after the certificate',
      () => Buffer.concat([der('client-a'), Buffer.from([0])]),
      'trailing bytes after the certificate',
    ],
    [
      'a fourth element after the signature',
      () => certificate(ok, alg, sig, tlv(0x05)),
      'unexpected element after the signature',
    ],
    ['a missing TBSCertificate', () => tlv(SEQ), 'expected TBSCertificate'],
    [
      'a TBSCertificate that is a SET',
      () => tlv(SEQ, tlv(0x31), alg, sig),
      'expected TBSCertificate',
    ],
    ['a missing signatureAlgorithm', () => certificate(ok), 'expected signatureAlgorithm'],
    ['a missing signature', () => certificate(ok, alg), 'expected signatureValue'],
    [
      'a signature that is an OCTET STRING',
      () => certificate(ok, alg, tlv(0x04)),
      'expected signatureValue',
    ],
    ['no serial', () => certificate([version], alg, sig), 'expected serialNumber'],
    [
      'an empty serial',
      () => certificate([version, tlv(0x02), ...ok.slice(2)], alg, sig),
      'empty serialNumber',
    ],
    ['no inner signature algorithm', () => certificate([serial], alg, sig), 'expected signature'],
    ['no issuer', () => certificate([serial, alg], alg, sig), 'expected issuer'],
    ['no validity', () => certificate([serial, alg, name], alg, sig), 'expected validity'],
    ['no subject', () => certificate([serial, alg, name, validity], alg, sig), 'expected subject'],
    [
      'no subjectPublicKeyInfo',
      () => certificate([serial, alg, name, validity, name], alg, sig),
      'expected subjectPublicKeyInfo',
    ],
    [
      'two elements in the extensions wrapper',
      () => certificate([...ok, tlv(0xa3, tlv(SEQ), tlv(SEQ))], alg, sig),
      'unexpected element in extensions',
    ],
    [
      'extensions that are not a SEQUENCE',
      () => certificate([...ok, tlv(0xa3, tlv(0x31))], alg, sig),
      'expected Extensions',
    ],
    [
      'an element after the extensions',
      () => certificate([...ok, tlv(0xa3, tlv(SEQ)), tlv(0x05)], alg, sig),
      'unexpected element in TBSCertificate',
    ],
    [
      'unique identifiers in the wrong order',
      () => certificate([...ok, tlv(0x82, [0]), tlv(0x81, [0])], alg, sig),
      'unexpected element in TBSCertificate',
    ],
    [
      'a truncated certificate',
      () => der('client-a').subarray(0, 600),
      'element overruns its container',
    ],
  ])('refuses %s', (_name, make, message) => {
    expect(() => certificateLayout(make())).toThrow(new DerError(message));
  });
});

describe('splitConcatenated', () => {
  it('splits concatenated certificates (HAProxy ssl_c_chain_der)', () => {
    const a = der('intermediate-ca');
    const b = der('root-ca');
    const parts = splitConcatenated(Buffer.concat([a, b]), 10);
    expect(parts).toHaveLength(2);
    expect(parts[0]?.equals(a)).toBe(true);
    expect(parts[1]?.equals(b)).toBe(true);
  });

  it('returns copies, not views of the input', () => {
    const input = Buffer.concat([der('root-ca')]);
    const [part] = splitConcatenated(input, 1);
    input.fill(0);
    expect(part?.[0]).toBe(0x30);
  });

  it('returns nothing for empty input', () => {
    expect(splitConcatenated(Buffer.alloc(0), 1)).toEqual([]);
  });

  it('refuses more elements than maxCount', () => {
    const three = Buffer.concat([tlv(0x05), tlv(0x05), tlv(0x05)]);
    expect(splitConcatenated(three, 3)).toHaveLength(3);
    expect(() => splitConcatenated(three, 2)).toThrow(new DerError('too many elements'));
  });

  it('refuses a truncated last element', () => {
    const input = Buffer.concat([der('root-ca'), der('client-a').subarray(0, 10)]);
    expect(() => splitConcatenated(input, 5)).toThrow('element overruns its container');
  });
});

describe('decodeTime (RFC 5280 §4.1.2.5)', () => {
  const time = (tag: number, text: string): Date => {
    const buf = tlv(tag, ascii(text));
    return decodeTime(buf, readTlv(buf, 0, buf.length));
  };
  const utc = (text: string): Date => time(0x17, text);
  const generalized = (text: string): Date => time(0x18, text);

  it.each([
    ['491231235959Z', '2049-12-31T23:59:59.000Z'],
    ['500101000000Z', '1950-01-01T00:00:00.000Z'],
    ['000101000000Z', '2000-01-01T00:00:00.000Z'],
    ['991231235959Z', '1999-12-31T23:59:59.000Z'],
    ['240229120000Z', '2024-02-29T12:00:00.000Z'],
  ])('reads UTCTime %s as %s (YY < 50 is 20YY, else 19YY)', (text, iso) => {
    expect(utc(text).toISOString()).toBe(iso);
  });

  it.each([
    ['20500101000000Z', '2050-01-01T00:00:00.000Z'],
    ['20000229000000Z', '2000-02-29T00:00:00.000Z'],
    ['99991231235959Z', '9999-12-31T23:59:59.000Z'],
    ['19491231235959Z', '1949-12-31T23:59:59.000Z'],
  ])('reads GeneralizedTime %s as %s', (text, iso) => {
    expect(generalized(text).toISOString()).toBe(iso);
  });

  it('reads GeneralizedTime years below 100 as such, not as 19YY', () => {
    expect(generalized('00500101000000Z').toISOString()).toBe('0050-01-01T00:00:00.000Z');
    expect(generalized('00000101000000Z').getUTCFullYear()).toBe(0);
  });

  it.each([
    ['February 29 of a common year', '230229000000Z'],
    ['February 29 of 2100 (not a leap year)', '21000229000000Z'],
    ['month 00', '240001000000Z'],
    ['month 13', '241301000000Z'],
    ['day 00', '240100000000Z'],
    ['April 31', '240431000000Z'],
    ['hour 24', '240101240000Z'],
    ['minute 60', '240101006000Z'],
    ['second 60 (no leap seconds)', '240101000060Z'],
  ])('refuses %s', (_name, text) => {
    const decode = text.length === 13 ? utc : generalized;
    expect(() => decode(text)).toThrow(new DerError('time out of range'));
  });

  it.each([
    ['UTCTime without seconds', 0x17, '2401010000Z'],
    ['UTCTime with an offset', 0x17, '240101000000+0100'],
    ['GeneralizedTime with fractional seconds', 0x18, '20240101000000.5Z'],
    ['GeneralizedTime in the UTCTime length', 0x18, '240101000000Z'],
    ['UTCTime in the GeneralizedTime length', 0x17, '20240101000000Z'],
    ['an OCTET STRING', 0x04, '240101000000Z'],
  ])('refuses %s as unsupported', (_name, tag, text) => {
    expect(() => time(tag, text)).toThrow(new DerError('unsupported time encoding'));
  });

  it.each([
    ['a missing Z', 0x17, '2401010000001'],
    ['a letter in the date', 0x17, '24O101000000Z'],
    ['a sign in the year', 0x17, '-40101000000Z'],
    ['a letter in the GeneralizedTime year', 0x18, '2O240101000000Z'],
    ['spaces', 0x17, ' 40101000000Z'],
    ['a plus sign in the seconds', 0x18, '202401010000+0Z'],
  ])('refuses %s as malformed', (_name, tag, text) => {
    expect(() => time(tag, text)).toThrow(new DerError('malformed time'));
  });
});

describe('decodeValidity', () => {
  const validity = (...times: Buffer[]): Date[] => {
    const buf = tlv(SEQ, ...times);
    const { notBefore, notAfter } = decodeValidity(buf, readTlv(buf, 0, buf.length));
    return [notBefore, notAfter];
  };

  it('reads notBefore and notAfter, mixing UTCTime and GeneralizedTime', () => {
    expect(
      validity(tlv(0x17, ascii('491231235959Z')), tlv(0x18, ascii('20500101000000Z'))).map((d) =>
        d.toISOString(),
      ),
    ).toEqual(['2049-12-31T23:59:59.000Z', '2050-01-01T00:00:00.000Z']);
  });

  it.each([
    ['no times', []],
    ['one time', [tlv(0x17, ascii('491231235959Z'))]],
    [
      'three times',
      [
        tlv(0x17, ascii('491231235959Z')),
        tlv(0x17, ascii('491231235959Z')),
        tlv(0x17, ascii('491231235959Z')),
      ],
    ],
  ])('refuses %s', (_name, times) => {
    expect(() => validity(...times)).toThrow(new DerError('malformed validity'));
  });
});
