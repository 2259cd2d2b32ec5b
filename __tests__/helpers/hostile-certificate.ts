import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { key, pem } from './fixtures';
import { tlv } from './tlv';

const SHA256_WITH_RSA = tlv(
  0x30,
  tlv(0x06, [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
  [0x05, 0x00],
);
const CN = tlv(0x06, [0x55, 0x04, 0x03]);
const CLIENT_AUTH_EKU = tlv(
  0x30,
  tlv(0x06, [0x55, 0x1d, 0x25]),
  tlv(0x04, tlv(0x30, tlv(0x06, [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02]))),
);

/** A Name of one RDN: CN as a UTF8String holding `commonName` (any length, any characters). */
function name(commonName: string): Buffer {
  return tlv(0x30, tlv(0x31, tlv(0x30, CN, tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

/**
 * A certificate over the key of `../fixtures/pki/self-signed.pem`, signed with that key, whose
 * subject is `CN=<commonName>` and issuer `CN=<issuerCommonName>` (UTF8String, without the
 * 64-character upper bound openssl enforces), valid 2020–2099, with EKU clientAuth. Self-signed
 * when both names are the same (the default). Built by hand, signed with node:crypto.
 */
export function selfSignedWithCommonName(
  commonName: string,
  issuerCommonName = commonName,
): string {
  const spki = new X509Certificate(pem('self-signed')).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  const tbs = tlv(
    0x30,
    tlv(0xa0, tlv(0x02, [0x02])),
    tlv(0x02, [0x01, 0x23, 0x45]),
    SHA256_WITH_RSA,
    name(issuerCommonName),
    tlv(0x30, tlv(0x17, Buffer.from('200101000000Z')), tlv(0x18, Buffer.from('20991231235959Z'))),
    name(commonName),
    spki,
    tlv(0xa3, tlv(0x30, CLIENT_AUTH_EKU)),
  );
  const signature = sign('sha256', tbs, createPrivateKey(key('self-signed')));
  const der = tlv(0x30, tbs, SHA256_WITH_RSA, tlv(0x03, [0x00], signature));
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/**
 * The SubjectPublicKeyInfo of an RSA "key" nobody holds the private half of: a random odd
 * modulus of `modulusBits` bits (top bit set) and a public exponent of `exponentBits` one-bits.
 * OpenSSL accepts it and verifies with it (at a cost growing with both sizes).
 */
export function rsaPublicKeyInfo(modulusBits: number, exponentBits: number): Buffer {
  const modulus = randomBytes(modulusBits / 8);
  modulus[0] = (modulus[0] as number) | 0x80;
  modulus[modulus.length - 1] = (modulus[modulus.length - 1] as number) | 1;
  const exponent = Buffer.alloc(Math.ceil(exponentBits / 8), 0xff);
  exponent[0] = 0xff >> (exponent.length * 8 - exponentBits);
  return tlv(
    0x30,
    tlv(0x30, tlv(0x06, [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]), [0x05, 0x00]),
    tlv(0x03, [0x00], tlv(0x30, tlv(0x02, [0x00], modulus), tlv(0x02, [0x00], exponent))),
  );
}

/**
 * A self-named certificate (subject = issuer = `CN=<commonName>`, EKU clientAuth, valid
 * 2020–2099) over the public key `spki`, declaring sha256WithRSAEncryption, with a junk
 * signature of `signatureBytes` random bytes: it verifies with no key, and checking it with its
 * own key costs whatever that key costs. Built by hand.
 */
export function selfNamedWithJunkSignature(
  commonName: string,
  spki: Buffer,
  signatureBytes: number,
): string {
  const tbs = tlv(
    0x30,
    tlv(0xa0, tlv(0x02, [0x02])),
    tlv(0x02, [0x01, 0x23, 0x46]),
    SHA256_WITH_RSA,
    name(commonName),
    tlv(0x30, tlv(0x17, Buffer.from('200101000000Z')), tlv(0x18, Buffer.from('20991231235959Z'))),
    name(commonName),
    spki,
    tlv(0xa3, tlv(0x30, CLIENT_AUTH_EKU)),
  );
  const signature = randomBytes(signatureBytes);
  signature[0] = 0;
  const der = tlv(0x30, tbs, SHA256_WITH_RSA, tlv(0x03, [0x00], signature));
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
