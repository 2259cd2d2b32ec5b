/**
 * The options of `requireClientCertificate()`, validated once into the settings of
 * `decideClientCertificate()`: pins, the chain validator, SPIFFE trust and the hooks.
 *
 * @packageDocumentation
 */
import type { Request } from 'express';
import type { CertificateInput, ClientCertificate } from '../certificate';
import { booleanOption, checkOptions, enumOption, integerOption } from '../internal/options';
import type { ClientCertificateAuthentication } from '../request-types';
import {
  CHAIN_VALIDATOR_OPTION_NAMES,
  createChainValidator,
  type ChainValidatorOptions,
} from './chain';
import type { CertificateAuthenticationSettings } from './certificate-authentication-decision';
import { compileSpiffe, type SpiffeOptions } from './spiffe-trust';
import { compileThumbprints, type ThumbprintsOption } from './thumbprint-pins';

const FACTORY = 'requireClientCertificate()';

/**
 * Options of `requireClientCertificate()`. At least one of `trustAnchors` (chain method) and
 * `thumbprints` (pinning) is required; both may be given (a certificate passes by either).
 *
 * The chain options (`intermediates`, `clockTolerance`, `requireClientAuthEku`, `revocation`,
 * `cacheSize`, `cacheTtl`, `maxPathDepth`, `minRsaKeyBits`, `clock`) are those of the chain
 * validator and keep its defaults.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 */
export interface RequireClientCertificateOptions extends Omit<
  ChainValidatorOptions,
  'trustAnchors'
> {
  /**
   * CA certificates (PEM text or DER) a client certificate must chain to. Enables the chain
   * method. Default: none.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1 | RFC 5280 §6.1}
   */
  readonly trustAnchors?: readonly CertificateInput[] | undefined;
  /**
   * Pinned certificates: `x5t#S256` values (base64url SHA-256 of the DER, 43 characters), or a
   * function `(thumbprint, cert, req) => boolean | Promise<boolean>`. Enables the thumbprint
   * method. Default: none. Hex SHA-1/SHA-256 fingerprints are refused with a hint.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1}
   */
  readonly thumbprints?: ThumbprintsOption<Request> | undefined;
  /**
   * SPIFFE X509-SVIDs: the leaf rules (one `spiffe://` URI SAN with a non-root path, not a CA,
   * key usage `digitalSignature` without `keyCertSign`/`cRLSign`, `clientAuth` if an EKU is
   * present), then authorization by trust domain and `ids`. With `trustDomains`, trust comes from
   * `trustAnchors` or `thumbprints`; with `bundles` (SPIFFE bundles by trust domain: the JWK Set,
   * a file path, or `{ url }` refreshed per `spiffe_refresh_hint`, 30 s to 24 h), an SVID must
   * chain to its own trust domain's bundle, and `trustAnchors`/`thumbprints` must not be given.
   * Violations are `spiffe_invalid` or `spiffe_not_allowed`. Default: none.
   *
   * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md | X509-SVID}
   */
  readonly spiffe?: SpiffeOptions | undefined;
  /** Whether a pinned certificate must also be within its validity period. Default: `true`. */
  readonly checkValidity?: boolean | undefined;
  /**
   * Which certificates are considered at all: `'chained'` (CA-issued only: a self-signed one is
   * refused with `self_signed_not_allowed` even if pinned), `'selfSigned'` (self-signed only;
   * needs `thumbprints`), or `'all'`. Default: `'all'`. Whatever the setting, the chain method
   * never accepts a self-signed certificate: only a pin does.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.2 | RFC 8705 §2.2}
   */
  readonly allowedTypes?: 'chained' | 'selfSigned' | 'all' | undefined;
  /**
   * A last, custom rule, called after a method accepted the certificate. Only `true` lets the
   * request through; anything else is `rejected`. Default: none.
   */
  readonly authorize?:
    | ((
        certificate: ClientCertificate,
        req: Request,
        auth: ClientCertificateAuthentication,
      ) => boolean | Promise<boolean>)
    | undefined;
  /**
   * Milliseconds allowed for the `thumbprints` function and `authorize`; past it the request
   * fails with `ERR_MTLS_UNAVAILABLE` (503). Default: `5000`.
   */
  readonly hookTimeout?: number | undefined;
}

