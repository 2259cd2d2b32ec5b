import { MTLS_ENDPOINT_NAMES, mtlsMetadata } from '../../lib/binding/mtls-metadata';

const F = 'mtlsMetadata()';

describe('mtlsMetadata (RFC 8705 §3.3, §5)', () => {
  it('builds absolute aliases on the mTLS host', () => {
    expect(
      mtlsMetadata({
        issuer: 'https://server.example.com',
        mtlsBaseUrl: 'https://mtls.example.com',
        endpoints: {
          token_endpoint: '/token',
          revocation_endpoint: '/revo',
          introspection_endpoint: '/introspect',
        },
      }),
    ).toEqual({
      tls_client_certificate_bound_access_tokens: true,
      mtls_endpoint_aliases: {
        token_endpoint: 'https://mtls.example.com/token',
        revocation_endpoint: 'https://mtls.example.com/revo',
        introspection_endpoint: 'https://mtls.example.com/introspect',
      },
    });
  });

  it('keeps a base path and port, and allows http on loopback', () => {
    expect(
      mtlsMetadata({
        issuer: 'http://127.0.0.1:4000',
        mtlsBaseUrl: 'https://mtls.example.com:8443/oauth/',
        endpoints: { token_endpoint: '/token', userinfo_endpoint: undefined as never },
      }).mtls_endpoint_aliases,
    ).toEqual({ token_endpoint: 'https://mtls.example.com:8443/oauth/token' });
  });

  it('accepts every endpoint metadata name', () => {
    const endpoints = Object.fromEntries(MTLS_ENDPOINT_NAMES.map((n) => [n, `/${n}`]));
    expect(
      Object.keys(
        mtlsMetadata({ issuer: 'https://a', mtlsBaseUrl: 'https://m', endpoints })
          .mtls_endpoint_aliases,
      ),
    ).toEqual([...MTLS_ENDPOINT_NAMES]);
  });

  const hostile: [string, unknown, string | RegExp][] = [
    ['no options', undefined, `${F}: "issuer" must be an absolute URL.`],
    [
      'a misspelled option',
      { issuer: 'https://a', mtlsBaseURL: 'https://m', endpoints: {} },
      /unknown option "mtlsBaseURL"\. Did you mean "mtlsBaseUrl"\?/,
    ],
    [
      'an http issuer',
      {
        issuer: 'http://as.example.com',
        mtlsBaseUrl: 'https://m',
        endpoints: { token_endpoint: '/t' },
      },
      `${F}: "issuer" must use https: (http: is allowed only on loopback hosts).`,
    ],
    [
      'an issuer with a query',
      { issuer: 'https://a/?x=1', mtlsBaseUrl: 'https://m', endpoints: { token_endpoint: '/t' } },
      `${F}: "issuer" must not contain a query (RFC 8414 §2).`,
    ],
    [
      'an http mTLS host',
      {
        issuer: 'https://a',
        mtlsBaseUrl: 'http://mtls.example.com',
        endpoints: { token_endpoint: '/t' },
      },
      `${F}: "mtlsBaseUrl" must use https: (http: is allowed only on loopback hosts).`,
    ],
    [
      'an mTLS host with a query',
      { issuer: 'https://a', mtlsBaseUrl: 'https://m/?x', endpoints: { token_endpoint: '/t' } },
      `${F}: "mtlsBaseUrl" must not contain a query.`,
    ],
    [
      'a relative mTLS host',
      { issuer: 'https://a', mtlsBaseUrl: 'mtls.example.com', endpoints: { token_endpoint: '/t' } },
      `${F}: "mtlsBaseUrl" must be an absolute URL.`,
    ],
    [
      'no endpoints',
      { issuer: 'https://a', mtlsBaseUrl: 'https://m' },
      `${F}: "endpoints" must be an object such as { token_endpoint: '/token' }.`,
    ],
    [
      'endpoints as an array',
      { issuer: 'https://a', mtlsBaseUrl: 'https://m', endpoints: ['/token'] },
      `${F}: "endpoints" must be an object such as { token_endpoint: '/token' }.`,
    ],
    [
      'empty endpoints',
      { issuer: 'https://a', mtlsBaseUrl: 'https://m', endpoints: {} },
      `${F}: "endpoints" must name at least one endpoint.`,
    ],
    [
      'a non-endpoint name',
      { issuer: 'https://a', mtlsBaseUrl: 'https://m', endpoints: { jwks_uri: '/jwks' } },
      /unknown option "jwks_uri"/,
    ],
    [
      'the authorization endpoint',
      {
        issuer: 'https://a',
        mtlsBaseUrl: 'https://m',
        endpoints: { authorization_endpoint: '/auth' },
      },
      /unknown option "authorization_endpoint"/,
    ],
    [
      'a misspelled endpoint',
      { issuer: 'https://a', mtlsBaseUrl: 'https://m', endpoints: { token_endpont: '/t' } },
      /Did you mean "token_endpoint"\?/,
    ],
    [
      'a relative path',
      { issuer: 'https://a', mtlsBaseUrl: 'https://m', endpoints: { token_endpoint: 'token' } },
      `${F}: endpoints.token_endpoint must be a path starting with "/", without fragment (it is resolved on mtlsBaseUrl).`,
    ],
    [
      'an absolute URL',
      {
        issuer: 'https://a',
        mtlsBaseUrl: 'https://m',
        endpoints: { token_endpoint: 'https://evil/token' },
      },
      /endpoints\.token_endpoint must be a path/,
    ],
    [
      'a protocol-relative URL',
      {
        issuer: 'https://a',
        mtlsBaseUrl: 'https://m',
        endpoints: { token_endpoint: '//evil/token' },
      },
      /endpoints\.token_endpoint must be a path/,
    ],
    [
      'a fragment',
      { issuer: 'https://a', mtlsBaseUrl: 'https://m', endpoints: { token_endpoint: '/t#x' } },
      /endpoints\.token_endpoint must be a path/,
    ],
    [
      'a non-string path',
      { issuer: 'https://a', mtlsBaseUrl: 'https://m', endpoints: { token_endpoint: 1 } },
      /endpoints\.token_endpoint must be a path/,
    ],
  ];

  it.each(hostile)('throws a TypeError for %s', (_name, options, message) => {
    expect(() => mtlsMetadata(options as never)).toThrow(TypeError);
    expect(() => mtlsMetadata(options as never)).toThrow(message);
  });
});
