import type { MtlsError } from './errors';

/**
 * The one result shape of every pure decision (forwarding, chain or pin, RFC 8705 §2, token
 * binding, DPoP proof): a value, or the typed `MtlsError` the adapter passes to `next(err)`.
 * Decisions take plain values and never see Express; adapters map a result with {@link accept}
 * and {@link reject} and nothing else.
 */
export type Decision<T, E extends MtlsError = MtlsError> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** An accepted decision. */
export function accept<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** A refused decision, carrying the error the adapter reports. */
export function reject<E extends MtlsError>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
