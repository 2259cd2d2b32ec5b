import { DIAGNOSTICS_CHANNELS, publish } from '../diagnostics';

/** Codes of the configuration warnings `clientCertificate()` emits. */
export type ForwardingWarningCode =
  | 'MTLS_NO_TRUSTED_PROXY'
  | 'MTLS_PERMISSIVE_TRUST_PROXY'
  | 'MTLS_DANGEROUSLY_TRUST_ANY_PROXY'
  | 'MTLS_NOT_TLS';

/**
 * Emits a configuration warning twice over: as a Node process warning (type
 * `ExpressMtlsWarning`, with `code`) and on the `warning` diagnostics channel as
 * `{ code, message }`.
 */
export function warn(code: ForwardingWarningCode, message: string): void {
  process.emitWarning(message, { type: 'ExpressMtlsWarning', code });
  publish(DIAGNOSTICS_CHANNELS.warning, () => ({ code, message }));
}
