/**
 * The vocabulary of the error model, as data: every error `code`, every `reason` of each code and
 * every warning code, each with a one-line description. The literal unions are derived from these
 * tables, so a reason cannot exist without a description, and `docs/errors.md` is checked against
 * them by a test (one entry per key). Values only: no classes, no imports, so both `errors.ts` and
 * `errors-docs.ts` build on it without depending on each other.
 *
 * A key ending in a family name (`chain`) stands for the reasons `chain:<reason>`, documented by
 * one entry.
 *
 * @packageDocumentation
 */

/**
 * Every `code` an {@link MtlsError} can carry (and `ERR_MTLS_CERTIFICATE_PARSE`, the code of
 * `CertificateParseError`, which the request middlewares answer as one of the others), with what
 * it means.
 */
export const MTLS_ERROR_CODES = {
  ERR_MTLS_HEADER_MALFORMED: 'the forwarded certificate header cannot be decoded',
  ERR_MTLS_HEADER_DUPLICATE: 'the forwarded certificate header appears more than once',
  ERR_MTLS_HEADER_TOO_LARGE: 'the forwarded certificate header is over maxHeaderBytes',
  ERR_MTLS_CHAIN_TOO_LONG: 'the forwarded chain is over maxChainLength',
  ERR_MTLS_CERTIFICATE_PARSE: 'bytes given to ClientCertificate are not one X.509 certificate',
  ERR_MTLS_CERTIFICATE_REQUIRED: 'no client certificate (or identity) where one is required',
  ERR_MTLS_CERTIFICATE_UNTRUSTED: 'a certificate was presented but is not accepted',
  ERR_MTLS_INVALID_CLIENT: 'token-endpoint client authentication failed',
  ERR_MTLS_TOKEN_MISSING: 'no access token in the request',
  ERR_MTLS_INVALID_REQUEST: 'the request is malformed (a token sent in more than one way)',
  ERR_MTLS_INVALID_TOKEN: 'the access token is invalid, expired or not bound to the sender',
  ERR_MTLS_INSUFFICIENT_SCOPE: 'the access token lacks a required scope',
  ERR_MTLS_INVALID_DPOP_PROOF: 'the DPoP proof is missing or not valid for this request',
  ERR_MTLS_USE_DPOP_NONCE: 'the DPoP proof must carry the nonce the server issued',
  ERR_MTLS_UNAVAILABLE: 'a dependency needed for the decision is down or too slow',
  ERR_MTLS_MISCONFIGURED: 'the middlewares are wired wrongly',
} as const;

/** Every `code` an {@link MtlsError} can carry. Consumers may switch on these strings. */
export type MtlsErrorCode = keyof typeof MTLS_ERROR_CODES;

/**
 * Why the forwarded certificate header could not be decoded (`ERR_MTLS_HEADER_MALFORMED`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-2 | RFC 9440 §2}
 */
export const HEADER_MALFORMED_REASONS = {
  percent_encoding: 'a % not followed by two hex digits in URL-escaped PEM',
  pem: 'no PEM CERTIFICATE block, a block that is not base64, or several where one belongs',
  base64: 'not strict standard base64 with padding',
  structured_field: 'Client-Cert or Client-Cert-Chain is not a valid RFC 8941 byte sequence',
  xfcc_syntax: 'x-forwarded-client-cert does not parse',
  xfcc_duplicate_key: 'an x-forwarded-client-cert element repeats a key',
  xfcc_missing_cert: 'the x-forwarded-client-cert element believed has no Cert or Chain',
  xfcc_ambiguous: 'an x-forwarded-client-cert element does not render its own certificate',
  xfcc_hash_mismatch: 'the Hash of an x-forwarded-client-cert element is not the Cert hash',
  chain_without_leaf: 'a chain header arrived without a leaf certificate header',
  trailing_bytes: 'bytes follow the DER certificate',
  not_a_certificate: 'the bytes decode but are not one X.509 certificate',
  custom_format: 'the custom format function threw',
} as const;

