import type { Request, RequestHandler } from 'express';
import { CertificateRequiredError, CertificateUntrustedError } from '../errors';
import type { ProxyAssertedIdentity } from '../forwarding/xfcc-identity';
import { accept, reject, type Decision } from '../decision';
import { checkOptions } from '../internal/options';
import { parseSpiffeId } from '../spiffe-id';
import { trustDomainList } from './spiffe-trust-domains';

const FACTORY = 'requireProxyAssertedIdentity()';

/** Options of {@link requireProxyAssertedIdentity}; at least one of `spiffe` and `allow`. */
export interface RequireProxyAssertedIdentityOptions {
  /**
   * Accept only a SPIFFE ID (`identity.spiffeId`) in one of `trustDomains` and, when `ids` is
   * given, equal to one of `ids`. Default: no SPIFFE rule.
   */
  readonly spiffe?:
    | { readonly trustDomains: readonly string[]; readonly ids?: readonly string[] | undefined }
    | undefined;
  /** Accept only when this returns `true` (after the `spiffe` rule). Default: no callback. */
  readonly allow?: ((identity: ProxyAssertedIdentity, req: Request) => boolean) | undefined;
}

/** The compiled policy: pure data and a callback, no Express. */
export interface IdentityPolicy {
  readonly trustDomains: ReadonlySet<string> | undefined;
  readonly ids: ReadonlySet<string> | undefined;
  readonly allow: RequireProxyAssertedIdentityOptions['allow'];
}

/**
 * Decides whether a proxy-asserted identity is accepted: it must exist, then pass the SPIFFE
 * rule and `allow`. `req` only reaches `allow`. A throw from `allow` propagates.
 *
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md | SPIFFE ID §2}
 */
export function decideProxyAssertedIdentity(
  identity: ProxyAssertedIdentity | undefined,
  policy: IdentityPolicy,
  req: Request,
): Decision<ProxyAssertedIdentity, CertificateRequiredError | CertificateUntrustedError> {
  if (identity === undefined) {
    return reject(
      new CertificateRequiredError({
        reason: 'identity_missing',
        message:
          'no proxy-asserted identity (no identity-only header from a trusted proxy, or ' +
          'proxyAssertedIdentity() not mounted)',
      }),
    );
  }
  const notAllowed = (): Decision<never, CertificateUntrustedError> =>
    reject(new CertificateUntrustedError('identity_not_allowed'));
  if (policy.trustDomains !== undefined) {
    const parsed = identity.spiffeId === undefined ? undefined : parseSpiffeId(identity.spiffeId);
    if (parsed?.ok !== true || !policy.trustDomains.has(parsed.value.trustDomain)) {
      return notAllowed();
    }
    if (policy.ids !== undefined && !policy.ids.has(parsed.value.id)) return notAllowed();
  }
  if (policy.allow !== undefined) {
    const verdict: unknown = policy.allow(identity, req);
    if (verdict !== true) return notAllowed();
  }
  return accept(identity);
}

function compileSpiffe(value: unknown): Pick<IdentityPolicy, 'trustDomains' | 'ids'> {
  if (value === undefined) return { trustDomains: undefined, ids: undefined };
  const { trustDomains, ids } = (value ?? {}) as { trustDomains?: unknown; ids?: unknown };
  const domains = trustDomainList(FACTORY, trustDomains);
  if (ids === undefined) return { trustDomains: domains, ids: undefined };
  if (!Array.isArray(ids) || ids.length === 0) {
    throw new TypeError(`${FACTORY}: spiffe.ids must be a non-empty array of SPIFFE IDs.`);
  }
  for (const id of ids as unknown[]) {
    if (typeof id !== 'string' || !parseSpiffeId(id).ok) {
      throw new TypeError(
        `${FACTORY}: spiffe.ids holds an invalid SPIFFE ID (spiffe://<trust domain>/<path>).`,
      );
    }
  }
  return { trustDomains: domains, ids: new Set(ids as string[]) };
}

/**
 * Requires the identity `proxyAssertedIdentity()` read (`req.proxyAssertedIdentity`) and
 * authorizes it by SPIFFE trust domain and ID and/or a callback. It never looks at, and never
 * stands in for, a client certificate: `requireClientCertificate()` and certificate-bound tokens
 * still need `req.clientCert`.
 *
 * Failures go to `next(err)`: no identity → `401 ERR_MTLS_CERTIFICATE_REQUIRED`, reason
 * `identity_missing`; an identity the rules refuse (no valid SPIFFE ID, another trust domain,
 * an unlisted ID, `allow` not returning `true`) → `403 ERR_MTLS_CERTIFICATE_UNTRUSTED`, reason
 * `identity_not_allowed`. An exception thrown by `allow` goes to `next(err)` as it is.
 *
 * @example
 * app.use(proxyAssertedIdentity({ trustProxy: '10.0.0.0/8' }));
 * app.use(requireProxyAssertedIdentity({ spiffe: { trustDomains: ['cluster.local'] } }));
 *
 * @throws {TypeError} at creation, for invalid options or when neither `spiffe` nor `allow` is
 *   given (which would accept any identity: fail closed).
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md | SPIFFE ID §2}
 */
export function requireProxyAssertedIdentity(
  options?: RequireProxyAssertedIdentityOptions,
): RequestHandler {
  const given = checkOptions(FACTORY, options, ['spiffe', 'allow']);
  if (given.allow !== undefined && typeof given.allow !== 'function') {
    throw new TypeError(`${FACTORY}: "allow" must be a function (identity, req) => boolean.`);
  }
  const policy: IdentityPolicy = { ...compileSpiffe(given.spiffe), allow: given.allow };
  if (policy.trustDomains === undefined && policy.allow === undefined) {
    throw new TypeError(
      `${FACTORY}: give "spiffe" ({ trustDomains, ids? }) or "allow", so that not every ` +
        `identity a proxy asserts is accepted.`,
    );
  }
  return function requireProxyAssertedIdentityMiddleware(req, _res, next): void {
    let decision: ReturnType<typeof decideProxyAssertedIdentity>;
    try {
      decision = decideProxyAssertedIdentity(req.proxyAssertedIdentity, policy, req);
    } catch (error) {
      next(error);
      return;
    }
    next(decision.ok ? undefined : decision.error);
  };
}
