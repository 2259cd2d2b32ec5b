/** The environment variable that switches the thread-pool hops of signature verification. */
export const VERIFY_OFF_THREAD_ENV = 'EXPRESS_MTLS_VERIFY_OFF_THREAD';

/**
 * Whether the signature of a new token (`requireCertificateBoundToken()`) and of a new leaf's
 * first link (`requireClientCertificate()`) is verified on libuv's thread pool rather than on
 * the event loop. `EXPRESS_MTLS_VERIFY_OFF_THREAD`: `on`, or `off` (unset: off). Off by default
 * because the hop was measured to lose: waking an idle pool thread cost about 80 µs of CPU per
 * verification on the development machine (a 2-core VM), more than the 30–35 µs RSA-2048
 * verification it moves, and the cold full stack served fewer requests with it. Turn it on where
 * `npm run bench` shows it winning (cores to spare, cheap thread wake-ups).
 *
 * @throws {TypeError} for another value of the variable (read when a middleware is created).
 */
export function verifyOffThread(
  factory: string,
  value: string | undefined = process.env[VERIFY_OFF_THREAD_ENV],
): boolean {
  if (value === undefined || value === '' || value === 'off') return false;
  if (value === 'on') return true;
  throw new TypeError(
    `${factory}: ${VERIFY_OFF_THREAD_ENV} must be "on" or "off" (the default: off).`,
  );
}
