/**
 * Remembers which requests `clientCertificate()` has processed, so that later middlewares can
 * tell "no certificate was presented" from "`clientCertificate()` was never mounted" (a
 * configuration error that must not be mistaken for an anonymous client).
 */
const processed = new WeakSet();

/** Marks `req` as processed by `clientCertificate()` (whether or not a certificate was found). */
export function markCertificateProcessed(req: object): void {
  processed.add(req);
}

/** Whether `clientCertificate()` ran for `req`. */
export function wasCertificateProcessed(req: object): boolean {
  return processed.has(req);
}
