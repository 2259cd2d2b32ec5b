import { jwkThumbprint, thumbprintMembers } from '../../lib/dpop/jwk-thumbprint';
import { KEYS } from './helpers/proof';

/** RFC 7638 §3.1: the example RSA key and its thumbprint. */
const RFC7638_KEY = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP' +
    'ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY3' +
    '68QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4' +
    'lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

/** RFC 8037 Appendix A.2/A.3: the Ed25519 public key and its thumbprint. */
const RFC8037_KEY = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
};
const RFC8037_THUMBPRINT = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';

describe('jwkThumbprint (RFC 7638)', () => {
  it('RFC 7638 §3.1: the RSA example (members other than e, kty, n are ignored)', () => {
    expect(jwkThumbprint(RFC7638_KEY)).toBe(RFC7638_THUMBPRINT);
  });

  it('RFC 8037 Appendix A.3: the Ed25519 example', () => {
    expect(jwkThumbprint(RFC8037_KEY)).toBe(RFC8037_THUMBPRINT);
  });

  it.each(['ec', 'ecOther', 'ec384', 'rsa', 'ed'] as const)(
    'the %s fixture key: the thumbprint jose computes',
    (name) => {
      expect(jwkThumbprint(KEYS[name].jwk)).toBe(KEYS[name].jkt);
    },
  );

  it('does not depend on member order or extra members', () => {
    const { x, y } = KEYS.ec.jwk;
    expect(jwkThumbprint({ y, use: 'sig', x, crv: 'P-256', kty: 'EC', kid: 'k' })).toBe(
      KEYS.ec.jkt,
    );
  });

  it('reads P-521 keys (66-byte coordinates) and X25519/X448/Ed448 keys', () => {
    const c66 = Buffer.alloc(66, 1).toString('base64url');
    expect(jwkThumbprint({ kty: 'EC', crv: 'P-521', x: c66, y: c66 })).toMatch(/^[\w-]{43}$/);
    for (const [crv, bytes] of [
      ['X25519', 32],
      ['X448', 56],
      ['Ed448', 57],
    ] as const) {
      const x = Buffer.alloc(bytes, 9).toString('base64url');
      expect(thumbprintMembers({ kty: 'OKP', crv, x })).toEqual({ kty: 'OKP', crv, x });
    }
  });

  it('gives the modulus and exponent sizes of an RSA key', () => {
    expect(thumbprintMembers(RFC7638_KEY)).toMatchObject({ modulusBits: 2048, exponentBits: 17 });
  });

  const c32 = Buffer.alloc(32, 1).toString('base64url');
  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['an array', [RFC8037_KEY]],
    ['a string', 'key'],
    ['no kty', { crv: 'Ed25519', x: RFC8037_KEY.x }],
    ['kty in lower case', { ...RFC8037_KEY, kty: 'okp' }],
    ['kty oct', { kty: 'oct', k: c32 }],
    ['an unknown curve', { kty: 'EC', crv: 'secp256k1', x: c32, y: c32 }],
    ['an EC key without y', { kty: 'EC', crv: 'P-256', x: c32 }],
    ['an EC x one byte short', { kty: 'EC', crv: 'P-256', x: c32.slice(0, 42), y: c32 }],
    ['a P-384 key with P-256 coordinates', { kty: 'EC', crv: 'P-384', x: c32, y: c32 }],
    ['an EC x with padding', { kty: 'EC', crv: 'P-256', x: `${c32}=`, y: c32 }],
    ['an EC x in standard base64', { kty: 'EC', crv: 'P-256', x: c32.replace(/.$/, '+'), y: c32 }],
    ['a non-canonical final character', { ...RFC8037_KEY, x: RFC8037_KEY.x.replace(/o$/, 'p') }],
    ['a numeric x', { ...RFC8037_KEY, x: 1 }],
    ['an OKP key with the wrong curve length', { kty: 'OKP', crv: 'Ed448', x: c32 }],
    ['an OKP key with crv P-256', { kty: 'OKP', crv: 'P-256', x: c32 }],
    ['an RSA key without n', { kty: 'RSA', e: 'AQAB' }],
    ['an RSA key with an empty e', { ...RFC7638_KEY, e: '' }],
    ['an RSA modulus with a leading zero octet', { ...RFC7638_KEY, n: `AA${RFC7638_KEY.n}` }],
    ['an RSA exponent with a leading zero octet', { ...RFC7638_KEY, e: 'AAEAAQ' }],
    ['an RSA modulus that is not base64url', { ...RFC7638_KEY, n: `${RFC7638_KEY.n}!` }],
    ['inherited members only', Object.create(RFC8037_KEY) as unknown],
  ])('refuses %s', (_name, jwk) => {
    expect(jwkThumbprint(jwk)).toBeUndefined();
  });
});
