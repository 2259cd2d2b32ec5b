import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ATTRIBUTE_NAMES,
  decodeName,
  decodeString,
  formatName,
  type RelativeDistinguishedName,
} from '../lib/distinguished-name';
import { certificateLayout, DerError } from '../lib/internal/der';
import { der as pkiDer } from './helpers/fixtures';
import { tlv } from './helpers/tlv';

function certificateDer(name: string): Buffer {
  const text = readFileSync(join(__dirname, 'fixtures', 'foundation', `${name}.pem`), 'utf8');
  return Buffer.from(text.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
}

/** The DER of a certificate's subject or issuer Name. */
function nameDer(certificate: Buffer, which: 'subject' | 'issuer'): Buffer {
  const field = certificateLayout(certificate)[which];
  return certificate.subarray(field.start, field.end);
}

const OID_CN = [0x06, 0x03, 0x55, 0x04, 0x03];
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const attribute = (oid: readonly number[], value: Buffer): Buffer => tlv(0x30, oid, value);
const rdn = (...attributes: Buffer[]): Buffer => tlv(0x31, ...attributes);
const name = (...rdns: Buffer[]): Buffer => tlv(0x30, ...rdns);
const format = (der: Buffer): string => formatName(decodeName(der));

describe('decodeName', () => {
  it('decodes RDNs in certificate order with type, tag, text and value DER', () => {
    // openssl asn1parse -in client-a.pem: C, O, OU, CN (PrintableString, then UTF8String)
    const rdns = decodeName(nameDer(pkiDer('client-a'), 'subject'));
    expect(rdns.map((r) => r.map((a) => [a.oid, a.tag, a.value]))).toEqual([
      [['2.5.4.6', 0x13, 'US']],
      [['2.5.4.10', 0x0c, 'express-mtls tests']],
      [['2.5.4.11', 0x0c, 'Payments']],
      [['2.5.4.3', 0x0c, 'client-a']],
    ]);
    expect(rdns[0]?.[0]?.der.toString('hex')).toBe('13025553');
  });

  it('keeps the members of a multi-valued RDN in their DER (sorted SET OF) order', () => {
    const rdns = decodeName(nameDer(certificateDer('multivalued'), 'subject'));
    expect(rdns.map((r) => r.map((a) => `${a.oid}=${String(a.value)}`))).toEqual([
      ['0.9.2342.19200300.100.1.25=test'],
      ['0.9.2342.19200300.100.1.25=example'],
      ['2.5.4.11=Eng', '2.5.4.11=Ops', '2.5.4.10=Example'],
      ['2.5.4.3=alice', '0.9.2342.19200300.100.1.1=a1'],
    ]);
    expect(rdns[0]?.[0]?.tag).toBe(0x16);
  });

  it('decodes the string types: BMPString, UniversalString, TeletexString (as Latin-1)', () => {
    const values = decodeName(nameDer(certificateDer('escapes'), 'issuer')).map((r) => r[0]);
    expect(values.map((a) => [a?.tag, a?.value])).toEqual([
      [0x13, 'DE'],
      [0x1e, 'Zoë € Ltd'],
      [0x1c, '𝄞 clef'],
      [0x14, 'München'],
      [0x03, undefined],
      [0x0c, 'custom'],
      [0x0c, 'Ünïcødé ✓'],
    ]);
    // openssl asn1parse: the BIT STRING value at offset 136 is 03 02 00 05
    expect(values[4]?.der.toString('hex')).toBe('03020005');
  });

  it('returns no RDNs for an empty Name', () => {
    expect(decodeName(name())).toEqual([]);
  });

  it('reads a Name held in a view of a larger buffer', () => {
    const der = name(rdn(attribute(OID_CN, utf8('x'))));
    const padded = Buffer.concat([Buffer.from([0xff, 0xff]), der, Buffer.from([0xff])]);
    const view = new Uint8Array(padded.buffer, padded.byteOffset + 2, der.length);
    expect(formatName(decodeName(view))).toBe('CN=x');
  });

  it('returns value DER that is a copy', () => {
    const der = name(rdn(attribute(OID_CN, utf8('x'))));
    const [[first] = []] = decodeName(der);
    der.fill(0);
    expect(first?.der.toString('hex')).toBe('0c0178');
  });

  it.each([
    ['a SET instead of a SEQUENCE', () => tlv(0x31), 'malformed Name'],
    ['trailing bytes', () => Buffer.concat([name(), Buffer.from([0])]), 'malformed Name'],
    ['an RDN that is a SEQUENCE', () => name(tlv(0x30)), 'malformed RDN'],
    ['an empty RDN', () => name(rdn()), 'empty RDN'],
    [
      'an attribute that is a SET',
      () => name(rdn(tlv(0x31, OID_CN, utf8('x')))),
      'malformed attribute',
    ],
    ['an attribute without a value', () => name(rdn(tlv(0x30, OID_CN))), 'malformed attribute'],
    [
      'an attribute with two values',
      () => name(rdn(tlv(0x30, OID_CN, utf8('x'), utf8('y')))),
      'malformed attribute',
    ],
    [
      'an attribute type that is not an OID',
      () => name(rdn(tlv(0x30, utf8('CN'), utf8('x')))),
      'malformed attribute',
    ],
    ['an empty attribute', () => name(rdn(tlv(0x30))), 'malformed attribute'],
    ['a malformed OID', () => name(rdn(tlv(0x30, [0x06, 0x01, 0x81], utf8('x')))), 'truncated OID'],
    [
      'a truncated element',
      () => Buffer.from([0x30, 0x05, 0x31, 0x03]),
      'element overruns its container',
    ],
  ])('refuses %s', (_name, make, message) => {
    expect(() => decodeName(make())).toThrow(new DerError(message));
  });
});

describe('decodeString', () => {
  const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

  it.each([
    ['UTF8String', 0x0c, 'c3bc', 'ü'],
    ['PrintableString', 0x13, '4142', 'AB'],
    ['IA5String', 0x16, '612e62', 'a.b'],
    ['VisibleString', 0x1a, '7e', '~'],
    ['NumericString', 0x12, '3120', '1 '],
    ['PrintableString with "*" (a wildcard name, as CAs write it)', 0x13, '2a2e6578', '*.ex'],
    ['PrintableString with "@" (an e-mail in a CN, as CAs write it)', 0x13, '6140', 'a@'],
    [
      'PrintableString, its whole character set',
      0x13,
      Buffer.from("Az09 '()+,-./:=?").toString('hex'),
      "Az09 '()+,-./:=?",
    ],
    ['IA5String with a control (IA5 holds them; matching refuses it later)', 0x16, '6100', 'a\0'],
    ['TeletexString as Latin-1', 0x14, 'fc', 'ü'],
    ['BMPString', 0x1e, '00fc20ac', 'ü€'],
    ['BMPString with a surrogate pair', 0x1e, 'd834dd1e', '𝄞'],
    ['UniversalString', 0x1c, '000000fc0001d11e', 'ü𝄞'],
    ['an empty UTF8String', 0x0c, '', ''],
  ])('decodes %s', (_name, tag, hex, text) => {
    expect(decodeString(tag, bytes(hex))).toBe(text);
  });

  it('keeps a byte-order mark in a UTF8String (it is content)', () => {
    expect(decodeString(0x0c, bytes('efbbbf41'))).toBe('\ufeffA');
  });

  it.each([
    ['an INTEGER', 0x02, '05'],
    ['an OCTET STRING', 0x04, '41'],
    ['a BIT STRING', 0x03, '0005'],
    ['a NumericString with a letter', 0x12, '3141'],
    ['a PrintableString with a NUL', 0x13, '6164006d696e'],
    ['a PrintableString with a Latin-1 byte', 0x13, '61e9'],
    ['an IA5String with a byte above 0x7F', 0x16, '61646d81696e'],
    ['a VisibleString with a control', 0x1a, '610a'],
    ['ill-formed UTF-8 (a lone continuation byte)', 0x0c, '41ff'],
    ['an overlong UTF-8 encoding of "/"', 0x0c, 'c0af'],
    ['UTF-8-encoded surrogates', 0x0c, 'eda080'],
    ['a BMPString of odd length', 0x1e, '004100'],
    ['a BMPString with a lone high surrogate', 0x1e, '0041d834'],
    ['a BMPString with a lone low surrogate', 0x1e, 'dd1e0041'],
    ['a UniversalString of 5 octets', 0x1c, '0000004100'],
    ['a UniversalString above U+10FFFF', 0x1c, '00110000'],
    ['a UniversalString surrogate', 0x1c, '0000d800'],
  ])('returns undefined for %s', (_name, tag, hex) => {
    expect(decodeString(tag, bytes(hex))).toBeUndefined();
  });
});

describe('formatName (RFC 4514)', () => {
  it('writes the last RDN first (§2.1), as openssl -nameopt RFC2253 does', () => {
    // openssl x509 -in client-a.pem -noout -subject -nameopt RFC2253
    expect(format(nameDer(pkiDer('client-a'), 'subject'))).toBe(
      'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
    );
    expect(format(nameDer(pkiDer('client-a'), 'issuer'))).toBe(
      'CN=Test Intermediate CA,O=express-mtls tests,C=US',
    );
  });

  it('escapes as §2.4 requires, exactly as openssl does', () => {
    // openssl x509 -in escapes.pem -noout -subject -nameopt RFC2253 (expected.txt)
    expect(format(nameDer(certificateDer('escapes'), 'subject'))).toBe(
      'CN=\\#lead \\"q\\"\\+\\,\\;\\<\\>\\\\ end\\ ,L=\\# hash,OU=\\ leading space=ok,O=nul\\00byte\\01,C=US',
    );
  });

  it('writes string types as UTF-8, unknown types and non-string values as #hex (§2.4)', () => {
    // openssl x509 -in escapes.pem -noout -issuer -nameopt RFC2253,-esc_msb (expected.txt);
    // openssl's default RFC2253 output escapes every non-ASCII octet instead, which RFC 4514
    // allows but does not require.
    expect(format(nameDer(certificateDer('escapes'), 'issuer'))).toBe(
      'CN=Ünïcødé ✓,1.2.3.4.5=#0C06637573746F6D,ST=#03020005,L=München,OU=𝄞 clef,O=Zoë € Ltd,C=DE',
    );
  });

  it('writes multi-valued RDNs with "+", members in DER order', () => {
    // openssl prints the members of each multi-valued RDN in reverse DER order:
    //   UID=a1+CN=alice,O=Example+OU=Ops+OU=Eng,DC=example,DC=test
    // RFC 4514 §2.2 leaves the order of members open, so both strings name the same DN. We
    // compare with openssl's output after reversing the members of each RDN (no value here
    // contains an escaped "," or "+").
    const openssl = 'UID=a1+CN=alice,O=Example+OU=Ops+OU=Eng,DC=example,DC=test';
    const reordered = openssl
      .split(',')
      .map((r) => r.split('+').reverse().join('+'))
      .join(',');
    expect(format(nameDer(certificateDer('multivalued'), 'subject'))).toBe(reordered);
    expect(reordered).toBe('CN=alice+UID=a1,OU=Eng+OU=Ops+O=Example,DC=example,DC=test');
  });

  it('writes an empty DN as the empty string', () => {
    expect(formatName([])).toBe('');
  });

  it.each([
    ['a single space', ' ', '\\ '],
    ['a single "#"', '#', '\\#'],
    ['"#" inside', 'a#b', 'a#b'],
    ['spaces inside', 'a  b', 'a  b'],
    ['leading and trailing spaces', '  a  ', '\\  a \\ '],
    ['"=" (not special in a value)', 'a=b', 'a=b'],
    ['DEL', 'a\x7fb', 'a\\7Fb'],
    ['a newline', 'a\nb', 'a\\0Ab'],
    ['NUL alone', '\0', '\\00'],
    ['every special character', '"+,;<>\\', '\\"\\+\\,\\;\\<\\>\\\\'],
    ['a non-BMP character at the end', 'a𝄞', 'a𝄞'],
    ['an empty value', '', ''],
  ])('escapes %s', (_name, value, escaped) => {
    expect(format(name(rdn(attribute(OID_CN, utf8(value)))))).toBe(`CN=${escaped}`);
  });

  it('writes a known type with an ill-formed string value as #hex', () => {
    const der = name(rdn(attribute(OID_CN, tlv(0x0c, [0x41, 0xff]))));
    expect(format(der)).toBe('CN=#0C0241FF');
  });

  it('writes every listed short name', () => {
    const rdns: RelativeDistinguishedName[] = Object.keys(ATTRIBUTE_NAMES).map((oid) => [
      { oid, tag: 0x0c, value: 'v', der: utf8('v') },
    ]);
    expect(formatName(rdns)).toBe(
      'emailAddress=v,organizationIdentifier=v,dnQualifier=v,postalCode=v,title=v,GN=v,SN=v,serialNumber=v,UID=v,DC=v,STREET=v,C=v,OU=v,O=v,ST=v,L=v,CN=v',
    );
  });
});
