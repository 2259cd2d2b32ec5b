import { createSecretKey } from 'node:crypto';
import {
  allowedAlgorithms,
  staticKeySource,
  toPublicKey,
  toSecretKey,
} from '../../lib/binding/key-source';
import { pem } from '../helpers/fixtures';
import { privateKey, publicKey, publicPem } from './helpers/keys';

const F = 'requireCertificateBoundToken()';

describe('toPublicKey', () => {
  it('accepts SPKI PEM, DER, KeyObjects, certificates and JWKs', () => {
    const rsa = publicKey('rsa');
    const der = rsa.export({ format: 'der', type: 'spki' });
    const jwk = rsa.export({ format: 'jwk' });
    for (const input of [publicPem('rsa'), der, rsa, privateKey('rsa'), jwk]) {
      const { key, alg } = toPublicKey(F, input);
      expect(key.type).toBe('public');
      expect(key.equals(rsa)).toBe(true);
      expect(alg).toBeUndefined();
    }
    const fromCertificate = toPublicKey(F, pem('client-a')).key;
    expect(fromCertificate.asymmetricKeyType).toBe('ec');
  });

  it('keeps the alg a JWK names', () => {
    const jwk = { ...publicKey('rsa').export({ format: 'jwk' }), alg: 'PS256' };
    expect(toPublicKey(F, jwk).alg).toBe('PS256');
  });

  it.each([
    ['a secret KeyObject', createSecretKey(Buffer.alloc(32))],
    ['an oct JWK', { kty: 'oct', k: 'AAAA' }],
    ['garbage PEM', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'],
    ['garbage DER', Buffer.from('nope')],
  ])('refuses %s', (_name, input) => {
    expect(() => toPublicKey(F, input as never)).toThrow(
      /^requireCertificateBoundToken\(\): "publicKey" must be a public key \(PEM, DER SPKI, KeyObject or JWK\); HMAC keys go in "secret"\./,
    );
  });
});

describe('toSecretKey (RFC 7518 §3.2)', () => {
  it('accepts strings, Buffers and secret KeyObjects of 32 bytes or more', () => {
    expect(toSecretKey(F, 'x'.repeat(32)).symmetricKeySize).toBe(32);
    expect(toSecretKey(F, Buffer.alloc(64)).symmetricKeySize).toBe(64);
    const key = createSecretKey(Buffer.alloc(48));
    expect(toSecretKey(F, key)).toBe(key);
  });

  it('refuses a short secret', () => {
    expect(() => toSecretKey(F, 'short')).toThrow(
      new TypeError(
        `${F}: "secret" must be at least 32 bytes long (RFC 7518 §3.2: as long as the HMAC hash output).`,
      ),
    );
  });

  it('refuses asymmetric keys and other values', () => {
    expect(() => toSecretKey(F, publicKey('rsa'))).toThrow(
      new TypeError(`${F}: "secret" must be a secret key; use "publicKey" for public keys.`),
    );
    expect(() => toSecretKey(F, 42 as never)).toThrow(
      new TypeError(`${F}: "secret" must be a string, a Buffer or a secret KeyObject.`),
    );
  });
});

describe('allowedAlgorithms', () => {
  it('intersects the key family, the policy and the key alg', () => {
    const rsa = publicKey('rsa');
    expect([...allowedAlgorithms(rsa, ['RS256', 'PS256', 'ES256'], undefined)]).toEqual([
      'RS256',
      'PS256',
    ]);
    expect([...allowedAlgorithms(rsa, ['RS256', 'PS256'], 'PS256')]).toEqual(['PS256']);
    expect([...allowedAlgorithms(rsa, ['HS256'], undefined)]).toEqual([]);
    const ec = publicKey('ec-p256');
    expect([...allowedAlgorithms(ec, ['RS256', 'ES256'], 'ES384')]).toEqual([]);
  });
});

describe('staticKeySource', () => {
  it('answers the configured key for any kid, synchronously', () => {
    const key = publicKey('rsa');
    const source = staticKeySource(key, new Set(['RS256']));
    expect(source.get(undefined)).toEqual({ status: 'key', key, algorithms: new Set(['RS256']) });
    expect(source.get('other')).toBe(source.get(undefined));
  });
});
