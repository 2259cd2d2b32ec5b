import { extractBearerToken } from '../../lib/binding/bearer-token';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

describe('extractBearerToken (RFC 6750 §2)', () => {
  describe('Authorization request header field (§2.1)', () => {
    it.each([
      ['Bearer', `Bearer ${JWT}`],
      ['lower-case scheme', `bearer ${JWT}`],
      ['upper-case scheme', `BEARER ${JWT}`],
      ['several spaces', `Bearer   ${JWT}`],
    ])('accepts %s', (_name, header) => {
      expect(extractBearerToken({ authorization: [header] })).toEqual({
        kind: 'token',
        token: JWT,
        location: 'header',
      });
    });

    it('accepts every b64token character and trailing =', () => {
      const token = 'aZ09-._~+/abc==';
      expect(extractBearerToken({ authorization: [`Bearer ${token}`] })).toEqual({
        kind: 'token',
        token,
        location: 'header',
      });
    });

    it('treats no header as no token', () => {
      expect(extractBearerToken({ authorization: [] })).toEqual({ kind: 'missing' });
    });

    it.each([
      ['Basic dXNlcjpwYXNz'],
      [`DPoP ${JWT}`],
      [''],
      [`Bearerx ${JWT}`],
      [`Bearer\t${JWT}`],
    ])('treats another scheme (%j) as no bearer token', (header) => {
      expect(extractBearerToken({ authorization: [header] })).toEqual({ kind: 'missing' });
    });

    it.each([
      ['no token', 'Bearer'],
      ['an empty token', 'Bearer '],
      ['two tokens', `Bearer ${JWT} ${JWT}`],
      ['= inside the token', 'Bearer ab=c'],
      ['a quoted token', `Bearer "${JWT}"`],
      ['a comma', `Bearer ${JWT},x`],
      ['non-ASCII', 'Bearer tokén'],
    ])('refuses Bearer with %s as invalid_request', (_name, header) => {
      expect(extractBearerToken({ authorization: [header] })).toEqual({
        kind: 'invalid',
        description: 'malformed Bearer credentials',
      });
    });

    it('refuses two Authorization header lines', () => {
      expect(extractBearerToken({ authorization: [`Bearer ${JWT}`, `Bearer ${JWT}`] })).toEqual({
        kind: 'invalid',
        description: 'more than one Authorization header',
      });
    });
  });

  describe('form-encoded body parameter (§2.2) and URI query parameter (§2.3)', () => {
    it.each(['body', 'query'] as const)('accepts access_token in the %s', (location) => {
      expect(extractBearerToken({ authorization: [], [location]: JWT })).toEqual({
        kind: 'token',
        token: JWT,
        location,
      });
    });

    it.each(['body', 'query'] as const)('refuses a repeated %s parameter', (location) => {
      expect(extractBearerToken({ authorization: [], [location]: [JWT, JWT] })).toEqual({
        kind: 'invalid',
        description: `malformed access_token ${location} parameter`,
      });
    });

    it.each(['body', 'query'] as const)(
      'refuses an empty or malformed %s parameter',
      (location) => {
        for (const value of ['', 'a b', { x: 1 }]) {
          expect(extractBearerToken({ authorization: [], [location]: value })).toEqual({
            kind: 'invalid',
            description: `malformed access_token ${location} parameter`,
          });
        }
      },
    );
  });

  describe('more than one method (§2: MUST NOT use more than one method)', () => {
    it.each([
      ['header and body', { authorization: [`Bearer ${JWT}`], body: JWT }],
      ['header and query', { authorization: [`Bearer ${JWT}`], query: JWT }],
      ['body and query', { authorization: [], body: JWT, query: JWT }],
    ])('refuses a token in the %s', (_name, sources) => {
      expect(extractBearerToken(sources)).toEqual({
        kind: 'invalid',
        description: 'access token sent in more than one way',
      });
    });

    it('ignores another scheme next to a body token', () => {
      expect(extractBearerToken({ authorization: ['Basic dXNlcjpwYXNz'], body: JWT })).toEqual({
        kind: 'token',
        token: JWT,
        location: 'body',
      });
    });
  });
});
