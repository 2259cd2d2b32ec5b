import type { Request, RequestHandler } from 'express';
import { toMtlsError } from '../error-mapping';
import { HeaderDuplicateError } from '../errors';
import { booleanOption, checkOptions, integerOption } from '../internal/options';
import { warnOnce } from '../warnings';
import { checkHeaderName } from './header-name';
import { headerLines } from '../internal/header-lines';
import { untrustedPeer } from './request-peer-trust';
import { compileTrustProxy, type TrustProxyOption } from './trust-proxy';
import { readXfccIdentity } from './xfcc-identity';

const FACTORY = 'proxyAssertedIdentity()';

/** Options of {@link proxyAssertedIdentity}. */
export interface ProxyAssertedIdentityOptions {
  /**
   * Which immediate peers may set the header, as for `clientCertificate()`. Default: the app's
   * `trust proxy` setting, unless it trusts every peer (`true`, a hop count), which is no trust.
   */
  readonly trustProxy?: TrustProxyOption | undefined;
  /** Believe the header from every peer. Default `false`. Never in production. */
  readonly dangerouslyTrustAnyProxy?: boolean | undefined;
  /** The header. Default `x-forwarded-client-cert`. */
  readonly header?: string | undefined;
  /**
   * How many trusted proxy hops wrote the header (each appends one element about its own
   * peer); the element believed is the `xfccHops`-th from the right, and the header must hold
   * exactly that many elements. Default `1`.
   */
  readonly xfccHops?: number | undefined;
}

const KNOWN: readonly (keyof ProxyAssertedIdentityOptions)[] = [
  'trustProxy',
  'dangerouslyTrustAnyProxy',
  'header',
  'xfccHops',
];

/**
 * Reads an identity a trusted proxy asserted without a certificate — an identity-only
 * `x-forwarded-client-cert` element such as Istio ambient waypoints write
 * (`By=<waypoint>;Hash=<hex>;URI=spiffe://…`) — into `req.proxyAssertedIdentity`. Opt-in and
 * separate from `clientCertificate()`: it never sets `req.clientCert`, so it never satisfies
 * `requireClientCertificate()` or a certificate-bound token (RFC 8705 §3). The identity is only
 * as good as the proxy's own authentication of its peer. Require it with
 * `requireProxyAssertedIdentity()`.
 *
 * Trust is `clientCertificate()`'s: the header is read only when the immediate TCP peer is a
 * trusted proxy; an inherited `trust proxy` of `true` or a hop count is no trust
 * (`MTLS_TRUST_PROXY_TOO_BROAD`), none at all warns `MTLS_NO_TRUSTED_PROXY`. Elements are read
 * strictly (see {@link readXfccIdentity}): a header that could hold a forged element boundary
 * is `400 ERR_MTLS_HEADER_MALFORMED` (`xfcc_ambiguous`); bad syntax `xfcc_syntax`; a repeated
 * header `400 ERR_MTLS_HEADER_DUPLICATE`.
 *
 * @example
 * app.use(proxyAssertedIdentity({ trustProxy: '10.0.0.0/8' }));
 *
 * @throws {TypeError} at creation, for invalid options.
 * @see {@link https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert | Envoy: x-forwarded-client-cert}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3} (binding needs a certificate)
 */
export function proxyAssertedIdentity(options?: ProxyAssertedIdentityOptions): RequestHandler {
  const given = checkOptions(FACTORY, options, KNOWN);
  if (given.trustProxy !== undefined && given.dangerouslyTrustAnyProxy === true) {
    throw new TypeError(
      `${FACTORY}: use either "trustProxy" or "dangerouslyTrustAnyProxy", not both.`,
    );
  }
  const trustAnyProxy = booleanOption(
    FACTORY,
    'dangerouslyTrustAnyProxy',
    given.dangerouslyTrustAnyProxy,
    false,
  );
  const config = {
    trustAnyProxy,
    trust:
      given.trustProxy === undefined ? undefined : compileTrustProxy(FACTORY, given.trustProxy),
  };
  const header = checkHeaderName(FACTORY, 'header', given.header) ?? 'x-forwarded-client-cert';
  const hops = integerOption(FACTORY, 'xfccHops', given.xfccHops, 1, 1);
  if (trustAnyProxy) {
    warnOnce(
      'MTLS_DANGEROUSLY_TRUST_ANY_PROXY',
      `${FACTORY}: dangerouslyTrustAnyProxy is on: the ${header} header is believed from ` +
        `every peer. Anyone who can reach this app directly can claim any identity.`,
    );
  }

  function trusted(req: Request): boolean {
    const untrusted = untrustedPeer(req, config);
    if (untrusted === undefined) return true;
    if (untrusted === 'untrusted_peer') return false;
    warnOnce(
      untrusted === 'trust_proxy_too_broad'
        ? 'MTLS_TRUST_PROXY_TOO_BROAD'
        : 'MTLS_NO_TRUSTED_PROXY',
      `${FACTORY}: ${
        untrusted === 'trust_proxy_too_broad'
          ? "the app's 'trust proxy' setting trusts every peer, which is no reason to believe"
          : 'no trusted proxy is configured, so nobody may set'
      } the ${header} header: req.proxyAssertedIdentity stays undefined. Set trustProxy to ` +
        `your proxy's address (for example 'loopback' or '10.0.0.0/8').`,
    );
    return false;
  }

  return function proxyAssertedIdentityMiddleware(req, _res, next): void {
    req.proxyAssertedIdentity = undefined;
    if (!trusted(req)) {
      next();
      return;
    }
    const lines = headerLines(req, header);
    if (lines === undefined || lines.length === 0 || lines[0] === '') {
      next();
      return;
    }
    if (lines.length > 1) {
      next(
        new HeaderDuplicateError({
          message: `the ${header} header appears ${lines.length} times; the proxy must overwrite it`,
        }),
      );
      return;
    }
    try {
      req.proxyAssertedIdentity = readXfccIdentity(lines[0] as string, hops);
    } catch (error) {
      next(toMtlsError(error, { site: 'certificate_source', label: `${header} header` }));
      return;
    }
    next();
  };
}
