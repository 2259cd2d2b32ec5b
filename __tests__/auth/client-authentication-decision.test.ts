import { X509Certificate } from 'node:crypto';
import { CertificateParseError, ClientCertificate } from '../../lib/certificate';
import type { ChainValidator } from '../../lib/auth/chain';
import {
  clientIdFrom,
  decideClientAuthentication,
  type ClientAuthenticationSettings,
  type RegisteredKeySource,
} from '../../lib/auth/client-authentication-decision';
import { compileClientAuthenticationOptions } from '../../lib/auth/client-authentication-options';
import { compileJwks, type RegisteredKeys } from '../../lib/auth/client-jwks';
import type { OAuthClientMetadata } from '../../lib/auth/client-metadata';
import { JwksFetchError } from '../../lib/auth/jwks-uri-fetcher';
import { InvalidClientError, UnavailableError } from '../../lib/errors';
import { pem, X5T_S256 } from '../helpers/fixtures';

const TLS = 'tls_client_auth';
const SELF = 'self_signed_tls_client_auth';
const DN_CLIENT_A = 'CN=client-a,OU=Payments,O=express-mtls tests,C=US';

const clientA = ClientCertificate.from(pem('client-a'));
const clientB = ClientCertificate.from(pem('client-b'));
const selfSigned = ClientCertificate.from(pem('self-signed'));

function jwkOf(certificatePem: string): Record<string, unknown> {
  const x509 = new X509Certificate(certificatePem);
  const jwk = x509.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { ...jwk, x5c: [x509.raw.toString('base64')] };
}

const SELF_SIGNED_KEYS: RegisteredKeys = compileJwks({ keys: [jwkOf(pem('self-signed'))] });
const OTHER_KEYS: RegisteredKeys = compileJwks({ keys: ['junk', jwkOf(pem('client-a'))] });

/** Real options (real chain validator, real inline cache), keys stubbed where a test says. */
function settings(
  overrides: Partial<ClientAuthenticationSettings> = {},
  keys: Partial<RegisteredKeySource> = {},
): ClientAuthenticationSettings {
  const compiled = compileClientAuthenticationOptions({
    getClient: () => undefined,
    trustAnchors: [pem('root-ca')],
    intermediates: [pem('intermediate-ca')],
  });
  return { ...compiled, keys: { ...compiled.keys, ...keys }, ...overrides };
}

function decide(
  metadata: unknown,
  certificate: ClientCertificate | null = clientA,
  s: ClientAuthenticationSettings = settings(),
): ReturnType<typeof decideClientAuthentication> {
  return decideClientAuthentication(
    {
      clientId: 'client',
      metadata: metadata as OAuthClientMetadata,
      certificate: certificate ?? undefined,
    },
    s,
  );
}

async function refused(
  decision: ReturnType<typeof decideClientAuthentication>,
  reason: string,
  status = 401,
): Promise<{ message: string; detail: string | undefined }> {
  const result = await decision;
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('accepted');
  expect(result.error).toBeInstanceOf(status === 401 ? InvalidClientError : UnavailableError);
  expect(result.error).toMatchObject({ reason, status });
  return { message: result.error.message, detail: result.report.detail };
}

describe('clientIdFrom (RFC 8705 §2: client_id in the body)', () => {
  it('accepts a string', () => {
    expect(clientIdFrom('abc', false, 'reject')).toEqual({ ok: true, value: 'abc' });
  });

  it.each([undefined, ''])(
    'skips %p with an Authorization header under otherMethods next',
    (value) => {
      expect(clientIdFrom(value, true, 'next')).toEqual({
        ok: true,
        value: {
          kind: 'skipped',
          detail: 'no client_id in the body; an Authorization header is present',
        },
      });
    },
  );

  it.each([
    [undefined, false, 'next'],
    ['', false, 'next'],
    [undefined, true, 'reject'],
  ] as const)('refuses %p (Authorization %p, %s) as client_id_missing', (value, auth, other) => {
    const result = clientIdFrom(value, auth, other);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({
      code: 'ERR_MTLS_INVALID_CLIENT',
      status: 401,
      reason: 'client_id_missing',
    });
  });

  it.each([[['a', 'b']], [42], [{ id: 'a' }], [null]])('refuses %p as client_id_invalid', (v) => {
    const result = clientIdFrom(v, false, 'reject');
    expect(!result.ok && result.error.reason).toBe('client_id_invalid');
  });
});

