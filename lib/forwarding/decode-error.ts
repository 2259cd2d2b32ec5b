/**
 * The error the pure forwarding decoders throw. It knows no HTTP: the Express adapter turns it
 * into `HeaderMalformedError` (400) or `ChainTooLongError` (400), in `toMtlsError()`.
 */
import type { HeaderMalformedReason } from '../error-codes';
import { DomainError } from '../internal/domain-error';

/**
 * Machine-readable causes of a decoding failure (the `reason` of the resulting error).
 *
 * `xfcc_ambiguous`: an `x-forwarded-client-cert` element (the one believed, or one left of it)
 * does not render its own certificate: a `URI`/`DNS`/`Subject` value differs from the
 * certificate's own, or `Hash` is missing. Envoy writes `URI` and `DNS` values unquoted, so a
 * client certificate whose SAN holds `,` `;` or `"` can forge element boundaries; such a header
 * is refused rather than guessed at.
 */
export type DecodeFailureReason = HeaderMalformedReason | 'chain_too_long';

/** Raised by the forwarding decoders; `message` never contains the header value. */
export class ForwardedCertificateError extends DomainError<DecodeFailureReason> {
  override readonly name = 'ForwardedCertificateError';
  readonly kind = 'forwarded_certificate';
}
