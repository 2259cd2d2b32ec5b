import { createSecretKey } from 'node:crypto';
import { Agent } from 'node:http';
import { resolveBoundTokenOptions } from '../../lib/binding/bound-token-options';
import { requireCertificateBoundToken } from '../../lib/binding/require-certificate-bound-token';
import { AUDIENCE, ISSUER, publicKey, publicPem } from './helpers/keys';

const F = 'requireCertificateBoundToken()';
const BASE = { issuer: ISSUER, audience: AUDIENCE, publicKey: publicPem('rsa') };
const INTRO = { endpoint: 'https://as.example.com/introspect', clientId: 'rs' };

describe('requireCertificateBoundToken() options', () => {
  it('returns a named middleware', () => {
    expect(requireCertificateBoundToken(BASE).name).toBe('requireCertificateBoundTokenMiddleware');
  });

  it('resolves the defaults', () => {
    const resolved = resolveBoundTokenOptions(BASE);
    expect(resolved).toMatchObject({
      mode: 'jwt',
      realm: 'api',
      allowUnboundTokens: false,
      allowBodyToken: false,
      allowQueryToken: false,
    });
  });

  it('treats options set to undefined as not passed', () => {
    const resolved = resolveBoundTokenOptions({
      ...BASE,
      algorithms: undefined,
      realm: undefined,
      allowUnboundTokens: undefined,
      jwksUri: undefined,
      secret: undefined,
      introspection: undefined,
      cacheMaxEntries: undefined,
    });
    expect(resolved).toMatchObject({ mode: 'jwt', realm: 'api', allowUnboundTokens: false });
  });

  it('resolves introspection mode, optional issuer and audience included', () => {
    expect(resolveBoundTokenOptions({ introspection: INTRO }).mode).toBe('introspection');
    expect(
      resolveBoundTokenOptions({
        introspection: {
          ...INTRO,
          clientSecret: 's',
          timeout: 100,
          agent: new Agent(),
          headers: { a: 'b' },
        },
        issuer: ISSUER,
        audience: [AUDIENCE],
        requiredClaims: ['sub'],
        cacheMaxEntries: 0,
      }).mode,
    ).toBe('introspection');
  });

  it('accepts every key source alone', () => {
    expect(() =>
      resolveBoundTokenOptions({ ...BASE, publicKey: publicKey('ec-p256') }),
    ).not.toThrow();
    expect(() =>
      resolveBoundTokenOptions({ issuer: ISSUER, audience: AUDIENCE, secret: 'x'.repeat(32) }),
    ).not.toThrow();
    expect(() =>
      resolveBoundTokenOptions({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://as.example.com/jwks',
        jwksOptions: { timeout: 100, agent: new Agent(), headers: { a: 'b' } },
      }),
    ).not.toThrow();
    expect(() =>
      resolveBoundTokenOptions({
        dangerouslyAllowAnyIssuer: true,
        dangerouslyAllowAnyAudience: true,
        publicKey: publicPem('rsa'),
      }),
    ).not.toThrow();
  });

  const hostile: [string, unknown, string | RegExp][] = [
    [
      'no options',
      undefined,
      `${F}: a key source is required: "jwksUri", "publicKey", "secret" or "introspection".`,
    ],
    ['not an object', 'https://as', `${F}: options must be an object.`],
    [
      'a misspelled option',
      { ...BASE, audiance: 'x' },
      /unknown option "audiance"\. Did you mean "audience"\?/,
    ],
    [
      'two key sources',
      { ...BASE, secret: 'x'.repeat(32) },
      `${F}: use only one key source (got "publicKey" and "secret").`,
    ],
    [
      'no issuer',
      { audience: AUDIENCE, publicKey: publicPem('rsa') },
      `${F}: "issuer" is required (the authorization server's issuer identifier), or set "dangerouslyAllowAnyIssuer: true".`,
    ],
    [
      'no audience',
      { issuer: ISSUER, publicKey: publicPem('rsa') },
      `${F}: "audience" is required (this resource server's identifier), or set "dangerouslyAllowAnyAudience: true".`,
    ],
    [
      'issuer and its opt-out',
      { ...BASE, dangerouslyAllowAnyIssuer: true },
      `${F}: "issuer" and "dangerouslyAllowAnyIssuer" contradict each other; keep one.`,
    ],
    [
      'audience and its opt-out',
      { ...BASE, dangerouslyAllowAnyAudience: true },
      `${F}: "audience" and "dangerouslyAllowAnyAudience" contradict each other; keep one.`,
    ],
    [
      'an empty issuer',
      { ...BASE, issuer: '' },
      `${F}: "issuer" must be a non-empty string or array of strings.`,
    ],
    [
      'an empty issuer list',
      { ...BASE, issuer: [] },
      `${F}: "issuer" must be a non-empty string or array of strings.`,
    ],
    [
      'a non-string audience',
      { ...BASE, audience: [1] },
      `${F}: "audience" must be a non-empty string or array of strings.`,
    ],
    [
      'a non-boolean opt-out',
      { ...BASE, issuer: undefined, dangerouslyAllowAnyIssuer: 'yes' },
      `${F}: "dangerouslyAllowAnyIssuer" must be a boolean.`,
    ],
    [
      'alg none',
      { ...BASE, algorithms: ['RS256', 'none'] },
      `${F}: "algorithms" must not contain "none" (unsigned tokens).`,
    ],
    [
      'alg NONE',
      { ...BASE, algorithms: ['NONE'] },
      `${F}: "algorithms" must not contain "none" (unsigned tokens).`,
    ],
    [
      'an unknown algorithm',
      { ...BASE, algorithms: ['RS265'] },
      /unknown algorithm "RS265"\. Did you mean "RS256"\?/,
    ],
    [
      'HMAC with a public key',
      { ...BASE, algorithms: ['HS256'] },
      `${F}: "HS256" is an HMAC algorithm; it needs "secret", never a public key or JWKS.`,
    ],
    [
      'HMAC with a JWKS',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://as/jwks',
        algorithms: ['RS256', 'HS256'],
      },
      `${F}: "HS256" is an HMAC algorithm; it needs "secret", never a public key or JWKS.`,
    ],
    [
      'RS256 with a secret',
      { issuer: ISSUER, audience: AUDIENCE, secret: 'x'.repeat(32), algorithms: ['RS256'] },
      `${F}: with "secret", "algorithms" may contain only HS256, HS384, HS512 (got "RS256").`,
    ],
    [
      'empty algorithms',
      { ...BASE, algorithms: [] },
      `${F}: "algorithms" must be a non-empty string or array of strings.`,
    ],
    [
      'a key that verifies none of the algorithms',
      { ...BASE, algorithms: ['ES256'] },
      `${F}: the configured key can verify none of the accepted algorithms (it verifies: RS256, RS384, RS512, PS256, PS384, PS512).`,
    ],
    [
      'a too-small RSA key',
      { ...BASE, publicKey: publicPem('rsa-1024') },
      `${F}: the configured key can verify none of the accepted algorithms (it verifies: nothing; RSA keys need 2048 bits or more).`,
    ],
    [
      'a JWK whose alg is not accepted',
      {
        ...BASE,
        publicKey: { ...publicKey('rsa').export({ format: 'jwk' }), alg: 'RS512' },
        algorithms: ['RS256'],
      },
      /can verify none of the accepted algorithms/,
    ],
    [
      'a secret as publicKey',
      { ...BASE, publicKey: createSecretKey(Buffer.alloc(32)) },
      /"publicKey" must be a public key/,
    ],
    [
      'a short secret',
      { issuer: ISSUER, audience: AUDIENCE, secret: 'short' },
      /"secret" must be at least 32 bytes long/,
    ],
    [
      'an http JWKS',
      { issuer: ISSUER, audience: AUDIENCE, jwksUri: 'http://as.example.com/jwks' },
      `${F}: "jwksUri" must use https: (http: is allowed only on loopback hosts).`,
    ],
    [
      'jwksOptions without jwksUri',
      { ...BASE, jwksOptions: {} },
      `${F}: "jwksOptions" has no effect without "jwksUri"; remove it.`,
    ],
    [
      'a misspelled jwksOptions key',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://as/jwks',
        jwksOptions: { timout: 1 },
      },
      /unknown option "timout"\. Did you mean "timeout"\?/,
    ],
    [
      'a zero JWKS timeout',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://as/jwks',
        jwksOptions: { timeout: 0 },
      },
      `${F}: "jwksOptions.timeout" must be an integer ≥ 1.`,
    ],
    [
      'a JWKS agent that is not one',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://as/jwks',
        jwksOptions: { agent: {} },
      },
      `${F}: "jwksOptions.agent" must be an http.Agent or https.Agent.`,
    ],
    [
      'JWKS headers that are not strings',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://as/jwks',
        jwksOptions: { headers: { a: 1 } },
      },
      `${F}: "jwksOptions.headers" must be an object of string header values.`,
    ],
    [
      'JWKS headers that are an array',
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://as/jwks',
        jwksOptions: { headers: ['a'] },
      },
      `${F}: "jwksOptions.headers" must be an object of string header values.`,
    ],
    ['an empty typ', { ...BASE, typ: '' }, `${F}: "typ" must be a non-empty string.`],
    [
      'a negative clockTolerance',
      { ...BASE, clockTolerance: -1 },
      `${F}: "clockTolerance" must be an integer ≥ 0.`,
    ],
    [
      'a zero maxTokenAge',
      { ...BASE, maxTokenAge: 0 },
      `${F}: "maxTokenAge" must be an integer ≥ 1.`,
    ],
    [
      'a fractional cacheMaxTtl',
      { ...BASE, cacheMaxTtl: 1.5 },
      `${F}: "cacheMaxTtl" must be an integer ≥ 1.`,
    ],
    [
      'requiredClaims with an empty name',
      { ...BASE, requiredClaims: [''] },
      `${F}: "requiredClaims" must be a non-empty string or array of strings.`,
    ],
    [
      'a non-boolean allowUnboundTokens',
      { ...BASE, allowUnboundTokens: 1 },
      `${F}: "allowUnboundTokens" must be a boolean.`,
    ],
    [
      'a realm that is not a string',
      { ...BASE, realm: 5 },
      `${F}: "realm" must be a non-empty string.`,
    ],
    [
      'introspection that is not an object',
      { introspection: 'https://as/introspect' },
      `${F}: "introspection" must be an object ({ endpoint, clientId, … }).`,
    ],
    [
      'introspection that is an array',
      { introspection: [] },
      `${F}: "introspection" must be an object ({ endpoint, clientId, … }).`,
    ],
    [
      'introspection without clientId',
      { introspection: { endpoint: INTRO.endpoint } },
      `${F}: "introspection.clientId" is required.`,
    ],
    [
      'introspection without endpoint',
      { introspection: { clientId: 'rs' } },
      `${F}: "introspection.endpoint" must be an absolute URL.`,
    ],
    [
      'an http introspection endpoint',
      { introspection: { ...INTRO, endpoint: 'http://as.example.com/i' } },
      `${F}: "introspection.endpoint" must use https: (http: is allowed only on loopback hosts).`,
    ],
    [
      'a misspelled introspection key',
      { introspection: { ...INTRO, clientSecrett: 'x' } },
      /unknown option "clientSecrett"\. Did you mean "clientSecret"\?/,
    ],
    [
      'an empty introspection secret',
      { introspection: { ...INTRO, clientSecret: '' } },
      `${F}: "introspection.clientSecret" must be a non-empty string.`,
    ],
    [
      'algorithms with introspection',
      { introspection: INTRO, algorithms: ['RS256'] },
      `${F}: "algorithms" has no effect with "introspection"; remove it.`,
    ],
    [
      'typ with introspection',
      { introspection: INTRO, typ: 'at+jwt' },
      `${F}: "typ" has no effect with "introspection"; remove it.`,
    ],
  ];

  it.each(hostile)('throws a TypeError for %s', (_name, options, message) => {
    expect(() => requireCertificateBoundToken(options as never)).toThrow(TypeError);
    expect(() => requireCertificateBoundToken(options as never)).toThrow(message);
  });
});
