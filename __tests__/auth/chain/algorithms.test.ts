import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { ClientCertificate } from '../../../lib/certificate';
import { readTlv } from '../../../lib/internal/der';
import {
  isVerifiableKey,
  keyStrength,
  signatureAlgorithm,
  verifySignature,
  type SignatureAlgorithm,
} from '../../../lib/x509/algorithms';
import { algorithm, NULL, oid, tlv } from './der-builders';
import { chainPem } from './chain-fixtures';

function classify(der: Buffer): SignatureAlgorithm {
  return signatureAlgorithm(der, readTlv(der, 0, der.length));
}

function spki(name: string): Buffer {
  return ClientCertificate.from(chainPem(name)).subjectPublicKeyInfo;
}

function generated(
  type: 'rsa-pss' | 'ed25519' | 'ed448' | 'x25519' | 'dsa' | 'ec',
  options: object = {},
): Buffer {
  const { publicKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
  return publicKey.export({ type: 'spki', format: 'der' });
}

const PSS_SHA256 = algorithm(
  '1.2.840.113549.1.1.10',
  tlv(0x30, tlv(0xa0, algorithm('2.16.840.1.101.3.4.2.1', NULL))),
);

describe('signature algorithm policy', () => {
  test.each([
    ['1.2.840.113549.1.1.11', 'sha256WithRSAEncryption', 'sha256'],
    ['1.2.840.113549.1.1.12', 'sha384WithRSAEncryption', 'sha384'],
    ['1.2.840.113549.1.1.13', 'sha512WithRSAEncryption', 'sha512'],
    ['1.2.840.113549.1.1.14', 'sha224WithRSAEncryption', 'sha224'],
    ['1.2.840.10045.4.3.2', 'ecdsa-with-SHA256', 'sha256'],
    ['1.2.840.10045.4.3.3', 'ecdsa-with-SHA384', 'sha384'],
    ['1.2.840.10045.4.3.4', 'ecdsa-with-SHA512', 'sha512'],
    ['1.2.840.10045.4.3.1', 'ecdsa-with-SHA224', 'sha224'],
    ['1.3.101.112', 'Ed25519', null],
    ['1.3.101.113', 'Ed448', null],
  ])('%s (%s) is accepted', (id, name, hash) => {
    expect(classify(algorithm(id))).toEqual({ status: 'ok', name, hash, pss: false });
  });

  test.each([
    ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
    ['1.2.840.113549.1.1.3', 'md4WithRSAEncryption'],
    ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
    ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption'],
    ['1.3.14.3.2.29', 'sha1WithRSA (OIW)'],
    ['1.2.840.10045.4.1', 'ecdsa-with-SHA1'],
    ['1.2.840.10040.4.3', 'dsa-with-SHA1'],
    ['2.16.840.1.101.3.4.3.2', 'dsa-with-SHA256'],
    ['1.2.3.4', 'unsupported algorithm 1.2.3.4'],
  ])('%s (%s) is weak', (id, name) => {
    expect(classify(algorithm(id, NULL))).toEqual({ status: 'weak', name });
  });

  test('RSASSA-PSS (RFC 4055 §3.1): SHA-2 parameters are accepted, the SHA-1 default is not', () => {
    expect(classify(PSS_SHA256)).toEqual({
      status: 'ok',
      name: 'RSASSA-PSS with sha256',
      hash: 'sha256',
      pss: true,
    });
    for (const weak of [
      algorithm('1.2.840.113549.1.1.10'),
      algorithm('1.2.840.113549.1.1.10', tlv(0x30)),
      algorithm('1.2.840.113549.1.1.10', tlv(0x30, tlv(0xa1, algorithm('1.2.840.113549.1.1.8')))),
      algorithm('1.2.840.113549.1.1.10', tlv(0x30, tlv(0xa0, tlv(0x04)))),
      algorithm('1.2.840.113549.1.1.10', tlv(0x30, tlv(0xa0, algorithm('1.3.14.3.2.26', NULL)))),
    ]) {
      expect(classify(weak)).toEqual({
        status: 'weak',
        name: 'RSASSA-PSS with SHA-1 or unknown parameters',
      });
    }
  });

  test('an AlgorithmIdentifier without an OID is malformed', () => {
    expect(() => classify(tlv(0x30, NULL))).toThrow(/expected an OID/);
  });
});

describe('key strength policy', () => {
  test('openssl fixtures: RSA 2048 and 1024, EC P-256, P-384 and P-192', () => {
    expect(keyStrength(spki('rsa-leaf'), 2048)).toEqual({
      ok: true,
      description: 'RSA 2048',
      verifiable: true,
    });
    expect(keyStrength(spki('leaf-rsa1024'), 2048)).toEqual({
      ok: false,
      description: 'RSA 1024',
      verifiable: true,
    });
    expect(keyStrength(spki('leaf-rsa1024'), 1024)).toEqual({
      ok: true,
      description: 'RSA 1024',
      verifiable: true,
    });
    expect(keyStrength(spki('ec-leaf'), 2048)).toEqual({
      ok: true,
      description: 'EC P-256',
      verifiable: true,
    });
    expect(keyStrength(spki('ec-root'), 2048)).toEqual({
      ok: true,
      description: 'EC P-384',
      verifiable: true,
    });
    expect(keyStrength(spki('leaf-p192'), 2048)).toEqual({
      ok: false,
      description: 'EC P-192',
      verifiable: false,
    });
  });

  test('generated keys: RSA-PSS, P-521, secp256k1, Ed25519, Ed448, DSA, X25519', () => {
    expect(keyStrength(generated('rsa-pss', { modulusLength: 2048 }), 2048)).toEqual({
      ok: true,
      description: 'RSA 2048',
      verifiable: true,
    });
    expect(keyStrength(generated('ec', { namedCurve: 'P-521' }), 2048)).toEqual({
      ok: true,
      description: 'EC P-521',
      verifiable: true,
    });
    expect(keyStrength(generated('ec', { namedCurve: 'secp256k1' }), 2048)).toEqual({
      ok: false,
      description: 'EC secp256k1',
      verifiable: false,
    });
    expect(keyStrength(generated('ec', { namedCurve: 'P-224' }), 2048)).toEqual({
      ok: false,
      description: 'EC P-224',
      verifiable: false,
    });
    expect(keyStrength(generated('ec', { namedCurve: 'brainpoolP256r1' }), 2048)).toEqual({
      ok: false,
      description: 'EC 1.3.36.3.3.2.8.1.1.7',
      verifiable: false,
    });
    expect(keyStrength(generated('ed25519'), 2048)).toEqual({
      ok: true,
      description: 'Ed25519',
      verifiable: true,
    });
    expect(keyStrength(generated('ed448'), 2048)).toEqual({
      ok: true,
      description: 'Ed448',
      verifiable: true,
    });
    expect(
      keyStrength(generated('dsa', { modulusLength: 1024, divisorLength: 160 }), 2048),
    ).toEqual({
      ok: false,
      description: 'DSA',
      verifiable: false,
    });
    expect(keyStrength(generated('x25519'), 2048)).toEqual({
      ok: false,
      description: 'unsupported key type 1.3.101.110',
      verifiable: false,
    });
  });

  test('hand-made keys: explicit EC parameters, a binary curve, a zero modulus', () => {
    const explicit = tlv(0x30, algorithm('1.2.840.10045.2.1', tlv(0x30)), tlv(0x03, [0, 4]));
    expect(keyStrength(explicit, 2048)).toEqual({
      ok: false,
      description: 'EC explicit parameters',
      verifiable: false,
    });
    const sect571r1 = tlv(
      0x30,
      algorithm('1.2.840.10045.2.1', oid('1.3.132.0.39')),
      tlv(0x03, [0, 4]),
    );
    expect(keyStrength(sect571r1, 2048)).toEqual({
      ok: false,
      description: 'EC 1.3.132.0.39',
      verifiable: false,
    });
    const zero = tlv(
      0x30,
      algorithm('1.2.840.113549.1.1.1', NULL),
      tlv(0x03, [0], tlv(0x30, tlv(0x02, [0]), tlv(0x02, [3]))),
    );
    expect(keyStrength(zero, 2048)).toEqual({ ok: false, description: 'RSA 0', verifiable: true });
  });

  test('RSA keys too costly to verify with: a modulus over 8192 bits, an exponent over 33 bits', () => {
    const rsa = (modulus: Buffer, exponent: Buffer): Buffer =>
      tlv(
        0x30,
        algorithm('1.2.840.113549.1.1.1', NULL),
        tlv(0x03, [0], tlv(0x30, tlv(0x02, modulus), tlv(0x02, exponent))),
      );
    const modulus = (bits: number): Buffer =>
      Buffer.concat([Buffer.from([0x00, 0x80]), Buffer.alloc(bits / 8 - 1, 1)]);
    const f4 = Buffer.from([0x01, 0x00, 0x01]);
    expect(keyStrength(rsa(modulus(8192), f4), 2048)).toEqual({
      ok: true,
      description: 'RSA 8192',
      verifiable: true,
    });
    expect(keyStrength(rsa(modulus(8200), f4), 2048)).toEqual({
      ok: false,
      description: 'RSA 8200 (over 8192 bits)',
      verifiable: false,
    });
    const e33 = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff]);
    expect(keyStrength(rsa(modulus(3072), e33), 2048)).toEqual({
      ok: true,
      description: 'RSA 3072',
      verifiable: true,
    });
    const e34 = Buffer.from([0x03, 0xff, 0xff, 0xff, 0xff]);
    expect(keyStrength(rsa(modulus(3072), e34), 2048)).toEqual({
      ok: false,
      description: 'RSA 3072 with a 34-bit public exponent',
      verifiable: false,
    });
  });

  test.each([
    ['no subjectPublicKey', tlv(0x30, algorithm('1.2.840.113549.1.1.1', NULL))],
    ['an algorithm that is not a SEQUENCE', tlv(0x30, tlv(0x31), tlv(0x03, [0]))],
    [
      'unused bits in an RSA key',
      tlv(0x30, algorithm('1.2.840.113549.1.1.1', NULL), tlv(0x03, [1, 0x30, 0])),
    ],
    [
      'an RSA key that is not a SEQUENCE',
      tlv(0x30, algorithm('1.2.840.113549.1.1.1', NULL), tlv(0x03, [0], tlv(0x04))),
    ],
    [
      'an RSA key without a modulus',
      tlv(0x30, algorithm('1.2.840.113549.1.1.1', NULL), tlv(0x03, [0], tlv(0x30))),
    ],
    [
      'an RSA key without an exponent',
      tlv(0x30, algorithm('1.2.840.113549.1.1.1', NULL), tlv(0x03, [0], tlv(0x30, tlv(0x02, [1])))),
    ],
    [
      'a BIT STRING of another tag',
      tlv(0x30, algorithm('1.2.840.113549.1.1.1', NULL), tlv(0x04, [0], tlv(0x30))),
    ],
  ])('refuses %s', (_name, der) => {
    expect(() => keyStrength(der, 2048)).toThrow(/malformed/);
    expect(isVerifiableKey(der)).toBe(false);
  });

  test('isVerifiableKey(): the verifiable verdict whatever the minimum RSA size', () => {
    expect(isVerifiableKey(spki('ec-leaf'))).toBe(true);
    expect(isVerifiableKey(spki('leaf-rsa1024'))).toBe(true);
    expect(isVerifiableKey(spki('leaf-p192'))).toBe(false);
    expect(isVerifiableKey(tlv(0x30, algorithm('1.3.101.110'), tlv(0x03, [0])))).toBe(false);
  });
});

