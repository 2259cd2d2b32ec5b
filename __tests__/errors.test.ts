import {
  bearerChallenge,
  CertificateRequiredError,
  CertificateUntrustedError,
  ChainTooLongError,
  HeaderDuplicateError,
  HeaderMalformedError,
  HeaderTooLargeError,
  InsufficientScopeError,
  InvalidClientError,
  InvalidRequestError,
  InvalidTokenError,
  isMtlsError,
  MisconfiguredError,
  MtlsError,
  TokenMissingError,
  UnavailableError,
  type TokenRejectionReason,
} from '../lib/errors';

interface Expected {
  readonly name: string;
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly reason: string | undefined;
  readonly message: string;
  readonly body: { error: string; error_description: string };
  readonly headers: Record<string, string>;
}

const CASES: readonly (readonly [() => MtlsError, Expected])[] = [
  [
    () => new HeaderMalformedError(),
    {
      name: 'HeaderMalformedError',
      code: 'ERR_MTLS_HEADER_MALFORMED',
      status: 400,
      expose: true,
      reason: undefined,
      message: 'malformed client certificate header',
      body: { error: 'invalid_request', error_description: 'malformed client certificate header' },
      headers: {},
    },
  ],
  [
    () => new HeaderMalformedError({ reason: 'trailing_bytes' }),
    {
      name: 'HeaderMalformedError',
      code: 'ERR_MTLS_HEADER_MALFORMED',
      status: 400,
      expose: true,
      reason: 'trailing_bytes',
      message: 'malformed client certificate header',
      body: { error: 'invalid_request', error_description: 'malformed client certificate header' },
      headers: {},
    },
  ],
  [
    () => new HeaderDuplicateError(),
    {
      name: 'HeaderDuplicateError',
      code: 'ERR_MTLS_HEADER_DUPLICATE',
      status: 400,
      expose: true,
      reason: undefined,
      message: 'duplicate client certificate header',
      body: { error: 'invalid_request', error_description: 'duplicate client certificate header' },
      headers: {},
    },
  ],
  [
    () => new HeaderTooLargeError(),
    {
      name: 'HeaderTooLargeError',
      code: 'ERR_MTLS_HEADER_TOO_LARGE',
      status: 431,
      expose: true,
      reason: undefined,
      message: 'client certificate header too large',
      body: { error: 'invalid_request', error_description: 'client certificate header too large' },
      headers: {},
    },
  ],
  [
    () => new ChainTooLongError(),
    {
      name: 'ChainTooLongError',
      code: 'ERR_MTLS_CHAIN_TOO_LONG',
      status: 400,
      expose: true,
      reason: undefined,
      message: 'client certificate chain too long',
      body: { error: 'invalid_request', error_description: 'client certificate chain too long' },
      headers: {},
    },
  ],
  [
    () => new CertificateRequiredError(),
    {
      name: 'CertificateRequiredError',
      code: 'ERR_MTLS_CERTIFICATE_REQUIRED',
      status: 401,
      expose: true,
      reason: undefined,
      message: 'client certificate required',
      body: { error: 'unauthorized', error_description: 'client certificate required' },
      headers: {},
    },
  ],
  [
    () => new CertificateUntrustedError('expired'),
    {
      name: 'CertificateUntrustedError',
      code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED',
      status: 403,
      expose: true,
      reason: 'expired',
      message: 'client certificate not accepted: expired',
      body: { error: 'access_denied', error_description: 'client certificate not accepted' },
      headers: {},
    },
  ],
  [
    () => new InvalidClientError('subject_mismatch'),
    {
      name: 'InvalidClientError',
      code: 'ERR_MTLS_INVALID_CLIENT',
      status: 401,
      expose: true,
      reason: 'subject_mismatch',
      message: 'client authentication failed: subject_mismatch',
      body: { error: 'invalid_client', error_description: 'client authentication failed' },
      headers: { 'Cache-Control': 'no-store' },
    },
  ],
  [
    () => new TokenMissingError(),
    {
      name: 'TokenMissingError',
      code: 'ERR_MTLS_TOKEN_MISSING',
      status: 401,
      expose: true,
      reason: undefined,
      message: 'bearer token required',
      body: { error: 'invalid_request', error_description: 'bearer token required' },
      headers: { 'WWW-Authenticate': 'Bearer' },
    },
  ],
  [
    () => new InvalidRequestError('the access token was sent in more than one way'),
    {
      name: 'InvalidRequestError',
      code: 'ERR_MTLS_INVALID_REQUEST',
      status: 400,
      expose: true,
      reason: undefined,
      message: 'the access token was sent in more than one way',
      body: {
        error: 'invalid_request',
        error_description: 'the access token was sent in more than one way',
      },
      headers: {
        'WWW-Authenticate':
          'Bearer error="invalid_request", error_description="the access token was sent in more than one way"',
      },
    },
  ],
  [
    () => new InvalidTokenError('binding_mismatch'),
    {
      name: 'InvalidTokenError',
      code: 'ERR_MTLS_INVALID_TOKEN',
      status: 401,
      expose: true,
      reason: 'binding_mismatch',
      message: 'invalid access token: binding_mismatch',
      body: {
        error: 'invalid_token',
        error_description: 'the client certificate does not match the access token binding',
      },
      headers: {
        'WWW-Authenticate':
          'Bearer error="invalid_token", error_description="the client certificate does not match the access token binding"',
      },
    },
  ],
  [
    () => new InsufficientScopeError(),
    {
      name: 'InsufficientScopeError',
      code: 'ERR_MTLS_INSUFFICIENT_SCOPE',
      status: 403,
      expose: true,
      reason: undefined,
      message: 'the access token lacks a required scope',
      body: {
        error: 'insufficient_scope',
        error_description: 'the access token lacks a required scope',
      },
      headers: {
        'WWW-Authenticate':
          'Bearer error="insufficient_scope", error_description="the access token lacks a required scope"',
      },
    },
  ],
  [
    () => new UnavailableError('jwks_unavailable'),
    {
      name: 'UnavailableError',
      code: 'ERR_MTLS_UNAVAILABLE',
      status: 503,
      expose: false,
      reason: 'jwks_unavailable',
      message: 'a dependency is unavailable: jwks_unavailable',
      body: {
        error: 'temporarily_unavailable',
        error_description: 'service temporarily unavailable',
      },
      headers: { 'Retry-After': '5' },
    },
  ],
  [
    () => new MisconfiguredError('mount clientCertificate() before requireCertificateBoundToken()'),
    {
      name: 'MisconfiguredError',
      code: 'ERR_MTLS_MISCONFIGURED',
      status: 500,
      expose: false,
      reason: undefined,
      message: 'mount clientCertificate() before requireCertificateBoundToken()',
      body: { error: 'server_error', error_description: 'server misconfiguration' },
      headers: {},
    },
  ],
];

