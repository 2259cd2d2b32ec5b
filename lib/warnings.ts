/**
 * Configuration warnings: every misconfiguration express-mtls can see at run time is reported
 * once per process, with a stable code and a link to its entry in `docs/errors.md`, as a Node
 * process warning (type `ExpressMtlsWarning`) and on the `warning` diagnostics channel.
 *
 * @packageDocumentation
 */
import { DIAGNOSTICS_CHANNELS, publish } from './diagnostics';
import type { WarningCode } from './error-codes';
import { errorDocsUrl } from './errors-docs';

/**
 * The configuration warnings; each code's one-line description is in `WARNING_CODES` and its
 * entry in `docs/errors.md`:
 *
 * - `MTLS_NO_TRUSTED_PROXY`: nothing is trusted, so no certificate header is ever read.
 * - `MTLS_TRUST_PROXY_TOO_BROAD`: the app's `trust proxy` trusts every peer (`true`, a hop
 *   count, a list or function trusting a whole address family), or a `trustProxy` function
 *   does; that is not trust for a certificate header, which is ignored.
 * - `MTLS_DANGEROUSLY_TRUST_ANY_PROXY`: `dangerouslyTrustAnyProxy` is on.
 * - `MTLS_UNTRUSTED_PEER`: a certificate header arrived from a peer that is not a trusted proxy.
 * - `MTLS_WRONG_CERTIFICATE_HEADER`: the configured header never arrives from the proxy, but
 *   another known certificate header does.
 * - `MTLS_FORMAT_MISMATCH`: a header failed to decode in the configured format but decodes in
 *   another one.
 * - `MTLS_NOT_TLS`: `source: 'tls'` on a connection without TLS.
 * - `MTLS_NO_BODY_PARSER`: a middleware that reads `req.body` (`requireCertificateBoundToken()`
 *   with `allowBodyToken`, `mtlsClientAuthentication()`) ran before any body parser.
 * - `MTLS_AUDIT_SINK_FAILED`: an `auditMtls()` sink or `requestId` function threw.
 * - `MTLS_REPLAY_STORE_LOCAL`: DPoP replay protection on a per-process `memoryReplayStore()`.
 * - `MTLS_DPOP_HTU_FROM_HOST`: DPoP `htu` read from `Host`, without `dpop.publicUrl`.
 * - `MTLS_OTEL_NO_PROVIDER`: `instrumentMtls()` found no OpenTelemetry provider.
 */
export type { WarningCode } from './error-codes';

/**
 * The documentation link of a warning code: its entry in `docs/errors.md`, a page shipped in the
 * package and in the repository (relative until the package has a published home).
 */
export function warningUrl(code: WarningCode): string {
  return errorDocsUrl(code);
}

const emitted = new Set<string>();

/**
 * Emits a configuration warning once per process for each `key` (by default the message, which
 * is built from configuration only): as a Node process warning (type `ExpressMtlsWarning`, with
 * `code`, the link appended to the message) and on the `warning` diagnostics channel as
 * `{ code, message, url }`. Pass a `key` when the message holds request data (a peer address), so
 * that requests cannot multiply the warning.
 *
 * @returns whether the warning was emitted now (false: already emitted).
 */
export function warnOnce(code: WarningCode, message: string, key: string = message): boolean {
  const id = `${code}\u0000${key}`;
  if (emitted.has(id)) return false;
  emitted.add(id);
  const url = warningUrl(code);
  process.emitWarning(`${message} See ${url}`, { type: 'ExpressMtlsWarning', code });
  publish(DIAGNOSTICS_CHANNELS.warning, () => ({ code, message, url }));
  return true;
}

/** Whether a warning with this code and key was already emitted in this process. */
export function warned(code: WarningCode, key: string): boolean {
  return emitted.has(`${code}\u0000${key}`);
}

/** Forgets every warning emitted so far (tests only: each test starts a fresh "process"). */
export function forgetWarnings(): void {
  emitted.clear();
}
