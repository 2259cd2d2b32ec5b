/**
 * The chain validator's types, below every module of `chain/` and `revocation/` that uses them,
 * so that no type import runs back up through the `chain/index` facade.
 *
 * @packageDocumentation
 */
import type { CertificateInput, ClientCertificate } from '../../certificate';
import type { CertificateRejectionReason } from '../../errors';
import type { RevocationOptions } from '../revocation/types';

/**
 * Options of {@link createChainValidator}. Every option is read and precomputed once.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1 | RFC 5280 §6.1}
 */
export interface ChainValidatorOptions {
  /**
   * Trusted certificates (PEM text, possibly several blocks, or DER): roots, and optionally
   * intermediates trusted in their own right (a path may end at any of them). Required,
   * non-empty. A certificate presented by the peer is never an anchor.
   */
  readonly trustAnchors: readonly CertificateInput[];
  /** Untrusted CA certificates used only to build paths (as if presented). Default: none. */
  readonly intermediates?: readonly CertificateInput[] | undefined;
  /** Seconds of clock skew tolerated on `notBefore`/`notAfter`. Default: `0`. */
  readonly clockTolerance?: number | undefined;
  /**
   * When a certificate carries an extended key usage, it must contain `id-kp-clientAuth`, and a
   * leaf key usage must allow `digitalSignature` or `keyAgreement` (OpenSSL's `sslclient`
   * purpose). Default: `true`.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.12 | RFC 5280 §4.2.1.12}
   */
  readonly requireClientAuthEku?: boolean | undefined;
  /** Revocation checking (CRL / OCSP). Default: off. */
  readonly revocation?: RevocationOptions | undefined;
  /** Validation results kept (keyed by leaf and presented chain). `0` disables. Default: `1000`. */
  readonly cacheSize?: number | undefined;
  /** Longest time, in seconds, a result is kept (never past a certificate's `notAfter`). Default: `300`. */
  readonly cacheTtl?: number | undefined;
  /**
   * Most intermediate CAs between the leaf and the anchor, self-issued ones (key rollover) not
   * counted, as RFC 5280 §6.1.4(l) does not count them; with at most 4 more in all. Default: `8`.
   * Whatever its value, one
   * validation tries at most 256 issuer candidates and verifies at most 32 signatures; a search
   * that needs more is refused with `unknown_issuer`.
   */
  readonly maxPathDepth?: number | undefined;
  /** Smallest RSA modulus accepted, in bits, on every certificate of the path. Default: `2048`. */
  readonly minRsaKeyBits?: number | undefined;
  /** The clock. Default: `() => new Date()`. */
  readonly clock?: (() => Date) | undefined;
}

/** One check applied to one certificate, for explanations (`name` e.g. `'signature'`). */
export interface CertificateCheckItem {
  /**
   * What was checked: `'self-signed'`, `'issuer'`, `'signature'`, `'validity'`, `'algorithm'`,
   * `'key'`, `'critical-extensions'`, `'ca'`, `'path-length'`, `'profile'` (only when violated),
   * `'name-constraints'`, `'purpose'`, `'revocation'`.
   */
  readonly name: string;
  /** Whether the check passed. */
  readonly ok: boolean;
  /** A human explanation (no secrets). */
  readonly detail?: string | undefined;
  /** The rejection reason this check produced, when it failed. */
  readonly reason?: CertificateRejectionReason | undefined;
}

/** The checks applied to one certificate of the path. */
export interface CertificateCheck {
  /** The certificate these checks are about. */
  readonly certificate: ClientCertificate;
  /** Its place in the path. */
  readonly role: 'leaf' | 'intermediate' | 'anchor';
  /** The checks made on it, in order. */
  readonly checks: readonly CertificateCheckItem[];
}

/** A path was found and every check passed. */
export interface ChainValidationSuccess {
  /** Always `true`: the discriminant. */
  readonly ok: true;
  /** The validated path: leaf first, trust anchor last. */
  readonly path: readonly ClientCertificate[];
  /** Every check made, certificate by certificate (what `express-mtls verify` prints). */
  readonly trace: readonly CertificateCheck[];
}

/** No acceptable path. `reason` is the contract's; `detail` is for logs (no secrets). */
export interface ChainValidationFailure {
  /** Always `false`: the discriminant. */
  readonly ok: false;
  /** Why the certificate is not accepted (the `reason` of `ERR_MTLS_CERTIFICATE_UNTRUSTED`). */
  readonly reason: CertificateRejectionReason;
  /** A human explanation for logs; never key material. */
  readonly detail: string;
  /** The certificate that failed, when one did. */
  readonly certificate?: ClientCertificate | undefined;
  /**
   * `true` when the failure is a dependency outage (a revocation download failed or timed out)
   * rather than a verdict on the certificate; adapters may answer 503 instead of 403.
   */
  readonly transient?: boolean | undefined;
  /** Every check made, certificate by certificate, up to the failure. */
  readonly trace: readonly CertificateCheck[];
}

/** The outcome of {@link ChainValidator.validate}. */
export type ChainValidationResult = ChainValidationSuccess | ChainValidationFailure;

/** Options of one {@link ChainValidator.validate} call. */
export interface ChainValidateOptions {
  /** The time to validate at. Default: the validator's `clock`. */
  readonly now?: Date | undefined;
}

/** A configured validator. A certificate that is not accepted resolves to a failure. */
export interface ChainValidator {
  /**
   * Validates `leaf`, using `leaf.chain` (what the peer presented; untrusted) and the configured
   * intermediates to build a path to a trust anchor.
   *
   * @throws {CertificateParseError} (as a rejection) when the leaf or a presented certificate
   *   cannot be decoded (a malformed extension, name or key): the input is malformed rather than
   *   untrusted, and `requireClientCertificate()` answers it with 400.
   */
  validate(leaf: ClientCertificate, options?: ChainValidateOptions): Promise<ChainValidationResult>;
}
