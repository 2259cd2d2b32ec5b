/**
 * The chain validator: builds and checks a certification path from a client certificate to a
 * configured trust anchor. Pure code (no Express): it takes certificates and returns a result.
 *
 * Shared by `requireClientCertificate()` (chain method), `mtlsClientAuthentication()`
 * (`tls_client_auth`) and tooling that explains a verdict certificate by certificate (`trace`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.1 | RFC 8705 §2.1}
 * @packageDocumentation
 */
export type {
  RevocationOptions,
  RevocationFetcher,
  RevocationFetchRequest,
  CrlInput,
} from '../revocation/types';
export type {
  CertificateCheck,
  CertificateCheckItem,
  ChainValidateOptions,
  ChainValidationFailure,
  ChainValidationResult,
  ChainValidationSuccess,
  ChainValidator,
  ChainValidatorOptions,
} from './types';
export {
  CHAIN_VALIDATOR_OPTION_NAMES,
  createChainValidator,
  peekChainResult,
} from './create-chain-validator';
export {
  CLIENT_AUTH,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  EXTENSION,
  KEY_USAGE,
} from '../../x509/extensions';
export { validityCheck } from './path-checks';