const KNOWN: readonly (keyof RequireClientCertificateOptions)[] = [
  ...CHAIN_VALIDATOR_OPTION_NAMES,
  'thumbprints',
  'spiffe',
  'checkValidity',
  'allowedTypes',
  'authorize',
  'hookTimeout',
];

/** The chain options that mean nothing without `trustAnchors` (the clock serves pins too). */
const CHAIN_ONLY = CHAIN_VALIDATOR_OPTION_NAMES.filter(
  (name) => name !== 'trustAnchors' && name !== 'clockTolerance' && name !== 'clock',
);

/** Checks that some method can accept a certificate and that no option is stray. */
function checkMethods(o: RequireClientCertificateOptions): void {
  const bundles = o.spiffe?.bundles !== undefined;
  if (bundles && (o.trustAnchors !== undefined || o.thumbprints !== undefined)) {
    throw new TypeError(
      `${FACTORY}: with spiffe.bundles, trust comes from each trust domain's bundle: remove "trustAnchors" and "thumbprints" (or use spiffe.trustDomains with them).`,
    );
  }
  if (!bundles && o.trustAnchors === undefined && o.thumbprints === undefined) {
    throw new TypeError(
      `${FACTORY}: give "trustAnchors" (accept certificates issued by your CA) and/or "thumbprints" (accept pinned certificates); with neither, no client could ever be accepted.`,
    );
  }
  if (o.trustAnchors === undefined && !bundles) {
    const stray = CHAIN_ONLY.find((name) => o[name] !== undefined);
    if (stray)
      throw new TypeError(
        `${FACTORY}: "${stray}" applies to the chain method, which needs "trustAnchors".`,
      );
  }
}

/**
 * Validates `requireClientCertificate()`'s options into the settings of
 * `decideClientCertificate()`.
 *
 * @throws {TypeError} on bad options, or when neither `trustAnchors` nor `thumbprints` is given.
 */
export function compileRequireClientCertificateOptions(
  options: RequireClientCertificateOptions | undefined,
): CertificateAuthenticationSettings {
  const o = checkOptions(FACTORY, options, KNOWN);
  checkMethods(o);
  const {
    thumbprints,
    checkValidity,
    allowedTypes,
    authorize,
    hookTimeout,
    spiffe,
    ...chainOptions
  } = o;
  const pins = thumbprints === undefined ? undefined : compileThumbprints(FACTORY, thumbprints);
  const mustBeValid = booleanOption(FACTORY, 'checkValidity', checkValidity, true);
  const types = enumOption(
    FACTORY,
    'allowedTypes',
    allowedTypes,
    ['chained', 'selfSigned', 'all'],
    'all',
  );
  if (types === 'selfSigned' && !pins) {
    throw new TypeError(
      `${FACTORY}: allowedTypes "selfSigned" needs "thumbprints": only a pin accepts a self-signed certificate.`,
    );
  }
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new TypeError(
      `${FACTORY}: "authorize" must be a function (cert, req, auth) => boolean | Promise<boolean>.`,
    );
  }
  const timeout = integerOption(FACTORY, 'hookTimeout', hookTimeout, 5000, 1);
  const toleranceMs = integerOption(FACTORY, 'clockTolerance', o.clockTolerance, 0) * 1000;
  const clock = typeof o.clock === 'function' ? o.clock : () => new Date();
  const svids =
    spiffe === undefined
      ? undefined
      : compileSpiffe(FACTORY, spiffe, chainOptions, () => clock().getTime());
  const validator =
    chainOptions.trustAnchors === undefined
      ? undefined
      : createChainValidator(chainOptions as ChainValidatorOptions, FACTORY);
  return {
    pins,
    validator,
    spiffe: svids,
    checkValidity: mustBeValid,
    allowedTypes: types,
    authorize,
    hookTimeout: timeout,
    toleranceMs,
    clock,
    now: typeof o.clock === 'function' ? () => clock().getTime() : Date.now,
  };
}
