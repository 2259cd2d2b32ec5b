import { ClientCertificate } from '../../../lib/certificate';
import {
  decodeAuthorityInfoAccess,
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeCrlDistributionPoints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeSubjectKeyIdentifier,
  EXTENSION,
  KEY_USAGE,
} from '../../../lib/x509/extensions';
import { oid, tlv } from './der-builders';
import { chainPem } from './chain-fixtures';
import { revocationFile } from '../revocation/revocation-servers';

function extension(pem: string, id: string): Buffer {
  const value = ClientCertificate.from(pem).extensions.get(id)?.value;
  if (!value) throw new Error(`no extension ${id}`);
  return value;
}

const uri = (text: string): Buffer => tlv(0x86, Buffer.from(text, 'latin1'));

describe('basicConstraints (RFC 5280 §4.2.1.9)', () => {
  test('fixtures made by openssl: CA with pathlen 0, CA without, end entity', () => {
    expect(
      decodeBasicConstraints(extension(chainPem('ec-int'), EXTENSION.basicConstraints)),
    ).toEqual({
      ca: true,
      pathLength: 0,
    });
    expect(
      decodeBasicConstraints(extension(chainPem('ec-root'), EXTENSION.basicConstraints)),
    ).toEqual({
      ca: true,
      pathLength: undefined,
    });
    expect(
      decodeBasicConstraints(extension(chainPem('ec-leaf'), EXTENSION.basicConstraints)),
    ).toEqual({
      ca: false,
      pathLength: undefined,
    });
  });

  test('a multi-octet pathLenConstraint', () => {
    expect(decodeBasicConstraints(tlv(0x30, tlv(0x01, [0xff]), tlv(0x02, [0x01, 0x00])))).toEqual({
      ca: true,
      pathLength: 256,
    });
    expect(decodeBasicConstraints(tlv(0x30, tlv(0x02, [0x05])))).toEqual({
      ca: false,
      pathLength: 5,
    });
  });

  test.each([
    ['not a SEQUENCE', tlv(0x31)],
    ['trailing bytes', Buffer.concat([tlv(0x30), Buffer.from([0])])],
    ['BOOLEAN of two octets', tlv(0x30, tlv(0x01, [0xff, 0xff]))],
    ['two elements without a BOOLEAN', tlv(0x30, tlv(0x02, [1]), tlv(0x02, [1]))],
    ['pathLen not an INTEGER', tlv(0x30, tlv(0x01, [0xff]), tlv(0x04, [1]))],
    ['empty pathLen', tlv(0x30, tlv(0x01, [0xff]), tlv(0x02))],
    ['negative pathLen', tlv(0x30, tlv(0x01, [0xff]), tlv(0x02, [0x80]))],
    ['pathLen over four octets', tlv(0x30, tlv(0x01, [0xff]), tlv(0x02, [1, 0, 0, 0, 0]))],
    ['three elements', tlv(0x30, tlv(0x01, [0xff]), tlv(0x02, [1]), tlv(0x02, [1]))],
  ])('refuses %s', (_name, value) => {
    expect(() => decodeBasicConstraints(value)).toThrow(/malformed/);
  });
});

describe('keyUsage (RFC 5280 §4.2.1.3)', () => {
  test('openssl fixtures: keyCertSign+cRLSign on a CA, digitalSignature on a leaf', () => {
    expect(decodeKeyUsage(extension(chainPem('ec-int'), EXTENSION.keyUsage))).toBe(
      KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign,
    );
    expect(decodeKeyUsage(extension(chainPem('ec-leaf'), EXTENSION.keyUsage))).toBe(
      KEY_USAGE.digitalSignature,
    );
  });

  test('bits of the second octet (decipherOnly = bit 8) and an empty bit string', () => {
    expect(decodeKeyUsage(tlv(0x03, [0x07, 0x80, 0x80]))).toBe((1 << 0) | (1 << 8));
    expect(decodeKeyUsage(tlv(0x03, [0x00]))).toBe(0);
  });

  test.each([
    ['not a BIT STRING', tlv(0x04, [0, 0x80])],
    ['no unused-bits octet', tlv(0x03)],
    ['more than three octets', tlv(0x03, [0, 1, 2, 3])],
    ['unused bits over 7', tlv(0x03, [8, 0x80])],
  ])('refuses %s', (_name, value) => {
    expect(() => decodeKeyUsage(value)).toThrow(/malformed keyUsage/);
  });
});