describe('decideClientAuthentication: registration and method', () => {
  it.each([undefined, null])('refuses unknown clients (%p): unknown_client', async (metadata) => {
    const { message } = await refused(decide(metadata), 'unknown_client');
    expect(message).toBe('client "client" is not registered');
  });

  it('refuses metadata that is no object: invalid_registration', async () => {
    const { message, detail } = await refused(decide('pki'), 'invalid_registration');
    expect(detail).toBe('getClient returned a non-object');
    expect(message).toBe('client "client": registration unusable: getClient returned a non-object');
  });

  it('skips another method under otherMethods next (absent means client_secret_basic)', async () => {
    const result = await decide({});
    expect(result).toEqual({
      ok: true,
      value: { kind: 'skipped', detail: 'the client uses client_secret_basic' },
      report: { method: 'client_secret_basic' },
    });
  });

  it('refuses another method under otherMethods reject: unsupported_method, escaped', async () => {
    const { message } = await refused(
      decide({ token_endpoint_auth_method: 'private_key_jwt\u2028' }, clientA, {
        ...settings(),
        otherMethods: 'reject',
      }),
      'unsupported_method',
    );
    expect(message).toContain('"private_key_jwt\\u2028"');
  });

  it('refuses a method left out of "methods": method_not_enabled', async () => {
    await refused(
      decide({ token_endpoint_auth_method: SELF }, selfSigned, {
        ...settings(),
        methods: [TLS],
      }),
      'method_not_enabled',
    );
  });

  it('refuses a request without certificate: certificate_missing, no thumbprint', async () => {
    const result = await decide(
      { token_endpoint_auth_method: TLS, tls_client_auth_subject_dn: DN_CLIENT_A },
      null,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.reason).toBe('certificate_missing');
    expect(result.report).toEqual({ method: TLS });
  });
});

describe('decideClientAuthentication: tls_client_auth (RFC 8705 §2.1)', () => {
  const PKI = { token_endpoint_auth_method: TLS, tls_client_auth_subject_dn: DN_CLIENT_A };

  it('accepts a chained certificate carrying the registered subject', async () => {
    const metadata = { ...PKI };
    const result = await decide(metadata);
    expect(result).toEqual({
      ok: true,
      value: {
        kind: 'authenticated',
        clientId: 'client',
        method: TLS,
        certificate: clientA,
        metadata,
        match: 'subject',
      },
      report: {
        method: TLS,
        thumbprint: X5T_S256['client-a'],
        subject: DN_CLIENT_A,
        match: 'subject',
      },
    });
  });

  it('refuses another client of the same CA: subject_mismatch', async () => {
    const { detail } = await refused(decide(PKI, clientB), 'subject_mismatch');
    expect(detail).toBe('certificate does not carry the registered tls_client_auth_subject_dn');
  });

  it('refuses a self-signed certificate: chain:self_signed_not_allowed', async () => {
    await refused(decide(PKI, selfSigned), 'chain:self_signed_not_allowed');
  });

  it('refuses a registration with no subject parameter: incomplete_registration', async () => {
    await refused(decide({ token_endpoint_auth_method: TLS }), 'incomplete_registration');
  });

  it('answers 503 when revocation status is unknown (transient)', async () => {
    const validator: ChainValidator = {
      validate: () =>
        Promise.resolve({
          ok: false,
          reason: 'revocation_unknown',
          detail: 'OCSP responder down',
          transient: true,
          trace: [],
        }),
    };
    const { detail } = await refused(
      decide(PKI, clientA, { ...settings(), validator }),
      'chain:revocation_unknown',
      503,
    );
    expect(detail).toBe('OCSP responder down');
  });

  it('refuses a certificate the validator cannot decode: certificate_malformed', async () => {
    const validator: ChainValidator = {
      validate: () => Promise.reject(new CertificateParseError('bad extension')),
    };
    const { message } = await refused(
      decide(PKI, clientA, { ...settings(), validator }),
      'certificate_malformed',
    );
    expect(message).toBe('client "client": bad extension');
  });

  it('rejects the promise on an unexpected error, untouched', async () => {
    const bug = new RangeError('bug');
    const validator: ChainValidator = { validate: () => Promise.reject(bug) };
    await expect(decide(PKI, clientA, { ...settings(), validator })).rejects.toBe(bug);
  });
});

