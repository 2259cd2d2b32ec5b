import {
  authorizeSpiffeId,
  checkX509Svid,
  MAX_BUNDLE_KEYS,
  parseX509Bundle,
} from '../../lib/auth/spiffe';

const GOOD = {
  uris: ['spiffe://example.org/api'],
  ca: false,
  keyUsage: 1,
  extKeyUsage: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
};
const ID = { id: 'spiffe://example.org/api', trustDomain: 'example.org', path: '/api' };

describe('checkX509Svid() (X509-SVID §4, §5.2)', () => {
  it('accepts a leaf SVID, with or without EKU, with keyAgreement too', () => {
    expect(checkX509Svid(GOOD)).toEqual({ ok: true, value: ID });
    expect(checkX509Svid({ ...GOOD, extKeyUsage: undefined, keyUsage: 1 | 16 })).toEqual({
      ok: true,
      value: ID,
    });
  });

  it.each([
    [{ uris: [] }, 'this one has 0'],
    [{ uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] }, 'this one has 2'],
    [{ uris: ['spiffe://example.org'] }, 'non-root path'],
    [{ uris: ['urn:uuid:1'] }, 'not a SPIFFE ID: scheme'],
    [{ ca: true }, 'must not be a CA'],
    [{ keyUsage: undefined }, 'must carry key usage'],
    [{ keyUsage: 16 }, 'digitalSignature'],
    [{ keyUsage: 1 | 32 }, 'keyCertSign or cRLSign'],
    [{ keyUsage: 1 | 64 }, 'keyCertSign or cRLSign'],
    [{ extKeyUsage: ['1.3.6.1.5.5.7.3.1'] }, 'clientAuth'],
    [{ extKeyUsage: [] }, 'clientAuth'],
  ])('refuses %j: spiffe_invalid', (change, detail) => {
    expect(checkX509Svid({ ...GOOD, ...change })).toEqual({
      ok: false,
      reason: 'spiffe_invalid',
      detail: expect.stringContaining(detail),
    });
  });
});

describe('authorizeSpiffeId()', () => {
  const domains = new Set(['example.org']);
  it('allows an allowed trust domain, and an ID on the list', () => {
    expect(authorizeSpiffeId(ID, domains, undefined)).toEqual({ ok: true, value: ID });
    expect(authorizeSpiffeId(ID, domains, new Set([ID.id]))).toEqual({ ok: true, value: ID });
  });
  it('refuses another trust domain, and an ID off the list: spiffe_not_allowed', () => {
    expect(
      authorizeSpiffeId({ ...ID, trustDomain: 'other.org' }, domains, undefined),
    ).toMatchObject({
      ok: false,
      reason: 'spiffe_not_allowed',
    });
    expect(authorizeSpiffeId(ID, domains, new Set(['spiffe://example.org/web']))).toMatchObject({
      ok: false,
      reason: 'spiffe_not_allowed',
    });
  });
});

describe('parseX509Bundle() (X509-SVID §6.2)', () => {
  const DER = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
  const b64 = DER.toString('base64');

  it('takes the first x5c of each x509-svid entry and ignores the rest', () => {
    expect(
      parseX509Bundle({
        spiffe_refresh_hint: 60,
        keys: [
          { use: 'jwt-svid', x5c: ['!!'] },
          'not a key',
          { use: 'x509-svid' },
          { use: 'x509-svid', x5c: [] },
          { use: 'x509-svid', x5c: [b64, '!!'] },
        ],
      }),
    ).toEqual({ ok: true, value: { authorities: [DER], refreshHint: 60 } });
  });

  it.each([0, -1, 1.5, '60', null])('ignores a refresh hint of %j', (hint) => {
    expect(
      parseX509Bundle({ spiffe_refresh_hint: hint, keys: [{ use: 'x509-svid', x5c: [b64] }] }),
    ).toEqual({
      ok: true,
      value: { authorities: [DER], refreshHint: undefined },
    });
  });

  it.each([
    [null, 'JWK Set'],
    [[], 'JWK Set'],
    [{ keys: {} }, 'JWK Set'],
    [{ keys: Array.from({ length: MAX_BUNDLE_KEYS + 1 }, () => ({})) }, 'more than 1000 keys'],
    [{ keys: [{ use: 'x509-svid', x5c: b64 }] }, 'keys[0].x5c[0]'],
    [{ keys: [{ use: 'x509-svid', x5c: [42] }] }, 'keys[0].x5c[0]'],
    [{ keys: [{ use: 'x509-svid', x5c: [''] }] }, 'keys[0].x5c[0]'],
    [{ keys: [{ use: 'x509-svid', x5c: ['MA'] }] }, 'keys[0].x5c[0]'],
    [{ keys: [] }, 'no x509-svid entry'],
  ])('refuses %j: spiffe_invalid', (json, detail) => {
    expect(parseX509Bundle(json)).toEqual({
      ok: false,
      reason: 'spiffe_invalid',
      detail: expect.stringContaining(detail),
    });
  });
});
