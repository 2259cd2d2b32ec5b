/**
 * `requireClientCertificate()`: client authentication for any API by the certificate that
 * `clientCertificate()` put on `req.clientCert`, either through a chain to configured trust
 * anchors (PKI) or by a pinned `x5t#S256` thumbprint.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6}
 * @packageDocumentation
 */
import { startDebugOutput } from '../debug';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type CertificateInput, type ClientCertificate } from '../certificate';
import { DIAGNOSTICS_CHANNELS, decisionClock, publish, publishDecision } from '../diagnostics';
import type { ClientCertificateHook } from '../error-codes';
import { toMtlsError } from '../error-mapping';
import {
  CertificateRequiredError,
  CertificateUntrustedError,
  isMtlsError,
  MisconfiguredError,
  UnavailableError,
  type CertificateRejectionReason,
} from '../errors';
import { booleanOption, checkOptions, enumOption, integerOption } from '../internal/options';
import { wasCertificateProcessed } from '../internal/request-state';
import { withTimeout } from '../internal/with-timeout';
import type { ClientCertificateAuthentication } from '../request-types';
import { createChainValidator, type ChainValidator, type ChainValidatorOptions } from './chain';
import { CHAIN_VALIDATOR_OPTION_NAMES } from './chain/create-chain-validator';
import { validityCheck } from './chain/path-checks';
import { compileSpiffe, type SpiffeOptions, type SpiffeTrust } from './spiffe-trust';
import {
  compileThumbprints,
  type ThumbprintMatcher,
  type ThumbprintsOption,
} from './thumbprint-pins';
import { escapeUntrusted } from '../internal/sanitize';

const FACTORY = 'requireClientCertificate()';
const DECIDER = 'requireClientCertificate';

/**
 * Options of {@link requireClientCertificate}. At least one of `trustAnchors` (chain method) and
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

const CHAIN_ONLY: readonly (keyof RequireClientCertificateOptions)[] = [
  'intermediates',
  'requireClientAuthEku',
  'revocation',
  'cacheSize',
  'cacheTtl',
  'maxPathDepth',
  'minRsaKeyBits',
];

type Outcome =
  | { readonly ok: true; readonly auth: ClientCertificateAuthentication }
  | {
      readonly ok: false;
      readonly reason: CertificateRejectionReason;
      readonly detail: string;
      readonly transient?: boolean | undefined;
    };

/** `certificate.toJSON()` with its names (client-controlled text) escaped for an event. */
function describeCertificate(certificate: ClientCertificate): Record<string, unknown> {
  const json = certificate.toJSON();
  return { ...json, subject: escapeUntrusted(json.subject), issuer: escapeUntrusted(json.issuer) };
}

function reject(reason: CertificateRejectionReason, detail: string, transient?: boolean): Outcome {
  return { ok: false, reason, detail, transient };
}

/** Awaits a hook's answer within `ms`; a timeout becomes an UnavailableError. */
async function bounded<T>(
  value: T | Promise<T>,
  ms: number,
  hook: ClientCertificateHook,
): Promise<T> {
  if (!(value instanceof Promise)) return value;
  return withTimeout(
    value,
    ms,
    () =>
      new UnavailableError(`${hook}_timeout`, {
        message: `${hook} did not answer within ${ms} ms`,
      }),
  );
}