describe('the MtlsError hierarchy', () => {
  it.each(CASES.map(([make, expected]) => [expected.name, expected.reason ?? '-', make, expected]))(
    '%s (reason %s): code, status, expose, reason, message, body, headers',
    (_name, _reason, make, expected) => {
      const error = make();
      expect(error).toBeInstanceOf(MtlsError);
      expect(error).toBeInstanceOf(Error);
      expect({
        name: error.name,
        code: error.code,
        status: error.status,
        expose: error.expose,
        reason: error.reason,
        message: error.message,
        body: error.body,
        headers: error.headers,
      }).toEqual(expected);
      expect(error.statusCode).toBe(expected.status);
      expect(error.toJSON()).toEqual({
        name: expected.name,
        code: expected.code,
        status: expected.status,
        reason: expected.reason,
        message: expected.message,
      });
      expect(JSON.parse(JSON.stringify(error))).toEqual(JSON.parse(JSON.stringify(error.toJSON())));
      expect(Object.isFrozen(error.body)).toBe(true);
      expect(Object.isFrozen(error.headers)).toBe(true);
      expect(error.stack).toContain(expected.name);
      expect(isMtlsError(error)).toBe(true);
    },
  );

  it('covers every code', () => {
    expect(new Set(CASES.map(([, e]) => e.code)).size).toBe(13);
  });

  it('takes a log message and a cause', () => {
    const cause = new Error('socket hang up');
    const error = new HeaderMalformedError({ message: 'not base64 at offset 12', cause });
    expect(error.message).toBe('not base64 at offset 12');
    expect(error.cause).toBe(cause);
    expect(error.body.error_description).toBe('malformed client certificate header');
    expect(new HeaderDuplicateError().cause).toBeUndefined();
    expect('cause' in new HeaderDuplicateError()).toBe(false);
  });

  it('lets a message override the reason-derived one', () => {
    expect(new CertificateUntrustedError('revoked', { message: 'serial 0B revoked' }).message).toBe(
      'serial 0B revoked',
    );
    expect(new InvalidClientError('unknown_client', { message: 'm' }).message).toBe('m');
    expect(new InvalidTokenError('expired', { message: 'exp 1700000000' }).message).toBe(
      'exp 1700000000',
    );
    expect(new UnavailableError('jwks_unavailable', { message: 'm' }).message).toBe('m');
  });

  it('merges extra headers over the defaults, copied', () => {
    const headers = { 'Cache-Control': 'private', Vary: 'Client-Cert' };
    const error = new InvalidClientError('unknown_client', { headers });
    expect(error.headers).toEqual({ 'Cache-Control': 'private', Vary: 'Client-Cert' });
    headers.Vary = 'changed';
    expect(error.headers.Vary).toBe('Client-Cert');
    expect(new ChainTooLongError({ headers: { 'X-A': '1' } }).headers).toEqual({ 'X-A': '1' });
    expect(
      new UnavailableError('jwks_unavailable', { headers: { 'Retry-After': '60' } }).headers,
    ).toEqual({
      'Retry-After': '60',
    });
  });

  it.each([
    [30, '30'],
    [0, '0'],
    [undefined, '5'],
    [-1, '5'],
    [1.5, '5'],
    [NaN, '5'],
    [Infinity, '5'],
  ])('UnavailableError with retryAfter %p sends Retry-After %s', (retryAfter, header) => {
    const options = retryAfter === undefined ? {} : { retryAfter };
    expect(new UnavailableError('jwks_unavailable', options).headers['Retry-After']).toBe(header);
  });

  it('keeps 4xx messages exposable and 5xx messages private', () => {
    expect(new MisconfiguredError('secret path /etc/x').expose).toBe(false);
    expect(new CertificateRequiredError().expose).toBe(true);
  });
});

