import type { Request } from 'express';
import type { ChainValidator } from '../../lib/auth/chain';
import {
  decideClientCertificate,
  peekClientCertificate,
  type CertificateAuthenticationSettings,
} from '../../lib/auth/certificate-authentication-decision';
import { compileRequireClientCertificateOptions } from '../../lib/auth/require-client-certificate-options';
import type { SpiffeTrust } from '../../lib/auth/spiffe-trust';
import { CertificateParseError, ClientCertificate } from '../../lib/certificate';
import {
  CertificateUntrustedError,
  HeaderMalformedError,
  UnavailableError,
} from '../../lib/errors';
import { pem, X5T_S256 } from '../helpers/fixtures';

const clientA = ClientCertificate.from(pem('client-a'));
const selfSigned = ClientCertificate.from(pem('self-signed'));
const REQ = { marker: 'opaque request' } as unknown as Request;
const FAR_FUTURE = (): Date => new Date('2200-01-01T00:00:00Z');

function settings(
  options: Parameters<typeof compileRequireClientCertificateOptions>[0],
  overrides: Partial<CertificateAuthenticationSettings> = {},
): CertificateAuthenticationSettings {
  return { ...compileRequireClientCertificateOptions(options), ...overrides };
}

const CHAIN = { trustAnchors: [pem('root-ca')], intermediates: [pem('intermediate-ca')] };
const PINS = { thumbprints: [X5T_S256['client-a'], X5T_S256['self-signed']] };

async function refused(
  certificate: ClientCertificate,
  s: CertificateAuthenticationSettings,
  reason: string,
  status = 403,
): Promise<string | undefined> {
  const result = await decideClientCertificate(certificate, REQ, s);
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('accepted');
  expect(result.error).toBeInstanceOf(
    status === 403 ? CertificateUntrustedError : UnavailableError,
  );
  expect(result.error).toMatchObject({ reason, status });
  expect(result.verdict).toMatchObject({ reason, certificate });
  return result.verdict?.detail;
}

async function failed(
  certificate: ClientCertificate,
  s: CertificateAuthenticationSettings,
): Promise<unknown> {
  const result = await decideClientCertificate(certificate, REQ, s);
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('accepted');
  expect(result.verdict).toBeUndefined();
  return result.error;
}

describe('decideClientCertificate: pins (RFC 8705 §3.1 x5t#S256)', () => {
  it('accepts a pinned certificate with the one-element path', async () => {
    const result = await decideClientCertificate(clientA, REQ, settings(PINS));
    expect(result).toEqual({
      ok: true,
      value: { method: 'thumbprint', certificate: clientA, path: [clientA] },
    });
  });

  it('refuses a pinned certificate outside its validity period', async () => {
    const detail = await refused(clientA, settings(PINS, { clock: FAR_FUTURE }), 'expired');
    expect(detail).toMatch(/^pinned certificate /);
  });

  it('accepts it with checkValidity false', async () => {
    const s = settings({ ...PINS, checkValidity: false }, { clock: FAR_FUTURE });
    expect((await decideClientCertificate(clientA, REQ, s)).ok).toBe(true);
  });

  it('refuses an unpinned certificate without a chain method: not_pinned', async () => {
    const detail = await refused(
      clientA,
      settings({ thumbprints: [X5T_S256.server] }),
      'not_pinned',
    );
    expect(detail).toBe(`thumbprint ${X5T_S256['client-a']} is not pinned`);
  });

  it('refuses an unpinned self-signed certificate even with a chain method: not_pinned', async () => {
    await refused(selfSigned, settings({ ...CHAIN, thumbprints: [X5T_S256.server] }), 'not_pinned');
  });

  it('falls back to the chain for an unpinned CA-issued certificate', async () => {
    const s = settings({ ...CHAIN, thumbprints: [X5T_S256.server] });
    const result = await decideClientCertificate(clientA, REQ, s);
    expect(result.ok && result.value.method).toBe('chain');
  });

  it('passes the request to the pin function untouched', async () => {
    const pins = jest.fn(() => true);
    await decideClientCertificate(clientA, REQ, settings({ thumbprints: pins }));
    expect(pins).toHaveBeenCalledWith(X5T_S256['client-a'], clientA, REQ);
  });
});

describe('decideClientCertificate: allowedTypes (RFC 8705 §2.2)', () => {
  it('refuses a self-signed certificate under "chained", even pinned', async () => {
    await refused(
      selfSigned,
      settings({ ...PINS, allowedTypes: 'chained' }),
      'self_signed_not_allowed',
    );
  });

  it('refuses a CA-issued certificate under "selfSigned": rejected', async () => {
    const detail = await refused(
      clientA,
      settings({ ...PINS, allowedTypes: 'selfSigned' }),
      'rejected',
    );
    expect(detail).toBe('CA-issued certificate; allowedTypes is "selfSigned"');
  });

  it('never lets the chain method accept a self-signed certificate', async () => {
    const detail = await refused(selfSigned, settings(CHAIN), 'self_signed_not_allowed');
    expect(detail).toBe('self-signed certificate; pin its thumbprint to accept it');
  });
});