describe('signature verification (OpenSSL through node:crypto)', () => {
  const tbs = Buffer.from('to be signed');
  const bits = (signature: Buffer): Buffer => Buffer.concat([Buffer.from([0]), signature]);

  test('RSASSA-PSS with SHA-256 (salt length recovered)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signature = sign('sha256', tbs, {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    const algorithmPss = classify(PSS_SHA256);
    expect(
      verifySignature({ tbs, signatureBits: bits(signature), algorithm: algorithmPss }, publicKey),
    ).toBe(true);
    expect(
      verifySignature(
        { tbs: Buffer.from('other'), signatureBits: bits(signature), algorithm: algorithmPss },
        publicKey,
      ),
    ).toBe(false);
  });

  test('Ed25519, and refusals: weak algorithm, unused bits, a key of the wrong type', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signature = sign(null, tbs, privateKey);
    const ed25519 = classify(algorithm('1.3.101.112'));
    expect(
      verifySignature({ tbs, signatureBits: bits(signature), algorithm: ed25519 }, publicKey),
    ).toBe(true);
    expect(
      verifySignature(
        { tbs, signatureBits: Buffer.concat([Buffer.from([1]), signature]), algorithm: ed25519 },
        publicKey,
      ),
    ).toBe(false);
    expect(
      verifySignature(
        { tbs, signatureBits: bits(signature), algorithm: { status: 'weak', name: 'x' } },
        publicKey,
      ),
    ).toBe(false);
    const rsa = classify(algorithm('1.2.840.113549.1.1.11', NULL));
    expect(
      verifySignature({ tbs, signatureBits: bits(signature), algorithm: rsa }, publicKey),
    ).toBe(false);
  });
});

test('the OID encoder of these tests agrees with openssl (sanity)', () => {
  expect(oid('1.2.840.113549.1.1.11').toString('hex')).toBe('06092a864886f70d01010b');
});