/** Why the forwarded certificate header could not be decoded (`ERR_MTLS_HEADER_MALFORMED`). */
export type HeaderMalformedReason = keyof typeof HEADER_MALFORMED_REASONS;

/**
 * Why a required credential is missing (`ERR_MTLS_CERTIFICATE_REQUIRED`); no reason when the
 * client certificate itself is missing.
 */
export const CREDENTIAL_MISSING_REASONS = {
  identity_missing: 'requireProxyAssertedIdentity() found no proxy-asserted identity',
} as const;

/**
 * Why a required credential is missing (`ERR_MTLS_CERTIFICATE_REQUIRED`): `undefined` when the
 * client certificate is missing, `identity_missing` when `requireProxyAssertedIdentity()` found
 * no proxy-asserted identity.
 */
export type CredentialMissingReason = keyof typeof CREDENTIAL_MISSING_REASONS;

/**
 * Why a presented certificate was not accepted (`ERR_MTLS_CERTIFICATE_UNTRUSTED`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6} (path validation)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 */
export const CERTIFICATE_REJECTION_REASONS = {
  expired: 'a certificate of the path has expired',
  not_yet_valid: 'a certificate of the path is not yet valid',
  unknown_issuer: 'no path to a trust anchor',
  bad_signature: 'a signature of the path does not verify',
  issuer_not_ca: 'an issuer is not a CA (basicConstraints) or may not sign certificates',
  path_length_exceeded: 'a pathLenConstraint is exceeded',
  eku_not_client_auth: 'an extendedKeyUsage of the path excludes clientAuth',
  revoked: 'a certificate of the path is revoked',
  revocation_unknown: 'the revocation status could not be established',
  weak_algorithm: 'a signature uses a weak algorithm',
  weak_key: 'a key is too weak',
  unknown_critical_extension: 'a certificate has a critical extension this library does not know',
  name_constraints: 'a name of the leaf violates a CA name constraint',
  profile_violation: 'a certificate of the path breaks an RFC 5280 profile rule',
  not_pinned: 'the thumbprint is not pinned',
  self_signed_not_allowed: 'a self-signed certificate where only CA-issued ones are allowed',
  spiffe_invalid: 'not a valid X509-SVID',
  spiffe_not_allowed: 'a valid X509-SVID whose ID is not allowed',
  identity_not_allowed: 'the proxy-asserted identity is not allowed',
  rejected: 'refused by authorize, by allowedTypes or by the proxy verdict header',
} as const;

/**
 * Why a presented certificate was not accepted (`ERR_MTLS_CERTIFICATE_UNTRUSTED`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6} (path validation)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 */
export type CertificateRejectionReason = keyof typeof CERTIFICATE_REJECTION_REASONS;

/**
 * Why token-endpoint client authentication failed (`ERR_MTLS_INVALID_CLIENT`). The key `chain`
 * documents the family `chain:<CertificateRejectionReason>`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 */
export const INVALID_CLIENT_REASONS = {
  client_id_missing: 'no client_id in the request body',
  client_id_invalid: 'client_id is not a single string',
  unknown_client: 'getClient knows no such client',
  certificate_missing: 'no client certificate',
  certificate_malformed: "the certificate's subject or SAN extension cannot be decoded",
  chain: 'the tls_client_auth chain was not accepted (chain:<certificate reason>)',
  subject_mismatch: 'the certificate does not match the registered subject',
  unregistered_certificate: 'self-signed: the certificate is not in the registered JWK Set',
  jwks_uri_unavailable: 'self-signed: the registered jwks_uri cannot be fetched',
  jwks_uri_invalid: 'self-signed: the registered jwks_uri answers no usable JWK Set',
  ambiguous_registration: 'two subject parameters, or both jwks and jwks_uri, are registered',
  incomplete_registration: 'no subject parameter, or neither jwks nor jwks_uri, is registered',
  invalid_registration: 'a registered value is malformed',
  method_not_enabled: 'the client uses a method missing from "methods"',
  unsupported_method: 'the client uses a method this endpoint does not accept',
} as const;

