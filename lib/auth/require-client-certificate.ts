/**
 * `requireClientCertificate()`: client authentication for any API by the certificate that
 * `clientCertificate()` put on `req.clientCert`, either through a chain to configured trust
 * anchors (PKI) or by a pinned `x5t#S256` thumbprint. The Express adapter of
 * {@link decideClientCertificate}.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6}
 * @packageDocumentation
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ClientCertificate } from '../certificate';
import { startDebugOutput } from '../debug';
import { DIAGNOSTICS_CHANNELS, decisionClock, publish, publishDecision } from '../diagnostics';
import { CertificateRequiredError } from '../errors';
import { escapeUntrusted } from '../internal/sanitize';
import {
  decideClientCertificate,
  peekClientCertificate,
  type CertificateAuthenticationDecision,
} from './certificate-authentication-decision';
import { clientCertificateNotMounted } from './mounted-check';
import {
  compileRequireClientCertificateOptions,
  type RequireClientCertificateOptions,
} from './require-client-certificate-options';

export type { RequireClientCertificateOptions } from './require-client-certificate-options';

const DECIDER = 'requireClientCertificate';

/** `certificate.toJSON()` with its names (client-controlled text) escaped for an event. */
function describeCertificate(certificate: ClientCertificate): Record<string, unknown> {
  const json = certificate.toJSON();
  return { ...json, subject: escapeUntrusted(json.subject), issuer: escapeUntrusted(json.issuer) };
}

/** A refusal that is no verdict on a certificate: a wiring error, or an unexpected throw. */
interface Failure {
  readonly ok: false;
  readonly error: unknown;
  readonly verdict?: undefined;
}

/**
 * Reports one outcome: the decision event, `clientAuthenticated` on success or `clientRejected`
 * for a verdict on the certificate, then `next`.
 */
function report(
  req: Request,
  next: NextFunction,
  started: number,
  decision: CertificateAuthenticationDecision | Failure,
): void {
  if (decision.ok) {
    const auth = decision.value;
    req.clientCertAuth = auth;
    publishDecision(DECIDER, req, started, { authenticated: true });
    publish(DIAGNOSTICS_CHANNELS.clientAuthenticated, () => ({
      method: auth.method,
      certificate: describeCertificate(auth.certificate),
      pathLength: auth.path.length,
    }));
    next();
    return;
  }
  const { verdict, error } = decision;
  if (verdict !== undefined) {
    publish(DIAGNOSTICS_CHANNELS.clientRejected, () => ({
      ...verdict,
      certificate: describeCertificate(verdict.certificate),
    }));
  }
  publishDecision(DECIDER, req, started, { error });
  next(error);
}

/**
 * Requires an accepted client certificate. Mount `clientCertificate()` before it.
 *
 * - Chain method (`trustAnchors`): a path from the certificate, through presented or configured
 *   intermediates, to a trust anchor, every signature verified, validity (with
 *   `clockTolerance`), CA constraints, path length, EKU `clientAuth`, algorithm and key policy,
 *   and optional CRL/OCSP revocation.
 * - Thumbprint method (`thumbprints`): the certificate's `x5t#S256` is pinned.
 * - Both: pins are checked first (cheapest), then the chain; either accepts.
 *
 * On success sets `req.clientCertAuth = { method, certificate, path }`. No certificate → 401
 * `ERR_MTLS_CERTIFICATE_REQUIRED`; not accepted → 403 `ERR_MTLS_CERTIFICATE_UNTRUSTED` with the
 * precise `reason` on the error and on the `clientRejected` diagnostics event (the body stays
 * generic); revocation status unreachable (download failure or timeout, with
 * `onUnknown: 'reject'`) → 503 `ERR_MTLS_UNAVAILABLE`; `clientCertificate()` not mounted → 500
 * `ERR_MTLS_MISCONFIGURED`; a forwarded certificate that cannot be decoded → 400
 * `ERR_MTLS_HEADER_MALFORMED`.
 *
 * @example
 * ```ts
 * app.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
 * app.use('/api', requireClientCertificate({ trustAnchors: [fs.readFileSync('ca.pem', 'utf8')] }));
 * ```
 * @throws {TypeError} on bad options, or when neither `trustAnchors` nor `thumbprints` is given.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6}
 */
export function requireClientCertificate(
  options?: RequireClientCertificateOptions,
): RequestHandler {
  startDebugOutput();
  const settings = compileRequireClientCertificateOptions(options);
  return function requireClientCertificateMiddleware(
    req: Request,
    _res: Response,
    next: NextFunction,
  ): void {
    const started = decisionClock();
    const fail = (error: unknown): void => {
      report(req, next, started, { ok: false, error });
    };
    const unmounted = clientCertificateNotMounted(req, DECIDER);
    if (unmounted !== undefined) {
      fail(unmounted);
      return;
    }
    const certificate = req.clientCert;
    if (!certificate) {
      fail(new CertificateRequiredError({ message: 'no client certificate was presented' }));
      return;
    }
    const cached = peekClientCertificate(certificate, settings);
    if (cached !== undefined) {
      report(req, next, started, cached);
      return;
    }
    decideClientCertificate(certificate, req, settings).then((decision) => {
      report(req, next, started, decision);
    }, fail);
  };
}
