import { createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { jwkThumbprint, loadSigningKey } from '../../../samples/token-server/signing-key';
import { privateKey, privatePem, publicPem } from '../../binding/helpers/keys';

/** RFC 7638 §3.1: the example RSA key and its thumbprint. */
const RFC7638_JWK = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP' +
    'ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY' +
    '368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f' +
    'M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

/** RFC 9449 §4.1 / §6.1: the example DPoP EC P-256 key and its `jkt` (an RFC 7638 thumbprint). */
const RFC9449_JWK = {
  kty: 'EC',
  x: 'l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs',
  y: '9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA',
  crv: 'P-256',
};
const RFC9449_JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';

describe('jwkThumbprint() (RFC 7638)', () => {
  it('RFC 7638 §3.1: the example RSA key', () => {
    expect(jwkThumbprint(RFC7638_JWK)).toBe(RFC7638_THUMBPRINT);
  });

  it('RFC 9449 §6.1: the example EC P-256 key', () => {
    expect(jwkThumbprint(RFC9449_JWK)).toBe(RFC9449_JKT);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an OKP key', { kty: 'OKP', crv: 'Ed25519', x: 'AA' }, /unsupported key type "OKP"/],
    ['a missing kty', {}, /unsupported key type undefined/],
    ['an RSA key without n', { kty: 'RSA', e: 'AQAB' }, /has no "n" member/],
    ['an EC key with an empty y', { ...RFC9449_JWK, y: '' }, /has no "y" member/],
  ])('refuses %s', (_name, jwk, message) => {
    expect(() => jwkThumbprint(jwk)).toThrow(message);
  });
});

describe('loadSigningKey()', () => {
  it('EC P-256 PEM: ES256, a public JWK with kid, alg and use, no private member', () => {
    const key = loadSigningKey(privatePem('ec-p256'));
    expect(key.alg).toBe('ES256');
    expect(key.jwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: key.kid,
      alg: 'ES256',
      use: 'sig',
    });
    expect(key.kid).toBe(jwkThumbprint(key.jwk));
    expect(key.privateKey.type).toBe('private');
    expect(Object.isFrozen(key)).toBe(true);
  });

  it('RSA-2048 PEM: RS256', () => {
    const key = loadSigningKey(privatePem('rsa'));
    expect(key.alg).toBe('RS256');
    expect(key.jwk).toEqual({
      kty: 'RSA',
      n: expect.any(String),
      e: 'AQAB',
      kid: key.kid,
      alg: 'RS256',
      use: 'sig',
    });
  });

  it('accepts a KeyObject and PKCS#8 DER', () => {
    expect(loadSigningKey(privateKey('ec-p256')).alg).toBe('ES256');
    const der = createPrivateKey(privatePem('rsa')).export({ format: 'der', type: 'pkcs8' });
    expect(loadSigningKey(der).alg).toBe('RS256');
  });

  it.each<[string, unknown, RegExp]>([
    ['an RSA-1024 key', privatePem('rsa-1024'), /RSA key of 2048 bits or more, or an EC P-256/],
    ['an EC P-384 key', privatePem('ec-p384'), /EC P-256/],
    ['an Ed25519 key', privatePem('ed25519'), /EC P-256/],
    ['a public key', publicPem('ec-p256'), /not a private key/],
    ['a public KeyObject', createPublicKey(publicPem('ec-p256')), /must be a private key/],
    ['a secret KeyObject', createSecretKey(Buffer.alloc(32)), /must be a private key/],
    ['garbage text', 'not a key', /not a private key/],
    ['garbage DER', Buffer.from([1, 2, 3]), /not a private key/],
    ['a number', 42, /expected PEM text, PKCS#8 DER or a private KeyObject/],
  ])('refuses %s with a TypeError', (_name, input, message) => {
    expect(() => loadSigningKey(input as string)).toThrow(TypeError);
    expect(() => loadSigningKey(input as string)).toThrow(message);
  });
});