/**
 * Why token-endpoint client authentication failed (`ERR_MTLS_INVALID_CLIENT`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 */
export type InvalidClientReason =
  Exclude<keyof typeof INVALID_CLIENT_REASONS, 'chain'> | `chain:${CertificateRejectionReason}`;

/**
 * Why an access token was refused (`ERR_MTLS_INVALID_TOKEN`). These one-liners are also the
 * client-facing `error_description`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 */
export const TOKEN_REJECTION_REASONS = {
  malformed: 'the access token is malformed',
  signature: 'the access token signature is invalid',
  expired: 'the access token expired',
  not_yet_valid: 'the access token is not yet valid',
  issuer: 'the access token issuer is not accepted',
  audience: 'the access token audience is not accepted',
  algorithm: 'the access token algorithm is not accepted',
  type: 'the access token type is not accepted',
  claims: 'the access token lacks required claims',
  too_old: 'the access token is too old',
  inactive: 'the access token is not active',
  unbound: 'the access token is not certificate-bound',
  certificate_missing: 'a client certificate is required for this access token',
  binding_mismatch: 'the client certificate does not match the access token binding',
  scheme_mismatch: 'the access token was sent with the wrong authorization scheme',
} as const;

/**
 * Why an access token was refused (`ERR_MTLS_INVALID_TOKEN`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 §3.1}
 */
export type TokenRejectionReason = keyof typeof TOKEN_REJECTION_REASONS;

/**
 * Why a DPoP proof was refused (`ERR_MTLS_INVALID_DPOP_PROOF`). These one-liners are also the
 * client-facing `error_description`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
 */
export const DPOP_PROOF_REJECTION_REASONS = {
  missing: 'a DPoP proof is required',
  multiple: 'more than one DPoP proof',
  malformed: 'the DPoP proof is malformed',
  type: 'the DPoP proof type is not dpop+jwt',
  algorithm: 'the DPoP proof algorithm is not accepted',
  signature: 'the DPoP proof signature is invalid',
  private_key: 'the DPoP proof key must be a public key',
  htm: 'the DPoP proof is for another HTTP method',
  htu: 'the DPoP proof is for another URL',
  iat: 'the DPoP proof is too old or from the future',
  ath: 'the DPoP proof is for another access token',
  replayed: 'the DPoP proof was already used',
  key_mismatch: 'the DPoP proof key does not match the access token binding',
} as const;

/**
 * Why a DPoP proof was refused (`ERR_MTLS_INVALID_DPOP_PROOF`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
 */
export type DpopProofRejectionReason = keyof typeof DPOP_PROOF_REJECTION_REASONS;

/**
 * Which dependency failed (`ERR_MTLS_UNAVAILABLE`). `<hook>_failed` and `<hook>_timeout` name a
 * hook of `requireClientCertificate()` that threw or did not answer in time; the key `chain`
 * documents `chain:revocation_unknown`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4 | RFC 9110 §15.6.4}
 */
export const UNAVAILABLE_REASONS = {
  jwks_unavailable: 'the JWKS cannot be fetched or is unusable',
  introspection_unavailable: 'the introspection endpoint failed, timed out or answered garbage',
  client_registry_unavailable: 'getClient threw or rejected',
  client_registry_timeout: 'getClient did not answer in time',
  revocation_unknown: 'no revocation source answered',
  chain: 'no revocation source answered for a tls_client_auth chain (chain:revocation_unknown)',
  thumbprints_failed: 'the thumbprints hook threw',
  thumbprints_timeout: 'the thumbprints hook did not answer in time',
  authorize_failed: 'the authorize hook threw',
  authorize_timeout: 'the authorize hook did not answer in time',
  spiffe_bundle_unavailable: 'the SPIFFE trust bundle cannot be loaded',
  spiffe_ids_failed: 'the spiffe.ids hook threw',
  spiffe_ids_timeout: 'the spiffe.ids hook did not answer in time',
  replay_store_unavailable: 'the DPoP replay store failed',
  replay_store_timeout: 'the DPoP replay store did not answer in time',
  replay_store_full: 'the in-memory DPoP replay store is full of unexpired proofs',
} as const;

