/**
 * The base of the errors the pure code throws. A domain error knows no HTTP: it says what was
 * wrong with bytes or values (`kind`, and a machine-readable `reason` where the failure has
 * several causes), and `toMtlsError()` (`lib/error-mapping.ts`) is the one place that turns it
 * into the `MtlsError` a middleware passes to `next(err)`.
 *
 * @packageDocumentation
 */

/**
 * What a domain error is about: `der` (a DER structure), `pem` (a PEM block),
 * `forwarded_certificate` (a forwarded certificate header), `client_registration` (an OAuth
 * client's registered metadata), `client_jwks` (the JWK Set at a client's `jwks_uri`).
 */
export type DomainErrorKind =
  'der' | 'pem' | 'forwarded_certificate' | 'client_registration' | 'client_jwks';

/** An error of the pure code; `message` never holds request bytes. */
export abstract class DomainError<R extends string | undefined = string | undefined> extends Error {
  /** What the error is about; the mapping to `MtlsError` switches on it. */
  abstract readonly kind: DomainErrorKind;
  /** Why, where the failure has several causes. */
  readonly reason: R;

  constructor(reason: R, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}
