/**
 * The registered client metadata `mtlsClientAuthentication()` reads, and the error raised when a
 * client's registration cannot be used. Pure code, no Express.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7591#section-2 | RFC 7591 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2 | RFC 8705 §2.1.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.2.2 | RFC 8705 §2.2.2}
 * @packageDocumentation
 */
import type { InvalidClientReason } from '../error-codes';
import { DomainError } from '../internal/domain-error';

/** A JSON Web Key Set, as registered in `jwks` (RFC 7517 §5). */
export interface JsonWebKeySet {
  /** The keys (RFC 7517 §5); each is checked when the set is compiled. */
  readonly keys: readonly unknown[];
}

/**
 * A client's registered metadata (RFC 7591), as returned by `getClient`. Only the members below
 * are read; any other member is kept as is.
 */
export interface OAuthClientMetadata {
  /**
   * The client's token endpoint authentication method. Absent means `client_secret_basic`
   * (RFC 7591 §2), which this middleware does not handle.
   */
  readonly token_endpoint_auth_method?: string | null | undefined;
  /** `tls_client_auth`: the expected subject distinguished name, in RFC 4514 string form. */
  readonly tls_client_auth_subject_dn?: string | null | undefined;
  /** `tls_client_auth`: an expected `dNSName` subject alternative name. */
  readonly tls_client_auth_san_dns?: string | null | undefined;
  /** `tls_client_auth`: an expected `uniformResourceIdentifier` subject alternative name. */
  readonly tls_client_auth_san_uri?: string | null | undefined;
  /** `tls_client_auth`: an expected `iPAddress` subject alternative name (IPv4 or IPv6 text). */
  readonly tls_client_auth_san_ip?: string | null | undefined;
  /** `tls_client_auth`: an expected `rfc822Name` subject alternative name. */
  readonly tls_client_auth_san_email?: string | null | undefined;
  /** `self_signed_tls_client_auth`: the client's keys, with certificates in `x5c`. */
  readonly jwks?: JsonWebKeySet | null | undefined;
  /** `self_signed_tls_client_auth`: where the client's JWK Set is published (HTTPS). */
  readonly jwks_uri?: string | null | undefined;
  readonly [member: string]: unknown;
}

/**
 * Why a client's registration cannot be used: `ambiguous_registration` (more than one subject
 * parameter, or both `jwks` and `jwks_uri`), `incomplete_registration` (none), or
 * `invalid_registration` (a value of the wrong type or syntax).
 */
export type RegistrationProblem = Extract<
  InvalidClientReason,
  'ambiguous_registration' | 'incomplete_registration' | 'invalid_registration'
>;

/**
 * Thrown by the pure client-authentication code when a client's registered metadata is unusable.
 * It is the operator's problem, not the client's: `toMtlsError()` answers `invalid_client` and the
 * adapter puts `reason` and the message on the error and the diagnostics event.
 */
export class ClientRegistrationError extends DomainError<RegistrationProblem> {
  override readonly name = 'ClientRegistrationError';
  readonly kind = 'client_registration';
}
