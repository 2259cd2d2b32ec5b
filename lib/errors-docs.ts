/**
 * Where each error code, reason and warning code is explained: one anchor per entry of
 * `docs/errors.md`, so that a log line leads straight to what went wrong and what to do (the
 * convention express-rate-limit follows).
 *
 * @packageDocumentation
 */
import type {
  CertificateRejectionReason,
  CredentialMissingReason,
  MtlsErrorCode,
  TokenRejectionReason,
} from './errors';
import type { WarningCode } from './warnings';

/**
 * The errors reference. The package has no `repository` or `homepage` yet, so links are relative
 * to the repository root; once it has one, this becomes the absolute URL of the same file.
 */
export const ERRORS_DOCS_URL = 'docs/errors.md';

/** Codes of the configuration warnings (Node process warnings of type `ExpressMtlsWarning`). */
export type MtlsWarningCode = WarningCode;

type Listed<T extends string> = Readonly<Record<T, true>>;

const CERTIFICATE_REASONS = {
  expired: true,
  not_yet_valid: true,
  unknown_issuer: true,
  bad_signature: true,
  issuer_not_ca: true,
  path_length_exceeded: true,
  eku_not_client_auth: true,
  revoked: true,
  revocation_unknown: true,
  weak_algorithm: true,
  weak_key: true,
  unknown_critical_extension: true,
  not_pinned: true,
  self_signed_not_allowed: true,
  spiffe_invalid: true,
  spiffe_not_allowed: true,
  identity_not_allowed: true,
  rejected: true,
} as const satisfies Listed<CertificateRejectionReason>;

const TOKEN_REASONS = {
  malformed: true,
  signature: true,
  expired: true,
  not_yet_valid: true,
  issuer: true,
  audience: true,
  algorithm: true,
  type: true,
  claims: true,
  too_old: true,
  inactive: true,
  unbound: true,
  certificate_missing: true,
  binding_mismatch: true,
  scheme_mismatch: true,
} as const satisfies Listed<TokenRejectionReason>;

const CREDENTIAL_REASONS = {
  identity_missing: true,
} as const satisfies Listed<CredentialMissingReason>;

/** The reasons documented under each code (a code whose `reason` is open text lists its own). */
const REASONS: Readonly<Record<MtlsErrorCode, readonly string[]>> = {
  ERR_MTLS_HEADER_MALFORMED: [
    'percent_encoding',
    'pem',
    'base64',
    'structured_field',
    'xfcc_syntax',
    'xfcc_duplicate_key',
    'xfcc_missing_cert',
    'xfcc_ambiguous',
    'xfcc_hash_mismatch',
    'chain_without_leaf',
    'trailing_bytes',
    'not_a_certificate',
    'custom_format',
  ],
  ERR_MTLS_HEADER_DUPLICATE: [],
  ERR_MTLS_HEADER_TOO_LARGE: [],
  ERR_MTLS_CHAIN_TOO_LONG: [],
  ERR_MTLS_CERTIFICATE_REQUIRED: Object.keys(CREDENTIAL_REASONS),
  ERR_MTLS_CERTIFICATE_UNTRUSTED: Object.keys(CERTIFICATE_REASONS),
  ERR_MTLS_INVALID_CLIENT: [
    'client_id_missing',
    'client_id_invalid',
    'unknown_client',
    'certificate_missing',
    'certificate_malformed',
    'chain',
    'subject_mismatch',
    'unregistered_certificate',
    'jwks_uri_unavailable',
    'jwks_uri_invalid',
    'ambiguous_registration',
    'incomplete_registration',
    'invalid_registration',
    'method_not_enabled',
    'unsupported_method',
  ],
  ERR_MTLS_TOKEN_MISSING: [],
  ERR_MTLS_INVALID_REQUEST: [],
  ERR_MTLS_INVALID_TOKEN: Object.keys(TOKEN_REASONS),
  ERR_MTLS_INSUFFICIENT_SCOPE: [],
  ERR_MTLS_UNAVAILABLE: [
    'jwks_unavailable',
    'introspection_unavailable',
    'client_registry_unavailable',
    'client_registry_timeout',
    'revocation_unknown',
    'chain',
    'thumbprints_failed',
    'thumbprints_timeout',
    'authorize_failed',
    'authorize_timeout',
    'spiffe_bundle_unavailable',
    'spiffe_ids_failed',
    'spiffe_ids_timeout',
  ],
  ERR_MTLS_MISCONFIGURED: [],
};

/**
 * Every anchor {@link errorDocsUrl} can produce, by code (the code's own anchor first). Used by
 * the tests that keep `docs/errors.md` complete.
 */
export function errorDocsAnchors(): ReadonlyMap<MtlsErrorCode | MtlsWarningCode, string[]> {
  const anchors = new Map<MtlsErrorCode | MtlsWarningCode, string[]>();
  for (const [code, reasons] of Object.entries(REASONS) as [MtlsErrorCode, readonly string[]][]) {
    const base = code.toLowerCase();
    anchors.set(code, [base, ...reasons.map((reason) => `${base}-${reason}`)]);
  }
  const warnings: Listed<MtlsWarningCode> = {
    MTLS_NO_TRUSTED_PROXY: true,
    MTLS_TRUST_PROXY_TOO_BROAD: true,
    MTLS_DANGEROUSLY_TRUST_ANY_PROXY: true,
    MTLS_UNTRUSTED_PEER: true,
    MTLS_WRONG_CERTIFICATE_HEADER: true,
    MTLS_FORMAT_MISMATCH: true,
    MTLS_NO_BODY_PARSER: true,
    MTLS_AUDIT_SINK_FAILED: true,
    MTLS_NOT_TLS: true,
  };
  for (const code of Object.keys(warnings) as MtlsWarningCode[]) {
    anchors.set(code, [code.toLowerCase()]);
  }
  return anchors;
}

/**
 * The link to the entry that explains an error code (and its `reason`, when that reason has an
 * entry of its own) or a warning code: `docs/errors.md#err_mtls_invalid_token-binding_mismatch`.
 * A reason such as `chain:expired` links to its family (`chain`); a reason without an entry, or
 * a code this version does not know, links to the code's entry or to the top of the page.
 */
export function errorDocsUrl(code: MtlsErrorCode | MtlsWarningCode, reason?: string): string {
  const base = code.toLowerCase();
  const reasons: readonly string[] | undefined = (
    REASONS as Readonly<Record<string, readonly string[] | undefined>>
  )[code];
  if (reasons === undefined && !code.startsWith('MTLS_')) return ERRORS_DOCS_URL;
  const family = reason?.split(':', 1)[0];
  return family !== undefined && reasons?.includes(family) === true
    ? `${ERRORS_DOCS_URL}#${base}-${family}`
    : `${ERRORS_DOCS_URL}#${base}`;
}