function call<T>(fn: () => T | Promise<T>, ms: number, hook: ClientCertificateHook): Promise<T> {
  return Promise.resolve()
    .then(() => bounded(fn(), ms, hook))
    .catch((error: unknown) => {
      if (isMtlsError(error)) throw error;
      throw new UnavailableError(`${hook}_failed`, {
        message: `${hook} threw: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    });
}

/**
 * Requires an accepted client certificate. Mount `clientCertificate()` before it.
 *
 * - Chain method (`trustAnchors`): a path from the certificate, through presented or configured
 *   intermediates, to a trust anchor, every signature verified, validity (with
 *   `clockTolerance`), CA constraints, path length, EKU `clientAuth`, algorithm and key policy,
 *   and optional CRL/OCSP revocation.
 * - Thumbprint method (`thumbprints`): the certificate's `x5t#S256` is pinned.
 * - Both: pins are checked first (cheapest), then the chain; either accepts.
 *
 * On success sets `req.clientCertAuth = { method, certificate, path }`. No certificate → 401
 * `ERR_MTLS_CERTIFICATE_REQUIRED`; not accepted → 403 `ERR_MTLS_CERTIFICATE_UNTRUSTED` with the
 * precise `reason` on the error and on the `clientRejected` diagnostics event (the body stays
 * generic); revocation status unreachable (download failure or timeout, with
 * `onUnknown: 'reject'`) → 503 `ERR_MTLS_UNAVAILABLE`; `clientCertificate()` not mounted → 500
 * `ERR_MTLS_MISCONFIGURED`; a forwarded certificate that cannot be decoded → 400
 * `ERR_MTLS_HEADER_MALFORMED`.
 *
 * @example
 * ```ts
 * app.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
 * app.use('/api', requireClientCertificate({ trustAnchors: [fs.readFileSync('ca.pem', 'utf8')] }));
 * ```
 * @throws {TypeError} on bad options, or when neither `trustAnchors` nor `thumbprints` is given.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6}
 */
export function requireClientCertificate(
  options?: RequireClientCertificateOptions,
): RequestHandler {
  startDebugOutput();
  const o = checkOptions(FACTORY, options, KNOWN);
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
  const {
    thumbprints,
    checkValidity,
    allowedTypes,
    authorize,
    hookTimeout,
    spiffe,
    ...chainOptions
  } = o;
  const pins: ThumbprintMatcher<Request> | undefined =
    thumbprints === undefined ? undefined : compileThumbprints(FACTORY, thumbprints);
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
  const svids: SpiffeTrust | undefined =
    spiffe === undefined
      ? undefined
      : compileSpiffe(FACTORY, spiffe, chainOptions, () => clock().getTime());
  const validator: ChainValidator | undefined =
    chainOptions.trustAnchors === undefined
      ? undefined
      : createChainValidator(chainOptions as ChainValidatorOptions, FACTORY);

  async function authenticateSvid(
    certificate: ClientCertificate,
    trust: SpiffeTrust,
    req: Request,
  ): Promise<Outcome> {
    const svid = trust.check(certificate);
    if (!svid.ok) return reject(svid.reason, svid.detail);
    const outcome = trust.usesBundles
      ? await chain(
          await trust.validator(svid.value.trustDomain, clock().getTime()),
          certificate,
          clock(),
        )
      : await authenticate(certificate, req);
    const ids = trust.idsFunction;
    if (!outcome.ok || ids === undefined) return outcome;
    const allowed: unknown = await call(
      () => ids(svid.value.id, certificate, req),
      timeout,
      'spiffe_ids',
    );
    return allowed === true
      ? outcome
      : reject('spiffe_not_allowed', `spiffe.ids() did not return true for ${svid.value.id}`);
  }

  async function chain(
    chainValidator: ChainValidator,
    certificate: ClientCertificate,
    now: Date,
  ): Promise<Outcome> {
    const result = await chainValidator.validate(certificate, { now });
    return result.ok
      ? {
          ok: true,
          auth: {
            method: 'chain',
            certificate,
            path: Object.freeze([certificate, ...result.path.slice(1)]),
          },
        }
      : reject(result.reason, result.detail, result.transient);
  }

  async function authenticate(certificate: ClientCertificate, req: Request): Promise<Outcome> {
    const selfSigned = certificate.isSelfSigned;
    if (selfSigned && types === 'chained') {
      return reject(
        'self_signed_not_allowed',
        'self-signed certificate; allowedTypes is "chained"',
      );
    }
    if (!selfSigned && types === 'selfSigned') {
      return reject('rejected', 'CA-issued certificate; allowedTypes is "selfSigned"');
    }
    const now = clock();
    if (pins) {
      const pinned: unknown = await call(
        () => pins(certificate.thumbprint, certificate, req),
        timeout,
        'thumbprints',
      );
      if (pinned === true) {
        if (mustBeValid) {
          const validity = validityCheck(
            {
              notBefore: certificate.notBefore.getTime(),
              notAfter: certificate.notAfter.getTime(),
            },
            now.getTime(),
            toleranceMs,
          );
          if (!validity.ok)
            return reject(
              validity.reason as CertificateRejectionReason,
              `pinned certificate ${validity.detail as string}`,
            );
        }
        return {
          ok: true,
          auth: { method: 'thumbprint', certificate, path: Object.freeze([certificate]) },
        };
      }
      if (selfSigned || !validator)
        return reject('not_pinned', `thumbprint ${certificate.thumbprint} is not pinned`);
    }
    if (selfSigned) {
      return reject(
        'self_signed_not_allowed',
        'self-signed certificate; pin its thumbprint to accept it',
      );
    }
    return chain(validator as ChainValidator, certificate, now);
  }

  async function run(certificate: ClientCertificate, req: Request): Promise<Outcome> {
    const outcome = svids
      ? await authenticateSvid(certificate, svids, req)
      : await authenticate(certificate, req);
    if (!outcome.ok || !authorize) return outcome;
    const allowed: unknown = await call(
      () => authorize(certificate, req, outcome.auth),
      timeout,
      'authorize',
    );
    return allowed === true ? outcome : reject('rejected', 'authorize() did not return true');
  }

  return function requireClientCertificateMiddleware(
    req: Request,
    _res: Response,
    next: NextFunction,
  ): void {
    const started = decisionClock();
    const fail = (error: unknown): void => {
      publishDecision(DECIDER, req, started, { error });
      next(error);
    };
    if (!wasCertificateProcessed(req)) {
      fail(
        new MisconfiguredError(
          `${FACTORY} ran before clientCertificate(): mount app.use(clientCertificate({ format, trustProxy })) ahead of it so that req.clientCert is set.`,
        ),
      );
      return;
    }
    const certificate = req.clientCert;
    if (!certificate) {
      fail(new CertificateRequiredError({ message: 'no client certificate was presented' }));
      return;
    }
    run(certificate, req).then(
      (outcome) => {
        if (outcome.ok) {
          req.clientCertAuth = outcome.auth;
          publishDecision(DECIDER, req, started, { authenticated: true });
          publish(DIAGNOSTICS_CHANNELS.clientAuthenticated, () => ({
            method: outcome.auth.method,
            certificate: describeCertificate(certificate),
            pathLength: outcome.auth.path.length,
          }));
          next();
          return;
        }
        publish(DIAGNOSTICS_CHANNELS.clientRejected, () => ({
          reason: outcome.reason,
          detail: outcome.detail,
          certificate: describeCertificate(certificate),
        }));
        const message = `client certificate not accepted: ${outcome.reason}: ${outcome.detail}`;
        fail(
          outcome.transient === true && outcome.reason === 'revocation_unknown'
            ? new UnavailableError(outcome.reason, { message })
            : new CertificateUntrustedError(outcome.reason, { message }),
        );
      },
      (error: unknown) => {
        fail(toMtlsError(error, { site: 'certificate' }));
      },
    );
  };
}