describe('InvalidTokenError (RFC 6750 §3.1, RFC 8705 §3)', () => {
  it.each<[TokenRejectionReason, string]>([
    ['malformed', 'the access token is malformed'],
    ['signature', 'the access token signature is invalid'],
    ['expired', 'the access token expired'],
    ['not_yet_valid', 'the access token is not yet valid'],
    ['issuer', 'the access token issuer is not accepted'],
    ['audience', 'the access token audience is not accepted'],
    ['algorithm', 'the access token algorithm is not accepted'],
    ['type', 'the access token type is not accepted'],
    ['claims', 'the access token lacks required claims'],
    ['too_old', 'the access token is too old'],
    ['inactive', 'the access token is not active'],
    ['unbound', 'the access token is not certificate-bound'],
    ['certificate_missing', 'a client certificate is required for this access token'],
    ['binding_mismatch', 'the client certificate does not match the access token binding'],
  ])('%s: 401 invalid_token with the generic description', (reason, description) => {
    const error = new InvalidTokenError(reason, { realm: 'api' });
    expect(error.status).toBe(401);
    expect(error.reason).toBe(reason);
    expect(error.body).toEqual({ error: 'invalid_token', error_description: description });
    expect(error.headers['WWW-Authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="${description}"`,
    );
  });
});

describe('bearer challenges on the errors', () => {
  it('TokenMissingError carries no error code (RFC 6750 §3.1), only the realm', () => {
    expect(new TokenMissingError({ realm: 'api' }).headers).toEqual({
      'WWW-Authenticate': 'Bearer realm="api"',
    });
  });

  it('InsufficientScopeError names the scope', () => {
    expect(new InsufficientScopeError({ realm: 'api', scope: 'read write' }).headers).toEqual({
      'WWW-Authenticate':
        'Bearer realm="api", scope="read write", error="insufficient_scope", error_description="the access token lacks a required scope"',
    });
  });

  it('InvalidRequestError sanitises its description in the header only', () => {
    const error = new InvalidRequestError('bad "token"\r\n');
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_request", error_description="bad token"',
    );
    expect(error.body.error_description).toBe('bad "token"\r\n');
  });

  it('lets extra headers replace the challenge', () => {
    expect(
      new InvalidTokenError('expired', { headers: { 'WWW-Authenticate': 'DPoP' } }).headers,
    ).toEqual({ 'WWW-Authenticate': 'DPoP' });
  });
});

