/**
 * Where a moment falls in a certificate's validity period, allowing for clock skew. Shared by
 * path validation (each certificate of a path) and revocation (an OCSP responder's certificate).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5 | RFC 5280 §4.1.2.5}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1.3 | RFC 5280 §6.1.3} (a)(2)
 * @packageDocumentation
 */

/** The validity period of a certificate, in milliseconds since the epoch (both ends included). */
export interface ValidityPeriod {
  readonly notBefore: number;
  readonly notAfter: number;
}

/**
 * `valid` when `now` lies in `period` widened by `toleranceMs` on each side, else
 * `not_yet_valid` or `expired`.
 */
export function validityStatus(
  period: ValidityPeriod,
  now: number,
  toleranceMs: number,
): 'valid' | 'not_yet_valid' | 'expired' {
  if (now + toleranceMs < period.notBefore) return 'not_yet_valid';
  if (now - toleranceMs > period.notAfter) return 'expired';
  return 'valid';
}