describe('decideClientCertificate: chain (RFC 5280 §6)', () => {
  it('accepts a chained certificate with its path to the anchor', async () => {
    const result = await decideClientCertificate(clientA, REQ, settings(CHAIN));
    expect(result.ok && result.value.method).toBe('chain');
    expect(result.ok && result.value.path.map((c) => c.thumbprint)).toEqual([
      X5T_S256['client-a'],
      X5T_S256['intermediate-ca'],
      X5T_S256['root-ca'],
    ]);
  });

  it('refuses a leaf whose issuer is unknown: unknown_issuer', async () => {
    await refused(clientA, settings({ trustAnchors: [pem('root-ca')] }), 'unknown_issuer');
  });

  it('answers 503 (with a verdict) when revocation status is unknown', async () => {
    const validator: ChainValidator = {
      validate: () =>
        Promise.resolve({
          ok: false,
          reason: 'revocation_unknown',
          detail: 'CRL download failed',
          transient: true,
          trace: [],
        }),
    };
    const detail = await refused(
      clientA,
      settings(CHAIN, { validator }),
      'revocation_unknown',
      503,
    );
    expect(detail).toBe('CRL download failed');
  });

  it('answers a certificate that cannot be decoded with 400, no verdict', async () => {
    const validator: ChainValidator = {
      validate: () => Promise.reject(new CertificateParseError('bad basicConstraints')),
    };
    const error = await failed(clientA, settings(CHAIN, { validator }));
    expect(error).toBeInstanceOf(HeaderMalformedError);
    expect(error).toMatchObject({
      status: 400,
      message: 'the client certificate cannot be decoded: bad basicConstraints',
    });
  });

  it('rejects the promise on an unexpected error, untouched', async () => {
    const bug = new RangeError('bug');
    const validator: ChainValidator = { validate: () => Promise.reject(bug) };
    await expect(
      decideClientCertificate(clientA, REQ, settings(CHAIN, { validator })),
    ).rejects.toBe(bug);
  });
});

describe('decideClientCertificate: hooks (bounded, fail closed)', () => {
  it('refuses what authorize() does not accept with true: rejected', async () => {
    const authorize = jest.fn(() => 'yes' as never);
    const detail = await refused(clientA, settings({ ...PINS, authorize }), 'rejected');
    expect(detail).toBe('authorize() did not return true');
    expect(authorize).toHaveBeenCalledWith(clientA, REQ, {
      method: 'thumbprint',
      certificate: clientA,
      path: [clientA],
    });
  });

  it('accepts what authorize() accepts', async () => {
    const s = settings({ ...PINS, authorize: () => Promise.resolve(true) });
    expect((await decideClientCertificate(clientA, REQ, s)).ok).toBe(true);
  });

  it('does not call authorize() for a refused certificate', async () => {
    const authorize = jest.fn(() => true);
    await refused(selfSigned, settings({ ...CHAIN, authorize }), 'self_signed_not_allowed');
    expect(authorize).not.toHaveBeenCalled();
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('db down');
      },
      'thumbprints_failed',
      'thumbprints threw: db down',
    ],
    [
      'rejects with a string',
      () => Promise.reject(new String('nope') as unknown as Error),
      'thumbprints_failed',
      'thumbprints threw: nope',
    ],
    [
      'hangs',
      () => new Promise<boolean>(() => undefined),
      'thumbprints_timeout',
      'thumbprints did not answer within 5 ms',
    ],
  ])('a pin function that %s is 503 %s, no verdict', async (_, thumbprints, reason, message) => {
    const error = await failed(clientA, settings({ thumbprints, hookTimeout: 5 }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 503, reason, message });
  });

  it('passes an MtlsError thrown by a hook through as it is', async () => {
    const own = new UnavailableError('introspection_unavailable');
    const error = await failed(
      clientA,
      settings({
        ...PINS,
        authorize: () => {
          throw own;
        },
      }),
    );
    expect(error).toBe(own);
  });
});

