import { DIAGNOSTICS_CHANNELS, publish } from '../diagnostics';

/**
 * Codes of the configuration warnings: `clientCertificate()`'s, and `MTLS_NO_BODY_PARSER` from
 * the middlewares that read `req.body` (`requireCertificateBoundToken()` with `allowBodyToken`,
 * `mtlsClientAuthentication()`) when no body parser ran before them.
 */
export type ForwardingWarningCode =
  | 'MTLS_NO_TRUSTED_PROXY'
  | 'MTLS_PERMISSIVE_TRUST_PROXY'
  | 'MTLS_DANGEROUSLY_TRUST_ANY_PROXY'
  | 'MTLS_NOT_TLS'
  | 'MTLS_NO_BODY_PARSER';

/**
 * Emits a configuration warning twice over: as a Node process warning (type
 * `ExpressMtlsWarning`, with `code`) and on the `warning` diagnostics channel as
 * `{ code, message }`.
 */
export function warn(code: ForwardingWarningCode, message: string): void {
  process.emitWarning(message, { type: 'ExpressMtlsWarning', code });
  publish(DIAGNOSTICS_CHANNELS.warning, () => ({ code, message }));
}
