/**
 * The one "was `clientCertificate()` mounted?" check of the middlewares that read
 * `req.clientCert`: without it, a missing middleware would look like an anonymous client.
 *
 * @packageDocumentation
 */
import { MisconfiguredError } from '../errors';
import { errorDocsUrl } from '../errors-docs';
import { wasCertificateProcessed } from '../internal/request-state';

/** A middleware that needs `clientCertificate()` in front of it. */
export type CertificateConsumer =
  | 'requireClientCertificate'
  | 'mtlsClientAuthentication'
  | 'requireCertificateBoundToken'
  | 'requireSenderConstrainedToken';

/**
 * `undefined` when `clientCertificate()` processed `req` (with or without a certificate);
 * otherwise the `MisconfiguredError` (500) that names `middleware`, the fix and its docs entry.
 */
export function clientCertificateNotMounted(
  req: object,
  middleware: CertificateConsumer,
): MisconfiguredError | undefined {
  if (wasCertificateProcessed(req)) return undefined;
  return new MisconfiguredError(
    `${middleware}(): clientCertificate() did not run for this request, so a missing ` +
      `certificate cannot be told from a missing middleware. Mount clientCertificate() before ` +
      `${middleware}() (mount app.use(clientCertificate({ format, trustProxy })) ahead of it). ` +
      `See ${errorDocsUrl('ERR_MTLS_MISCONFIGURED')}.`,
  );
}