describe('decideClientCertificate: SPIFFE X509-SVIDs', () => {
  const SVID = { trustDomain: 'example.test', id: 'spiffe://example.test/client-a' };

  function trust(overrides: Partial<SpiffeTrust>): SpiffeTrust {
    return {
      usesBundles: false,
      check: () => ({ ok: true, value: SVID }) as never,
      idsFunction: undefined,
      validator: () => Promise.reject(new Error('unused')),
      ...overrides,
    };
  }

  it('refuses what the SVID rules refuse, before any pin or chain', async () => {
    const pins = jest.fn(() => true);
    const spiffe = trust({
      check: () => ({ ok: false, reason: 'spiffe_invalid', detail: 'no URI SAN' }) as never,
    });
    const detail = await refused(
      clientA,
      settings({ thumbprints: pins }, { spiffe }),
      'spiffe_invalid',
    );
    expect(detail).toBe('no URI SAN');
    expect(pins).not.toHaveBeenCalled();
  });

  it('with bundles, validates against the trust domain bundle', async () => {
    const bundle = settings(CHAIN).validator as ChainValidator;
    const validator = jest.fn(() => Promise.resolve(bundle));
    const s = settings(PINS, { spiffe: trust({ usesBundles: true, validator }) });
    const result = await decideClientCertificate(clientA, REQ, s);
    expect(result.ok && result.value.method).toBe('chain');
    expect(validator).toHaveBeenCalledWith('example.test', expect.any(Number));
  });

  it('refuses an ID the ids function does not accept: spiffe_not_allowed', async () => {
    const ids = jest.fn(() => false);
    const s = settings(PINS, { spiffe: trust({ idsFunction: ids }) });
    const detail = await refused(clientA, s, 'spiffe_not_allowed');
    expect(detail).toBe('spiffe.ids() did not return true for spiffe://example.test/client-a');
    expect(ids).toHaveBeenCalledWith(SVID.id, clientA, REQ);
  });

  it('accepts an ID the ids function accepts, by the pin', async () => {
    const s = settings(PINS, { spiffe: trust({ idsFunction: () => true }) });
    const result = await decideClientCertificate(clientA, REQ, s);
    expect(result.ok && result.value.method).toBe('thumbprint');
  });

  it('does not ask ids() about a certificate no method accepted', async () => {
    const ids = jest.fn(() => true);
    const s = settings({ thumbprints: [X5T_S256.server] }, { spiffe: trust({ idsFunction: ids }) });
    await refused(clientA, s, 'not_pinned');
    expect(ids).not.toHaveBeenCalled();
  });
});

describe('peekClientCertificate: the synchronous answer from a cached chain result', () => {
  it('answers nothing before a validation, then the same frozen decision for the same object', async () => {
    const s = settings(CHAIN);
    const leaf = ClientCertificate.from(pem('client-a'));
    expect(peekClientCertificate(leaf, s)).toBeUndefined();
    const decided = await decideClientCertificate(leaf, REQ, s);
    expect(decided.ok).toBe(true);
    const first = peekClientCertificate(leaf, s);
    expect(first).toEqual(decided);
    expect(peekClientCertificate(leaf, s)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    if (!first?.ok) throw new Error('not accepted');
    expect(Object.isFrozen(first.value)).toBe(true);
    expect(first.value.path[0]).toBe(leaf);
    // another object with the same certificate is not this object: the full decision runs
    expect(peekClientCertificate(ClientCertificate.from(pem('client-a')), s)).toBeUndefined();
  });

  it('answers nothing once the clock is past the end of the path', async () => {
    const s = settings(CHAIN);
    const leaf = ClientCertificate.from(pem('client-a'));
    expect((await decideClientCertificate(leaf, REQ, s)).ok).toBe(true);
    const later = { ...s, now: () => FAR_FUTURE().getTime() };
    expect(peekClientCertificate(leaf, later)).toBeUndefined();
    await refused(leaf, { ...later, clock: FAR_FUTURE }, 'expired');
    const before = { ...s, now: () => new Date('1990-01-01T00:00:00Z').getTime() };
    expect(peekClientCertificate(leaf, before)).toBeUndefined();
  });

  it('leaves pins, spiffe, authorize and self-signed certificates to the full decision', async () => {
    const leaf = ClientCertificate.from(pem('client-a'));
    const chained = settings(CHAIN);
    expect((await decideClientCertificate(leaf, REQ, chained)).ok).toBe(true);
    expect(peekClientCertificate(leaf, chained)).toBeDefined();
    expect(peekClientCertificate(leaf, { ...chained, authorize: () => false })).toBeUndefined();
    expect(
      peekClientCertificate(leaf, {
        ...chained,
        pins: () => false,
      }),
    ).toBeUndefined();
    expect(peekClientCertificate(leaf, { ...chained, spiffe: {} as SpiffeTrust })).toBeUndefined();
    expect(peekClientCertificate(selfSigned, chained)).toBeUndefined();
    expect(peekClientCertificate(leaf, { ...chained, validator: undefined })).toBeUndefined();
  });
});
