import { bearerChallenge, dpopChallenge, wwwAuthenticate } from '../../lib/internal/challenge';
import { bearerChallenge as publicBearerChallenge } from '../../lib';

describe('bearerChallenge (RFC 6750 §3, RFC 9728 §5.1)', () => {
  it('is the one exported from the package root', () => {
    expect(publicBearerChallenge).toBe(bearerChallenge);
  });

  it('adds resource_metadata last', () => {
    expect(
      bearerChallenge({
        realm: 'api',
        error: 'invalid_token',
        errorDescription: 'the access token expired',
        resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource',
      }),
    ).toBe(
      'Bearer realm="api", error="invalid_token", error_description="the access token expired", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
    );
    expect(bearerChallenge({ resourceMetadata: 'https://a.example/m' })).toBe(
      'Bearer resource_metadata="https://a.example/m"',
    );
  });
});

describe('dpopChallenge (RFC 9449 §7.1)', () => {
  it('writes realm, scope, error, error_description, algs, resource_metadata in that order', () => {
    expect(
      dpopChallenge({
        resourceMetadata: 'https://a.example/m',
        algs: ['ES256', 'PS256', 'EdDSA'],
        errorDescription: 'Invalid DPoP key binding',
        error: 'invalid_token',
        scope: 'read',
        realm: 'api',
      }),
    ).toBe(
      'DPoP realm="api", scope="read", error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256 PS256 EdDSA", resource_metadata="https://a.example/m"',
    );
  });

  it('is the bare scheme without parameters, and omits an empty algs list', () => {
    expect(dpopChallenge({})).toBe('DPoP');
    expect(dpopChallenge({ algs: [] })).toBe('DPoP');
    expect(dpopChallenge({ algs: undefined, realm: undefined })).toBe('DPoP');
  });

  it.each(['invalid_dpop_proof', 'use_dpop_nonce'] as const)('writes error="%s"', (error) => {
    expect(dpopChallenge({ error, algs: ['ES256'] })).toBe(`DPoP error="${error}", algs="ES256"`);
  });

  it.each([
    ['double quotes', 'say "hi"', 'say hi'],
    ['backslashes', 'a\\"b', 'ab'],
    ['CR LF (header injection)', 'x\r\nSet-Cookie: a=b', 'xSet-Cookie: a=b'],
    ['NUL, DEL and non-ASCII', 'a\0b\x7fcé\u2028', 'abc'],
  ])('drops %s from every value, algs included', (_name, value, kept) => {
    expect(
      dpopChallenge({
        realm: value,
        errorDescription: value,
        algs: [value],
        resourceMetadata: value,
      }),
    ).toBe(
      `DPoP realm="${kept}", error_description="${kept}", algs="${kept}", resource_metadata="${kept}"`,
    );
  });
});

describe('wwwAuthenticate (RFC 9110 §11.6.1)', () => {
  it('writes one challenge alone as its builder does', () => {
    expect(wwwAuthenticate([{ scheme: 'Bearer', realm: 'api' }])).toBe('Bearer realm="api"');
  });

  it('joins several challenges with ", " in order (RFC 9449 §7.2)', () => {
    expect(
      wwwAuthenticate([{ scheme: 'Bearer' }, { scheme: 'DPoP', algs: ['ES256', 'PS256'] }]),
    ).toBe('Bearer, DPoP algs="ES256 PS256"');
    expect(
      wwwAuthenticate([
        { scheme: 'DPoP', realm: 'api', error: 'invalid_dpop_proof', algs: ['ES256'] },
        { scheme: 'Bearer', realm: 'api' },
      ]),
    ).toBe('DPoP realm="api", error="invalid_dpop_proof", algs="ES256", Bearer realm="api"');
  });

  it('keeps hostile values inside their own quoted string', () => {
    const value = wwwAuthenticate([
      { scheme: 'Bearer', realm: '", DPoP error="x' },
      { scheme: 'DPoP', realm: 'r\r\n' },
    ]);
    expect(value).toBe('Bearer realm=", DPoP error=x", DPoP realm="r"');
    expect(value).toMatch(/^[\x20-\x7e]*$/);
  });
});