describe('bearerChallenge (RFC 6750 §3)', () => {
  it('writes parameters in the order realm, scope, error, error_description', () => {
    expect(
      bearerChallenge({
        errorDescription: 'The access token expired',
        error: 'invalid_token',
        scope: 'openid',
        realm: 'example',
      }),
    ).toBe(
      'Bearer realm="example", scope="openid", error="invalid_token", error_description="The access token expired"',
    );
  });

  it('is the bare scheme without parameters', () => {
    expect(bearerChallenge({})).toBe('Bearer');
    expect(bearerChallenge({ realm: undefined, error: undefined })).toBe('Bearer');
  });

  it('keeps empty values', () => {
    expect(bearerChallenge({ realm: '' })).toBe('Bearer realm=""');
  });

  it.each([
    ['double quotes', 'say "hi"', 'say hi'],
    ['backslashes', 'a\\"b', 'ab'],
    ['CR LF (header injection)', 'x\r\nSet-Cookie: a=b', 'xSet-Cookie: a=b'],
    ['a tab', 'a\tb', 'ab'],
    ['NUL and DEL', 'a\0b\x7fc', 'abc'],
    ['non-ASCII', 'café ✓ 𝄞', 'caf  '],
    ['allowed punctuation', "!#$%&'()*+,-./:;<=>?@[]^_`{|}~", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"],
  ])('drops %s from values', (_name, value, kept) => {
    expect(bearerChallenge({ errorDescription: value })).toBe(`Bearer error_description="${kept}"`);
    expect(bearerChallenge({ realm: value, scope: value })).toBe(
      `Bearer realm="${kept}", scope="${kept}"`,
    );
  });
});

describe('isMtlsError', () => {
  it('recognises an instance from a duplicate copy of the package', () => {
    let Other: typeof import('../lib/errors') | undefined;
    jest.isolateModules(() => {
      Other = jest.requireActual<typeof import('../lib/errors')>('../lib/errors');
    });
    const foreign = new (Other as typeof import('../lib/errors')).InvalidTokenError('expired');
    expect(foreign).not.toBeInstanceOf(MtlsError);
    expect(isMtlsError(foreign)).toBe(true);
    expect(
      (Other as typeof import('../lib/errors')).isMtlsError(new CertificateRequiredError()),
    ).toBe(true);
  });

  it('recognises a look-alike Error with the same shape', () => {
    const lookAlike = Object.assign(new Error('x'), {
      code: 'ERR_MTLS_CERTIFICATE_REQUIRED',
      status: 401,
      headers: {},
      body: { error: 'unauthorized', error_description: 'client certificate required' },
    });
    expect(isMtlsError(lookAlike)).toBe(true);
  });

  const shape = {
    code: 'ERR_MTLS_CERTIFICATE_REQUIRED',
    status: 401,
    headers: {},
    body: { error: 'unauthorized', error_description: 'client certificate required' },
  };
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'ERR_MTLS_CERTIFICATE_REQUIRED'],
    ['a plain object with the shape (not an Error)', { ...shape }],
    ['a plain Error', new Error('x')],
    ['an Error with another code', Object.assign(new Error('x'), { ...shape, code: 'ERR_OTHER' })],
    ['an Error with a numeric code', Object.assign(new Error('x'), { ...shape, code: 401 })],
    ['an Error with status 200', Object.assign(new Error('x'), { ...shape, status: 200 })],
    ['an Error with status 600', Object.assign(new Error('x'), { ...shape, status: 600 })],
    ['an Error with status 401.5', Object.assign(new Error('x'), { ...shape, status: 401.5 })],
    ['an Error with a string status', Object.assign(new Error('x'), { ...shape, status: '401' })],
    ['an Error without headers', Object.assign(new Error('x'), { ...shape, headers: undefined })],
    ['an Error with null headers', Object.assign(new Error('x'), { ...shape, headers: null })],
    ['an Error without body', Object.assign(new Error('x'), { ...shape, body: undefined })],
    ['an Error with a null body', Object.assign(new Error('x'), { ...shape, body: null })],
    ['an Error with a string body', Object.assign(new Error('x'), { ...shape, body: 'no' })],
    [
      'an http-errors style error',
      Object.assign(new Error('Unauthorized'), { status: 401, statusCode: 401, expose: true }),
    ],
  ])('refuses %s', (_name, value) => {
    expect(isMtlsError(value)).toBe(false);
  });
});