describe('extKeyUsage (RFC 5280 §4.2.1.12)', () => {
  test('openssl fixtures', () => {
    expect(decodeExtKeyUsage(extension(chainPem('ec-leaf'), EXTENSION.extKeyUsage))).toEqual([
      '1.3.6.1.5.5.7.3.2',
    ]);
    expect(
      decodeExtKeyUsage(extension(revocationFile('ocsp-signer.pem'), EXTENSION.extKeyUsage)),
    ).toEqual(['1.3.6.1.5.5.7.3.9']);
  });

  test.each([
    ['an element that is not an OID', tlv(0x30, tlv(0x04, [1]))],
    ['an empty list', tlv(0x30)],
  ])('refuses %s', (_name, value) => {
    expect(() => decodeExtKeyUsage(value)).toThrow(/extKeyUsage/);
  });
});

describe('key identifiers (RFC 5280 §4.2.1.1, §4.2.1.2)', () => {
  test('the AKI of a certificate is the SKI of its issuer (openssl fixtures)', () => {
    const ski = decodeSubjectKeyIdentifier(
      extension(chainPem('ec-int'), EXTENSION.subjectKeyIdentifier),
    );
    const aki = decodeAuthorityKeyIdentifier(
      extension(chainPem('ec-leaf'), EXTENSION.authorityKeyIdentifier),
    );
    expect(ski).toHaveLength(20);
    expect(aki).toEqual(ski);
  });

  test('an AKI with only issuer and serial has no keyIdentifier', () => {
    expect(decodeAuthorityKeyIdentifier(tlv(0x30, tlv(0x82, [1])))).toBeUndefined();
    expect(decodeAuthorityKeyIdentifier(tlv(0x30))).toBeUndefined();
  });

  test('refuses a SKI that is not an OCTET STRING', () => {
    expect(() => decodeSubjectKeyIdentifier(tlv(0x30))).toThrow(/malformed subjectKeyIdentifier/);
  });
});

describe('cRLDistributionPoints (RFC 5280 §4.2.1.13)', () => {
  test('the URI of an openssl fixture', () => {
    expect(
      decodeCrlDistributionPoints(
        extension(revocationFile('rev-good.pem'), EXTENSION.crlDistributionPoints),
      ),
    ).toEqual(['http://crl.revocation.test/int.crl']);
  });

  test('keeps fullName URIs only; skips points with reasons or cRLIssuer, empty points and relative names', () => {
    const fullName = (...names: Buffer[]): Buffer => tlv(0xa0, tlv(0xa0, ...names));
    const value = tlv(
      0x30,
      tlv(0x30, fullName(uri('http://a.test/a.crl'), tlv(0x82, Buffer.from('dns.test')))),
      tlv(0x30, fullName(uri('http://b.test/b.crl')), tlv(0x81, [0x07, 0x80])),
      tlv(0x30, fullName(uri('http://c.test/c.crl')), tlv(0xa2, tlv(0xa4))),
      tlv(0x30),
      tlv(0x30, tlv(0xa0, tlv(0xa1, tlv(0x31)))),
    );
    expect(decodeCrlDistributionPoints(value)).toEqual(['http://a.test/a.crl']);
  });

  test('refuses a point that is not a SEQUENCE', () => {
    expect(() => decodeCrlDistributionPoints(tlv(0x30, tlv(0x31)))).toThrow(
      /malformed DistributionPoint/,
    );
  });
});

describe('authorityInfoAccess (RFC 5280 §4.2.2.1)', () => {
  test('the OCSP URI of an openssl fixture', () => {
    expect(
      decodeAuthorityInfoAccess(
        extension(revocationFile('rev-good.pem'), EXTENSION.authorityInfoAccess),
      ),
    ).toEqual({
      ocsp: ['http://ocsp.revocation.test/'],
      caIssuers: [],
    });
  });

  test('caIssuers, other methods and non-URI locations', () => {
    const value = tlv(
      0x30,
      tlv(0x30, oid('1.3.6.1.5.5.7.48.2'), uri('http://ca.test/ca.cer')),
      tlv(0x30, oid('1.3.6.1.5.5.7.48.5'), uri('http://repo.test/')),
      tlv(0x30, oid('1.3.6.1.5.5.7.48.1'), tlv(0x82, Buffer.from('ocsp.test'))),
    );
    expect(decodeAuthorityInfoAccess(value)).toEqual({
      ocsp: [],
      caIssuers: ['http://ca.test/ca.cer'],
    });
  });

  test.each([
    [
      'a description that is not a SEQUENCE',
      tlv(0x30, tlv(0x31, oid('1.3.6.1.5.5.7.48.1'), uri('x'))),
    ],
    ['a method that is not an OID', tlv(0x30, tlv(0x30, tlv(0x04), uri('x')))],
    ['no location', tlv(0x30, tlv(0x30, oid('1.3.6.1.5.5.7.48.1')))],
    ['an extra element', tlv(0x30, tlv(0x30, oid('1.3.6.1.5.5.7.48.1'), uri('x'), uri('y')))],
  ])('refuses %s', (_name, value) => {
    expect(() => decodeAuthorityInfoAccess(value)).toThrow(/malformed AccessDescription/);
  });
});
