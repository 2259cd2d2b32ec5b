import {
  checkIssuerAndAudience,
  checkRequiredClaims,
  checkTimeClaims,
  nowInSeconds,
} from '../../lib/binding/claims';

const NOW = 1_700_000_000;
const STRICT = { clockTolerance: 0, maxTokenAge: undefined };

describe('checkTimeClaims (RFC 7519 §4.1.4, §4.1.5)', () => {
  it('accepts a token inside its window', () => {
    expect(checkTimeClaims({ nbf: NOW, exp: NOW + 1 }, NOW, STRICT)).toBeUndefined();
    expect(checkTimeClaims({}, NOW, STRICT)).toBeUndefined();
  });

  it('refuses exp reached, with the tolerance added', () => {
    expect(checkTimeClaims({ exp: NOW }, NOW, STRICT)).toEqual({
      status: 'invalid',
      reason: 'expired',
      detail: 'exp is in the past',
    });
    expect(checkTimeClaims({ exp: NOW }, NOW, { ...STRICT, clockTolerance: 1 })).toBeUndefined();
    expect(checkTimeClaims({ exp: NOW - 1 }, NOW, { ...STRICT, clockTolerance: 1 })?.reason).toBe(
      'expired',
    );
  });

  it('refuses nbf in the future, with the tolerance added', () => {
    expect(checkTimeClaims({ nbf: NOW + 1 }, NOW, STRICT)?.reason).toBe('not_yet_valid');
    expect(
      checkTimeClaims({ nbf: NOW + 1 }, NOW, { ...STRICT, clockTolerance: 1 }),
    ).toBeUndefined();
  });

  it('refuses non-numeric exp and nbf as malformed', () => {
    expect(checkTimeClaims({ exp: '1' } as never, NOW, STRICT)).toEqual({
      status: 'invalid',
      reason: 'malformed',
      detail: 'exp is not a number',
    });
    expect(checkTimeClaims({ nbf: '1' } as never, NOW, STRICT)).toEqual({
      status: 'invalid',
      reason: 'malformed',
      detail: 'nbf is not a number',
    });
  });

  it('applies maxTokenAge to iat, and requires iat with it', () => {
    const policy = { clockTolerance: 0, maxTokenAge: 60 };
    expect(checkTimeClaims({ iat: NOW - 59 }, NOW, policy)).toBeUndefined();
    expect(checkTimeClaims({ iat: NOW - 60 }, NOW, policy)?.reason).toBe('too_old');
    expect(checkTimeClaims({}, NOW, policy)).toEqual({
      status: 'invalid',
      reason: 'claims',
      detail: 'iat is required with maxTokenAge',
    });
  });

  it('counts time in whole seconds like jsonwebtoken', () => {
    const before = Math.floor(Date.now() / 1000);
    const value = nowInSeconds();
    expect(Number.isInteger(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(before);
  });
});

describe('checkIssuerAndAudience (RFC 9068 §4)', () => {
  it('accepts a listed issuer and an audience string or array member', () => {
    expect(checkIssuerAndAudience({ iss: 'a', aud: 'x' }, ['a'], ['x'])).toBeUndefined();
    expect(
      checkIssuerAndAudience({ iss: 'b', aud: ['y', 'x'] }, ['a', 'b'], ['x']),
    ).toBeUndefined();
  });

  it('skips checks that are off', () => {
    expect(checkIssuerAndAudience({}, undefined, undefined)).toBeUndefined();
  });

  it.each([
    [{ iss: 'a', aud: 'z' }],
    [{ iss: 'a' }],
    [{ iss: 'a', aud: [] }],
    [{ iss: 'a', aud: [1] }],
  ])('refuses the audience of %j', (payload) => {
    expect(checkIssuerAndAudience(payload as never, ['a'], ['x'])).toEqual({
      status: 'invalid',
      reason: 'audience',
      detail: 'aud does not name this resource server',
    });
  });

  it.each([[{ iss: 'b', aud: 'x' }], [{ aud: 'x' }], [{ iss: 1, aud: 'x' }]])(
    'refuses the issuer of %j',
    (payload) => {
      expect(checkIssuerAndAudience(payload as never, ['a'], ['x'])?.reason).toBe('issuer');
    },
  );
});

describe('checkRequiredClaims', () => {
  it('accepts present claims, refuses absent or null ones', () => {
    expect(checkRequiredClaims({ exp: 1, jti: 'x' }, ['exp', 'jti'])).toBeUndefined();
    expect(checkRequiredClaims({ exp: 1 }, ['exp', 'jti'])).toEqual({
      status: 'invalid',
      reason: 'claims',
      detail: 'required claim jti is missing',
    });
    expect(checkRequiredClaims({ jti: null } as never, ['jti'])?.reason).toBe('claims');
  });

  it('does not take inherited properties for claims', () => {
    expect(checkRequiredClaims({}, ['toString'])?.reason).toBe('claims');
    expect(checkRequiredClaims(JSON.parse('{"__proto__":1}'), ['__proto__'])).toBeUndefined();
  });
});
