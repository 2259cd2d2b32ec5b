import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import { mtlsErrorHandler } from '../../../lib/error-handler';
import { clientCertificate } from '../../../lib/forwarding/client-certificate';
import { requireCertificateBoundToken } from '../../../lib/binding/require-certificate-bound-token';
import type { CertificateBoundTokenOptions } from '../../../lib/binding/bound-token-options';
import { pem, type PkiName } from '../../helpers/fixtures';

/** The header a TLS-terminating nginx sets: `$ssl_client_escaped_cert`. */
export const CERT_HEADER = 'X-SSL-CERT';

/** The value nginx would send for a certificate (URL-escaped PEM). */
export function certHeader(certificate: PkiName | { pem: string }): string {
  return encodeURIComponent(typeof certificate === 'string' ? pem(certificate) : certificate.pem);
}

/** The real front: clientCertificate() reading nginx's header from a loopback proxy. */
export function certificateFront(): RequestHandler {
  return clientCertificate({ format: 'nginx', trustProxy: 'loopback' });
}

/** A resource server under test, and the errors its middlewares passed to `next(err)`. */
export interface ResourceServer {
  readonly app: Express;
  readonly errors: unknown[];
}

/**
 * A resource server: `front` (default: clientCertificate()), requireCertificateBoundToken(options),
 * then `extra` handlers, then a route answering req.auth as JSON, then a recorder of errors and
 * mtlsErrorHandler().
 */
export function resourceServer(
  makeApp: () => Express,
  options: CertificateBoundTokenOptions,
  extra: RequestHandler[] = [],
  front: RequestHandler[] = [certificateFront()],
): ResourceServer {
  const errors: unknown[] = [];
  const app = makeApp();
  if (front.length > 0) app.use(...front);
  app.use(requireCertificateBoundToken(options));
  for (const handler of extra) app.use(handler);
  app.all('/resource', (req, res) => {
    res.json({ auth: req.auth });
  });
  const record: ErrorRequestHandler = (err, _req, _res, next) => {
    errors.push(err);
    next(err);
  };
  app.use(record);
  app.use(mtlsErrorHandler());
  return { app, errors };
}
