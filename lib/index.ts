/**
 * express-mtls: Express middlewares for mutual TLS behind reverse proxies — forwarded client
 * certificates, certificate client authentication and certificate-bound access tokens.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705 | RFC 8705}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440 | RFC 9440}
 * @packageDocumentation
 */
import './request-types';

export {
  ClientCertificate,
  CertificateParseError,
  thumbprint,
  confirmationClaim,
  type CertificateInput,
  type CertificateSource,
  type CertificateExtension,
  type ClientCertificateInit,
  type SubjectAltNames,
} from './certificate';
export type { NameAttribute, RelativeDistinguishedName } from './distinguished-name';
export {
  MtlsError,
  HeaderMalformedError,
  HeaderDuplicateError,
  HeaderTooLargeError,
  ChainTooLongError,
  CertificateRequiredError,
  CertificateUntrustedError,
  InvalidClientError,
  TokenMissingError,
  InvalidRequestError,
  InvalidTokenError,
  InsufficientScopeError,
  InvalidDpopProofError,
  UseDpopNonceError,
  UnavailableError,
  MisconfiguredError,
  isMtlsError,
  bearerChallenge,
  type MtlsErrorCode,
  type MtlsErrorBody,
  type MtlsErrorOptions,
  type CertificateRejectionReason,
  type CredentialMissingReason,
  type TokenRejectionReason,
  type HeaderMalformedReason,
  type InvalidClientReason,
  type DpopProofRejectionReason,
  type UnavailableReason,
  type BearerChallenge,
  type BearerErrorOptions,
  type DpopErrorOptions,
} from './errors';
export { errorDocsUrl, ERRORS_DOCS_URL, type MtlsWarningCode } from './errors-docs';
export { mtlsErrorHandler } from './error-handler';
export {
  DIAGNOSTICS_CHANNELS,
  type DiagnosticsChannelName,
  type MiddlewareName,
  type DecisionOutcome,
  type DependencyName,
  type CacheName,
} from './diagnostics';
export {
  instrumentMtls,
  METRIC_NAMES,
  type InstrumentMtlsOptions,
  type MtlsInstrumentation,
  type MeterProviderLike,
  type TracerProviderLike,
} from './observability/instrument';
export { auditMtls, type AuditMtlsOptions, type MtlsSubscription } from './observability/audit';
export type { AuditRecord } from './audit-record';
export { clientCertificate } from './forwarding/client-certificate';
export type {
  ClientCertificateOptions,
  CertificateFormat,
  CustomFormat,
  ProxyVerificationOptions,
  ProxyVerificationValue,
} from './forwarding/client-certificate-options';
export {
  encodeForwardedCertificate,
  type EncodeForwardedCertificateOptions,
} from './forwarding/encode-forwarded-certificate';
export type { BuiltInFormat } from './forwarding/formats';
export type { TrustProxyFunction, TrustProxyOption } from './forwarding/trust-proxy';
export { requireCertificateBoundToken } from './binding/require-certificate-bound-token';
export type {
  CertificateBoundTokenOptions,
  IntrospectionOptions,
  JwksOptions,
} from './binding/bound-token-options';
export type { PublicKeyInput, SecretInput, JsonWebKeyInput } from './binding/key-source';
export { requireSenderConstrainedToken } from './binding/require-sender-constrained-token';
export type {
  DpopOptions,
  SenderConstrainedTokenOptions,
} from './binding/sender-constrained-options';
export type { BindingMethod } from './binding/decide-binding';
export type { DpopNonceOptions } from './dpop/nonce';
export { requireScopes } from './binding/require-scopes';
export {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  type SenderConstraintMethod,
} from './binding/protected-resource-metadata';
export type { ReplayStore } from './dpop/replay-store';
export { memoryReplayStore, type MemoryReplayStoreOptions } from './dpop/replay-memory';
export {
  redisReplayStore,
  type RedisReplayStoreOptions,
  type NodeRedisClientLike,
  type IoRedisClientLike,
} from './dpop/replay-redis';
export {
  mtlsMetadata,
  MTLS_ENDPOINT_NAMES,
  type MtlsEndpointName,
  type MtlsMetadata,
  type MtlsMetadataOptions,
} from './binding/mtls-metadata';
export {
  mtlsClientAuthentication,
  type MtlsClientAuthenticationOptions,
  type MtlsClientAuthenticationMethod,
  type GetClient,
  type JwksUriOptions,
} from './auth/mtls-client-authentication';
export type { OAuthClientMetadata, JsonWebKeySet } from './auth/client-metadata';
export {
  proxyAssertedIdentity,
  type ProxyAssertedIdentityOptions,
} from './forwarding/proxy-asserted-identity';
export type { ProxyAssertedIdentity } from './forwarding/xfcc-identity';
export {
  requireProxyAssertedIdentity,
  type RequireProxyAssertedIdentityOptions,
} from './auth/require-proxy-asserted-identity';
export {
  certificateSubjectMatches,
  SUBJECT_PARAMETERS,
  type SubjectParameter,
} from './auth/tls-client-auth-subject';
export {
  requireClientCertificate,
  type RequireClientCertificateOptions,
} from './auth/require-client-certificate';
export type {
  SpiffeBundleDocument,
  SpiffeBundleEndpoint,
  SpiffeBundleSource,
  SpiffeOptions,
} from './auth/spiffe-trust';
export type { ThumbprintMatcher, ThumbprintsOption } from './auth/thumbprint-pins';
export {
  createChainValidator,
  type ChainValidator,
  type ChainValidatorOptions,
  type ChainValidateOptions,
  type ChainValidationResult,
  type ChainValidationSuccess,
  type ChainValidationFailure,
  type CertificateCheck,
  type CertificateCheckItem,
  type RevocationOptions,
  type RevocationFetcher,
  type RevocationFetchRequest,
  type CrlInput,
} from './auth/chain';
export type {
  ClientCertificateAuthentication,
  OAuthClientAuthentication,
  CertificateBoundAuth,
} from './request-types';
export type { AccessTokenClaims, TokenConfirmation } from './access-token-claims';
export {
  withAuth,
  withClientCertAuth,
  type CertificateBoundRequest,
  type ClientCertificateRequest,
  type TypedHandler,
} from './typed-handler';
