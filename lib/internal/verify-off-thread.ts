import { availableParallelism } from 'node:os';

/** The environment variable that switches the thread-pool hops of signature verification. */
export const VERIFY_OFF_THREAD_ENV = 'EXPRESS_MTLS_VERIFY_OFF_THREAD';

/**
 * Whether the signature of a new token (`requireCertificateBoundToken()`) and of a new leaf's
 * first link (`requireClientCertificate()`) is verified on libuv's thread pool rather than on
 * the event loop. The hop frees the event loop for other requests while a second core verifies,
 * but costs CPU of its own (a few µs for a certificate, more for a token): it wins only where a
 * core is spare. `EXPRESS_MTLS_VERIFY_OFF_THREAD`: `on` or `off`; unset or `auto` (the default):
 * on when the process may use more than one core (`os.availableParallelism()`), off on one.
 *
 * @throws {TypeError} for another value of the variable (read when a middleware is created).
 */
export function verifyOffThread(
  factory: string,
  value: string | undefined = process.env[VERIFY_OFF_THREAD_ENV],
  cores: () => number = availableParallelism,
): boolean {
  if (value === undefined || value === '' || value === 'auto') return cores() > 1;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new TypeError(
    `${factory}: ${VERIFY_OFF_THREAD_ENV} must be "on", "off" or "auto" (the default: on with more than one core).`,
  );
}
