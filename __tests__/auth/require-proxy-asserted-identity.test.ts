import type { Request } from 'express';
import {
  decideProxyAssertedIdentity,
  type IdentityPolicy,
} from '../../lib/auth/require-proxy-asserted-identity';
import { CertificateRequiredError, CertificateUntrustedError } from '../../lib/errors';
import type { ProxyAssertedIdentity } from '../../lib/forwarding/xfcc-identity';

const REQ = { marker: 'opaque' } as unknown as Request;

function identity(spiffeId: string | undefined): ProxyAssertedIdentity {
  return { source: 'xfcc', uri: [], dns: [], spiffeId, by: [], proxyHash: 'ab' } as never;
}

const SPIFFE: IdentityPolicy = {
  trustDomains: new Set(['cluster.local']),
  ids: new Set(['spiffe://cluster.local/ns/a/sa/b']),
  allow: undefined,
};

function refusal(result: ReturnType<typeof decideProxyAssertedIdentity>): unknown {
  expect(result.ok).toBe(false);
  return result.ok ? undefined : result.error;
}

describe('decideProxyAssertedIdentity (without Express)', () => {
  it('refuses no identity: 401 identity_missing', () => {
    const error = refusal(decideProxyAssertedIdentity(undefined, SPIFFE, REQ));
    expect(error).toBeInstanceOf(CertificateRequiredError);
    expect(error).toMatchObject({ status: 401, reason: 'identity_missing' });
  });

  it.each([
    ['no SPIFFE ID', undefined],
    ['an invalid SPIFFE ID', 'spiffe://Cluster.local/x'],
    ['another trust domain', 'spiffe://other.local/ns/a/sa/b'],
    ['an unlisted ID', 'spiffe://cluster.local/ns/a/sa/c'],
  ])('refuses %s: 403 identity_not_allowed', (_what, id) => {
    const error = refusal(decideProxyAssertedIdentity(identity(id), SPIFFE, REQ));
    expect(error).toBeInstanceOf(CertificateUntrustedError);
    expect(error).toMatchObject({
      status: 403,
      code: 'ERR_MTLS_CERTIFICATE_UNTRUSTED',
      reason: 'identity_not_allowed',
    });
  });

  it('accepts a listed ID, and any ID of the trust domain without a list', () => {
    const listed = identity('spiffe://cluster.local/ns/a/sa/b');
    expect(decideProxyAssertedIdentity(listed, SPIFFE, REQ)).toEqual({ ok: true, value: listed });
    const other = identity('spiffe://cluster.local/ns/x/sa/y');
    expect(decideProxyAssertedIdentity(other, { ...SPIFFE, ids: undefined }, REQ).ok).toBe(true);
  });

  it('asks allow() last, with the request, and accepts only true', () => {
    const allow = jest.fn<boolean, [ProxyAssertedIdentity, Request]>(() => 1 as never);
    const subject = identity(undefined);
    const policy = { trustDomains: undefined, ids: undefined, allow };
    expect(refusal(decideProxyAssertedIdentity(subject, policy, REQ))).toMatchObject({
      reason: 'identity_not_allowed',
    });
    expect(allow).toHaveBeenCalledWith(subject, REQ);
    allow.mockReturnValue(true);
    expect(decideProxyAssertedIdentity(subject, policy, REQ).ok).toBe(true);
  });

  it('lets a throw from allow() propagate', () => {
    const bug = new Error('allow broke');
    const policy = {
      trustDomains: undefined,
      ids: undefined,
      allow: () => {
        throw bug;
      },
    };
    expect(() => decideProxyAssertedIdentity(identity(undefined), policy, REQ)).toThrow(bug);
  });
});
