import type { Express, RequestHandler } from 'express';
import { ClientCertificate } from '../../../lib/certificate';
import { mtlsErrorHandler } from '../../../lib/error-handler';
import { markCertificateProcessed } from '../../../lib/internal/request-state';
import { requireCertificateBoundToken } from '../../../lib/binding/require-certificate-bound-token';
import type { CertificateBoundTokenOptions } from '../../../lib/binding/bound-token-options';
import { pem, type PkiName } from '../../helpers/fixtures';

/** The header a TLS-terminating nginx sets: `$ssl_client_escaped_cert`. */
export const CERT_HEADER = 'X-SSL-CERT';

/** The value nginx would send for a certificate (URL-escaped PEM). */
export function certHeader(certificate: PkiName | { pem: string }): string {
  return encodeURIComponent(typeof certificate === 'string' ? pem(certificate) : certificate.pem);
}

/**
 * Stand-in for clientCertificate({ format: 'nginx', trustProxy: 'loopback' }) until it is
 * exported: reads the URL-escaped PEM header and marks the request processed.
 */
export function certificateFront(): RequestHandler {
  return function certificateFrontMiddleware(req, _res, next) {
    const value = req.headers['x-ssl-cert'];
    if (typeof value === 'string' && value !== '') {
      req.clientCert = ClientCertificate.from(decodeURIComponent(value));
    }
    markCertificateProcessed(req);
    next();
  };
}

/**
 * A resource server: certificate front, requireCertificateBoundToken(options), then `extra`
 * handlers, then a route answering req.auth as JSON, then mtlsErrorHandler().
 */
export function resourceServer(
  makeApp: () => Express,
  options: CertificateBoundTokenOptions,
  extra: RequestHandler[] = [],
  front: RequestHandler[] = [certificateFront()],
): Express {
  const app = makeApp();
  app.use(...front);
  app.use(requireCertificateBoundToken(options));
  for (const handler of extra) app.use(handler);
  app.all('/resource', (req, res) => {
    res.json({ auth: req.auth });
  });
  app.use(mtlsErrorHandler());
  return app;
}