/** A `requireClientCertificate()` hook whose failure or timeout is an `ERR_MTLS_UNAVAILABLE`. */
export type ClientCertificateHook = 'thumbprints' | 'authorize' | 'spiffe_ids';

/**
 * Which dependency failed (`ERR_MTLS_UNAVAILABLE`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4 | RFC 9110 §15.6.4}
 */
export type UnavailableReason =
  Exclude<keyof typeof UNAVAILABLE_REASONS, 'chain'> | 'chain:revocation_unknown';

/** The configuration warnings (Node process warnings of type `ExpressMtlsWarning`). */
export const WARNING_CODES = {
  MTLS_NO_TRUSTED_PROXY: 'nothing is trusted, so no certificate header is ever read',
  MTLS_TRUST_PROXY_TOO_BROAD: 'trust proxy trusts every peer, which is no trust for a header',
  MTLS_DANGEROUSLY_TRUST_ANY_PROXY: 'dangerouslyTrustAnyProxy is on',
  MTLS_UNTRUSTED_PEER: 'a certificate header arrived from a peer that is not a trusted proxy',
  MTLS_WRONG_CERTIFICATE_HEADER: 'another known certificate header arrives, not the configured one',
  MTLS_FORMAT_MISMATCH: 'the header decodes in another format than the configured one',
  MTLS_NOT_TLS: "source: 'tls' on a connection without TLS",
  MTLS_NO_BODY_PARSER: 'a middleware that reads req.body ran before any body parser',
  MTLS_AUDIT_SINK_FAILED: 'an auditMtls() sink or requestId function threw',
  MTLS_REPLAY_STORE_LOCAL:
    'DPoP replay protection runs on memoryReplayStore(), which protects one process only',
  MTLS_DPOP_HTU_FROM_HOST:
    "DPoP htu is read from the request's Host header because dpop.publicUrl is not set",
  MTLS_OTEL_NO_PROVIDER:
    'instrumentMtls() found no OpenTelemetry meter or tracer provider, so it records nothing',
} as const;

/** Codes of the configuration warnings. */
export type WarningCode = keyof typeof WARNING_CODES;

/**
 * The documented reasons of each code: the keys of its table (a code without reasons has none).
 */
export const REASONS_BY_CODE: Readonly<Record<MtlsErrorCode, Readonly<Record<string, string>>>> = {
  ERR_MTLS_HEADER_MALFORMED: HEADER_MALFORMED_REASONS,
  ERR_MTLS_HEADER_DUPLICATE: {},
  ERR_MTLS_HEADER_TOO_LARGE: {},
  ERR_MTLS_CHAIN_TOO_LONG: {},
  ERR_MTLS_CERTIFICATE_PARSE: {},
  ERR_MTLS_CERTIFICATE_REQUIRED: CREDENTIAL_MISSING_REASONS,
  ERR_MTLS_CERTIFICATE_UNTRUSTED: CERTIFICATE_REJECTION_REASONS,
  ERR_MTLS_INVALID_CLIENT: INVALID_CLIENT_REASONS,
  ERR_MTLS_TOKEN_MISSING: {},
  ERR_MTLS_INVALID_REQUEST: {},
  ERR_MTLS_INVALID_TOKEN: TOKEN_REJECTION_REASONS,
  ERR_MTLS_INSUFFICIENT_SCOPE: {},
  ERR_MTLS_INVALID_DPOP_PROOF: DPOP_PROOF_REJECTION_REASONS,
  ERR_MTLS_USE_DPOP_NONCE: {},
  ERR_MTLS_UNAVAILABLE: UNAVAILABLE_REASONS,
  ERR_MTLS_MISCONFIGURED: {},
};
