import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import {
  algorithmsForKey,
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  KNOWN_ALGORITHMS,
} from '../../lib/binding/algorithms';
import { privateKey, publicKey } from './helpers/keys';

describe('algorithm families (RFC 7518 §3, RFC 8725 §3.1)', () => {
  it('lists the asymmetric algorithms accepted by default, never none or HMAC', () => {
    expect([...ASYMMETRIC_ALGORITHMS]).toEqual([
      'RS256',
      'RS384',
      'RS512',
      'PS256',
      'PS384',
      'PS512',
      'ES256',
      'ES384',
      'ES512',
      'EdDSA',
    ]);
    expect(KNOWN_ALGORITHMS).not.toContain('none');
    expect([...HMAC_ALGORITHMS]).toEqual(['HS256', 'HS384', 'HS512']);
  });

  it('lets an RSA key verify RS and PS algorithms only', () => {
    expect(algorithmsForKey(publicKey('rsa'))).toEqual([
      'RS256',
      'RS384',
      'RS512',
      'PS256',
      'PS384',
      'PS512',
    ]);
  });

  it('lets an RSA-PSS key verify PS algorithms only', () => {
    const { publicKey: key } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    expect(algorithmsForKey(key)).toEqual(['PS256', 'PS384', 'PS512']);
  });

  it('refuses RSA keys under 2048 bits', () => {
    expect(algorithmsForKey(publicKey('rsa-1024'))).toEqual([]);
  });

  it('ties an EC key to the algorithm of its curve', () => {
    expect(algorithmsForKey(publicKey('ec-p256'))).toEqual(['ES256']);
    expect(algorithmsForKey(publicKey('ec-p384'))).toEqual(['ES384']);
    const { publicKey: p521 } = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    expect(algorithmsForKey(p521)).toEqual(['ES512']);
    const { publicKey: k256 } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    expect(algorithmsForKey(k256)).toEqual([]);
  });

  it('lets Ed25519 and Ed448 keys verify EdDSA only', () => {
    expect(algorithmsForKey(publicKey('ed25519'))).toEqual(['EdDSA']);
    expect(algorithmsForKey(generateKeyPairSync('ed448').publicKey)).toEqual(['EdDSA']);
  });

  it('lets a secret verify the HMAC algorithms whose hash it covers (RFC 7518 §3.2)', () => {
    expect(algorithmsForKey(createSecretKey(Buffer.alloc(31)))).toEqual([]);
    expect(algorithmsForKey(createSecretKey(Buffer.alloc(32)))).toEqual(['HS256']);
    expect(algorithmsForKey(createSecretKey(Buffer.alloc(48)))).toEqual(['HS256', 'HS384']);
    expect(algorithmsForKey(createSecretKey(Buffer.alloc(64)))).toEqual(HMAC_ALGORITHMS);
  });

  it('gives private keys and other key types nothing', () => {
    expect(algorithmsForKey(privateKey('rsa'))).toEqual([]);
    expect(algorithmsForKey(generateKeyPairSync('x25519').publicKey)).toEqual([]);
  });
});
