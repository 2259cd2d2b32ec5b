/**
 * The one place where an error of the pure code becomes the {@link MtlsError} a middleware passes
 * to `next(err)`. The pure code throws domain errors that know no HTTP (`DerError`, `PemError`,
 * `ForwardedCertificateError`, `ClientRegistrationError`, all `DomainError`s) and
 * `CertificateParseError`; each adapter's catch site calls {@link toMtlsError} with where it
 * stands, and gets the status, code and reason every other adapter would give for that site.
 *
 * @packageDocumentation
 */
import { CertificateParseError } from './certificate';
import { HEADER_MALFORMED_REASONS, INVALID_CLIENT_REASONS } from './error-codes';
import { ChainTooLongError, HeaderMalformedError, InvalidClientError } from './errors';
import { DomainError } from './internal/domain-error';

/**
 * Where the error was caught, which decides what it means for the client:
 *
 * - `certificate_source`: decoding where a certificate comes from, a forwarded header or the TLS
 *   peer (`label` names it in the message): 400 `ERR_MTLS_HEADER_MALFORMED` with the decoder's
 *   reason, or `ERR_MTLS_CHAIN_TOO_LONG`;
 * - `certificate`: reading a certificate a middleware already holds: 400
 *   `ERR_MTLS_HEADER_MALFORMED` without a reason;
 * - `client_authentication`: RFC 8705 §2 client authentication of `client` (already quoted for
 *   logs): 401 `ERR_MTLS_INVALID_CLIENT`.
 */
export type ErrorSite =
  | { readonly site: 'certificate_source'; readonly label: string }
  | { readonly site: 'certificate' }
  | { readonly site: 'client_authentication'; readonly client: string };

/** The defects of certificate bytes: a parse error, or a DER or PEM structure error. */
function isCertificateDefect(error: unknown): error is Error {
  return (
    error instanceof CertificateParseError ||
    (error instanceof DomainError && (error.kind === 'der' || error.kind === 'pem'))
  );
}

/** Whether `reason` is a key of `table` (checked at run time: a domain error's reason is data). */
function isReasonOf<T extends Readonly<Record<string, string>>>(
  table: T,
  reason: unknown,
): reason is keyof T & string {
  return typeof reason === 'string' && Object.hasOwn(table, reason);
}

function certificateSource(error: unknown, label: string): unknown {
  if (error instanceof DomainError && error.kind === 'forwarded_certificate') {
    if (error.reason === 'chain_too_long') {
      return new ChainTooLongError({ message: `${label}: ${error.message}` });
    }
    return new HeaderMalformedError({
      message: `${label}: ${error.message}`,
      reason: isReasonOf(HEADER_MALFORMED_REASONS, error.reason) ? error.reason : undefined,
      cause: error.cause,
    });
  }
  if (isCertificateDefect(error)) {
    return new HeaderMalformedError({
      message: `${label}: ${error.message}`,
      reason: 'not_a_certificate',
      cause: error,
    });
  }
  return error;
}

function clientAuthentication(error: unknown, client: string): unknown {
  if (error instanceof DomainError && error.kind === 'client_jwks') {
    const reason =
      error.reason === 'jwks_uri_invalid' ? 'jwks_uri_invalid' : 'jwks_uri_unavailable';
    return new InvalidClientError(reason, {
      message: `client ${client}: ${error.message}`,
      cause: error,
    });
  }
  if (error instanceof DomainError && error.kind === 'client_registration') {
    const reason =
      isReasonOf(INVALID_CLIENT_REASONS, error.reason) && error.reason !== 'chain'
        ? error.reason
        : 'invalid_registration';
    return new InvalidClientError(reason, {
      message: `client ${client}: registration unusable: ${error.message}`,
      cause: error,
    });
  }
  if (isCertificateDefect(error)) {
    return new InvalidClientError('certificate_malformed', {
      message: `client ${client}: ${error.message}`,
      cause: error,
    });
  }
  return error;
}

/**
 * Maps an error caught by a middleware to the {@link MtlsError} for the client, by where it was
 * caught (see {@link ErrorSite}). A domain error whose `reason` is not one of the target's reasons
 * falls back to the site's generic reason (never to a 5xx, never to the raw text as a reason). Any
 * other value (an `MtlsError` from a hook, a bug) is returned unchanged, for `next(err)`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-2 | RFC 9440 §2} (header decoding)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2} (client authentication)
 */
export function toMtlsError(error: unknown, where: ErrorSite): unknown {
  switch (where.site) {
    case 'certificate_source':
      return certificateSource(error, where.label);
    case 'client_authentication':
      return clientAuthentication(error, where.client);
    case 'certificate':
      return isCertificateDefect(error)
        ? new HeaderMalformedError({
            message: `the client certificate cannot be decoded: ${error.message}`,
            cause: error,
          })
        : error;
  }
}