describe('decideClientAuthentication: self_signed_tls_client_auth (RFC 8705 §2.2)', () => {
  it('accepts a certificate registered in jwks', async () => {
    const result = await decide(
      { token_endpoint_auth_method: SELF, jwks: { keys: [jwkOf(pem('self-signed'))] } },
      selfSigned,
    );
    expect(result.ok && result.value).toMatchObject({
      kind: 'authenticated',
      match: 'certificate',
    });
    expect(result.report).toMatchObject({
      match: 'certificate',
      thumbprint: X5T_S256['self-signed'],
    });
  });

  it.each([
    [{ jwks: { keys: [] }, jwks_uri: 'https://a.test/j' }, 'ambiguous_registration'],
    [{ jwks: null }, 'incomplete_registration'],
    [{ jwks_uri: 42 }, 'invalid_registration'],
  ])('refuses %p: %s', async (registration, reason) => {
    await refused(
      decide({ token_endpoint_auth_method: SELF, ...registration }, selfSigned),
      reason,
    );
  });

  it('refuses a jwks that is not JSON (cyclic): invalid_registration', async () => {
    const keys: unknown[] = [];
    keys.push({ keys });
    const { detail } = await refused(
      decide({ token_endpoint_auth_method: SELF, jwks: { keys } }, selfSigned),
      'invalid_registration',
    );
    expect(detail).toBe('jwks is not JSON');
  });

  it('refuses an unregistered certificate, naming the keys it skipped', async () => {
    const { detail } = await refused(
      decide(
        { token_endpoint_auth_method: SELF, jwks: { keys: ['junk', jwkOf(pem('client-a'))] } },
        selfSigned,
      ),
      'unregistered_certificate',
    );
    expect(detail).toMatch(/^certificate not registered in the client JWK Set \(skipped: .+\)$/);
  });

  describe('jwks_uri', () => {
    const URI = { token_endpoint_auth_method: SELF, jwks_uri: 'https://client.test/jwks' };

    it('accepts from a freshly fetched set without refreshing', async () => {
      const refresh = jest.fn();
      const s = settings(
        {},
        {
          fetch: () => Promise.resolve({ value: SELF_SIGNED_KEYS, fresh: true }),
          refresh,
        },
      );
      const result = await decide(URI, selfSigned, s);
      expect(result.ok).toBe(true);
      expect(refresh).not.toHaveBeenCalled();
    });

    it('refreshes a cached set that lacks the certificate, then accepts', async () => {
      const refresh = jest.fn(() => Promise.resolve(SELF_SIGNED_KEYS));
      const s = settings(
        {},
        {
          fetch: () => Promise.resolve({ value: OTHER_KEYS, fresh: false }),
          refresh,
        },
      );
      const result = await decide(URI, selfSigned, s);
      expect(result.ok && result.value).toMatchObject({ match: 'certificate' });
      expect(refresh).toHaveBeenCalledWith('https://client.test/jwks');
    });

    it('refuses when a refresh is not due: unregistered_certificate', async () => {
      const s = settings(
        {},
        {
          fetch: () => Promise.resolve({ value: compileJwks({ keys: [] }), fresh: false }),
          refresh: () => Promise.resolve(undefined),
        },
      );
      const { detail } = await refused(decide(URI, selfSigned, s), 'unregistered_certificate');
      expect(detail).toBe('certificate not registered in the client JWK Set');
    });

    it('refuses a fresh set that lacks the certificate, without refreshing', async () => {
      const refresh = jest.fn();
      const s = settings(
        {},
        {
          fetch: () => Promise.resolve({ value: OTHER_KEYS, fresh: true }),
          refresh,
        },
      );
      await refused(decide(URI, selfSigned, s), 'unregistered_certificate');
      expect(refresh).not.toHaveBeenCalled();
    });

    it.each(['jwks_uri_unavailable', 'jwks_uri_invalid'] as const)(
      'maps a fetch failure to %s',
      async (reason) => {
        const s = settings(
          {},
          {
            fetch: () => Promise.reject(new JwksFetchError(reason, 'jwks_uri did not return JSON')),
          },
        );
        const { detail, message } = await refused(decide(URI, selfSigned, s), reason);
        expect(detail).toBe('jwks_uri did not return JSON');
        expect(message).toBe('client "client": jwks_uri did not return JSON');
      },
    );
  });
});

describe('compileClientAuthenticationOptions: loadClient (bounded client registry)', () => {
  function load(getClient: (id: string) => unknown, getClientTimeout?: number) {
    return compileClientAuthenticationOptions({
      getClient: getClient as never,
      methods: [SELF],
      getClientTimeout,
    }).loadClient('client\u2028');
  }

  it('resolves to what getClient returns', async () => {
    const metadata = { token_endpoint_auth_method: SELF };
    expect(await load(() => Promise.resolve(metadata))).toEqual({ ok: true, value: metadata });
    expect(await load(() => undefined)).toEqual({ ok: true, value: undefined });
  });

  it('refuses a throw as client_registry_unavailable (503), keeping the cause', async () => {
    const cause = new Error('database down');
    const result = await load(() => {
      throw cause;
    });
    expect(!result.ok && result.error).toMatchObject({
      status: 503,
      reason: 'client_registry_unavailable',
      message: 'getClient failed for client "client\\u2028"',
      cause,
    });
  });

  it('refuses no answer in time as client_registry_timeout (503)', async () => {
    const result = await load(() => new Promise(() => undefined), 5);
    expect(!result.ok && result.error).toMatchObject({
      status: 503,
      reason: 'client_registry_timeout',
      message: 'getClient did not answer within 5 ms (client "client\\u2028")',
    });
  });
});
