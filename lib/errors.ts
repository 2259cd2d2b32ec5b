/**
 * The single error hierarchy of express-mtls.
 *
 * Every request failure reaches Express through `next(err)` as an {@link MtlsError}. Each error
 * carries a stable `code`, an HTTP `status` (also as `statusCode`, the name Express's default
 * handler reads), `expose` (whether `message` is safe to show the client), `headers` (for example
 * `WWW-Authenticate`) and, where the failure has several causes, a machine-readable `reason`.
 *
 * `message` is written for logs: it names what was wrong and what to do, but never contains key
 * material, a token or a whole certificate. `body` is the generic, client-safe JSON body
 * ({@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2} /
 * {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3} shape).
 *
 * @packageDocumentation
 */
import {
  DPOP_PROOF_REJECTION_REASONS,
  TOKEN_REJECTION_REASONS,
  type CertificateRejectionReason,
  type CredentialMissingReason,
  type DpopProofRejectionReason,
  type HeaderMalformedReason,
  type InvalidClientReason,
  type MtlsErrorCode,
  type TokenRejectionReason,
  type UnavailableReason,
} from './error-codes';
import { errorDocsUrl } from './errors-docs';
import { bearerChallenge, dpopChallenge, type BearerChallenge } from './internal/challenge';

export { bearerChallenge, type BearerChallenge } from './internal/challenge';

export type {
  CertificateRejectionReason,
  CredentialMissingReason,
  DpopProofRejectionReason,
  HeaderMalformedReason,
  InvalidClientReason,
  MtlsErrorCode,
  TokenRejectionReason,
  UnavailableReason,
} from './error-codes';

/** The client-safe JSON body of an error: an OAuth-style `error` and a generic description. */
export interface MtlsErrorBody {
  /** An OAuth error code (`invalid_request`, `invalid_token`, `invalid_client`, …). */
  readonly error: string;
  /** A generic, human-readable description; never the precise reason. */
  readonly error_description: string;
}

/** Options shared by every {@link MtlsError} constructor. */
export interface MtlsErrorOptions {
  /** The detailed, log-oriented message (no secrets). Defaults to the generic description. */
  readonly message?: string | undefined;
  /** The underlying error, kept for logs only. */
  readonly cause?: unknown;
  /** Extra response headers (merged over the defaults). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * The base class of every request failure raised by express-mtls.
 *
 * Instances are passed to `next(err)`; Express's own error handler uses `status`/`statusCode`
 * and `headers`, and {@link mtlsErrorHandler} renders `body` as JSON.
 */
export class MtlsError extends Error {
  /** Stable machine-readable code (`ERR_MTLS_…`). */
  readonly code: MtlsErrorCode;
  /** HTTP status code. */
  readonly status: number;
  /** Whether the message may be shown to the client (always true for 4xx, false for 5xx). */
  readonly expose: boolean;
  /** Response headers that belong with this error, such as `WWW-Authenticate`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The precise cause, for logs and diagnostics events, where one applies. */
  readonly reason: string | undefined;
  /** Client-safe response body. */
  readonly body: MtlsErrorBody;

  constructor(
    code: MtlsErrorCode,
    status: number,
    body: MtlsErrorBody,
    reason: string | undefined,
    options: MtlsErrorOptions = {},
  ) {
    super(
      options.message ?? body.error_description,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.expose = status < 500;
    this.headers = Object.freeze({ ...options.headers });
    this.reason = reason;
    this.body = Object.freeze({ ...body });
  }

  /**
   * Where this code (and this `reason`, when it has an entry) is explained, with what to do:
   * `docs/errors.md#err_mtls_…` (see {@link errorDocsUrl}). For logs and operators.
   */
  get helpUrl(): string {
    return errorDocsUrl(this.code, this.reason);
  }

  /** Alias of {@link MtlsError.status}, for handlers that read `statusCode`. */
  get statusCode(): number {
    return this.status;
  }

  /** A log-friendly, secret-free representation. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      reason: this.reason,
      message: this.message,
    };
  }
}

/**
 * The forwarded certificate header could not be decoded as the configured format. `reason`, when
 * set, names the precise defect (for example `base64`, `trailing_bytes`, `not_a_certificate`).
 */
export class HeaderMalformedError extends MtlsError {
  declare readonly reason: HeaderMalformedReason | undefined;

  constructor(
    options?: MtlsErrorOptions & { readonly reason?: HeaderMalformedReason | undefined },
  ) {
    super(
      'ERR_MTLS_HEADER_MALFORMED',
      400,
      { error: 'invalid_request', error_description: 'malformed client certificate header' },
      options?.reason,
      options,
    );
  }
}

/** The forwarded certificate header appeared more than once. */
export class HeaderDuplicateError extends MtlsError {
  constructor(options?: MtlsErrorOptions) {
    super(
      'ERR_MTLS_HEADER_DUPLICATE',
      400,
      { error: 'invalid_request', error_description: 'duplicate client certificate header' },
      undefined,
      options,
    );
  }
}

/**
 * The forwarded certificate header exceeded `maxHeaderBytes`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-3.2 | RFC 9440 §3.2} (431)
 */
export class HeaderTooLargeError extends MtlsError {
  constructor(options?: MtlsErrorOptions) {
    super(
      'ERR_MTLS_HEADER_TOO_LARGE',
      431,
      { error: 'invalid_request', error_description: 'client certificate header too large' },
      undefined,
      options,
    );
  }
}

/** The forwarded chain held more certificates than `maxChainLength`. */
export class ChainTooLongError extends MtlsError {
  constructor(options?: MtlsErrorOptions) {
    super(
      'ERR_MTLS_CHAIN_TOO_LONG',
      400,
      { error: 'invalid_request', error_description: 'client certificate chain too long' },
      undefined,
      options,
    );
  }
}

/**
 * No client certificate was presented where one is required — or, with reason
 * `identity_missing`, no proxy-asserted identity where `requireProxyAssertedIdentity()` requires
 * one.
 */
export class CertificateRequiredError extends MtlsError {
  declare readonly reason: CredentialMissingReason | undefined;

  constructor(
    options?: MtlsErrorOptions & { readonly reason?: CredentialMissingReason | undefined },
  ) {
    super(
      'ERR_MTLS_CERTIFICATE_REQUIRED',
      401,
      {
        error: 'unauthorized',
        error_description:
          options?.reason === undefined
            ? 'client certificate required'
            : 'client identity required',
      },
      options?.reason,
      options,
    );
  }
}

/**
 * A certificate was presented but is not accepted. `reason` says why; the body stays generic.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6}
 */
export class CertificateUntrustedError extends MtlsError {
  declare readonly reason: CertificateRejectionReason;

  constructor(reason: CertificateRejectionReason, options?: MtlsErrorOptions) {
    super(
      'ERR_MTLS_CERTIFICATE_UNTRUSTED',
      403,
      { error: 'access_denied', error_description: 'client certificate not accepted' },
      reason,
      { ...options, message: options?.message ?? `client certificate not accepted: ${reason}` },
    );
  }
}

/**
 * Token-endpoint client authentication failed.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
 */
export class InvalidClientError extends MtlsError {
  declare readonly reason: InvalidClientReason;

  constructor(reason: InvalidClientReason, options?: MtlsErrorOptions) {
    super(
      'ERR_MTLS_INVALID_CLIENT',
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
      reason,
      {
        ...options,
        message: options?.message ?? `client authentication failed: ${reason}`,
        headers: { 'Cache-Control': 'no-store', ...options?.headers },
      },
    );
  }
}

/** Options of the bearer-token errors. */
export interface BearerErrorOptions extends MtlsErrorOptions {
  /** The `realm` of the challenge. */
  readonly realm?: string | undefined;
  /** The `scope` of the challenge (insufficient scope). */
  readonly scope?: string | undefined;
}

function bearerHeaders(
  options: BearerErrorOptions | undefined,
  error: BearerChallenge['error'],
  errorDescription: string | undefined,
): Record<string, string> {
  return {
    'WWW-Authenticate': bearerChallenge({
      realm: options?.realm,
      scope: options?.scope,
      error,
      errorDescription,
    }),
    ...options?.headers,
  };
}

/**
 * No bearer token in the request: a challenge without `error`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 §3.1}
 */
export class TokenMissingError extends MtlsError {
  constructor(options?: BearerErrorOptions) {
    super(
      'ERR_MTLS_TOKEN_MISSING',
      401,
      { error: 'invalid_request', error_description: 'bearer token required' },
      undefined,
      { ...options, headers: bearerHeaders(options, undefined, undefined) },
    );
  }
}

/**
 * The request is malformed (for example a token sent in more than one way).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 §3.1}
 */
export class InvalidRequestError extends MtlsError {
  constructor(description: string, options?: BearerErrorOptions) {
    super(
      'ERR_MTLS_INVALID_REQUEST',
      400,
      { error: 'invalid_request', error_description: description },
      undefined,
      { ...options, headers: bearerHeaders(options, 'invalid_request', description) },
    );
  }
}

/**
 * The bearer token is invalid, expired, or not bound to the presented certificate.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 §3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 */
export class InvalidTokenError extends MtlsError {
  declare readonly reason: TokenRejectionReason;

  constructor(reason: TokenRejectionReason, options?: BearerErrorOptions) {
    const description = TOKEN_REJECTION_REASONS[reason];
    super(
      'ERR_MTLS_INVALID_TOKEN',
      401,
      { error: 'invalid_token', error_description: description },
      reason,
      {
        ...options,
        message: options?.message ?? `invalid access token: ${reason}`,
        headers: bearerHeaders(options, 'invalid_token', description),
      },
    );
  }
}

/**
 * The token lacks a scope the route requires.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 §3.1}
 */
export class InsufficientScopeError extends MtlsError {
  constructor(options?: BearerErrorOptions) {
    const description = 'the access token lacks a required scope';
    super(
      'ERR_MTLS_INSUFFICIENT_SCOPE',
      403,
      { error: 'insufficient_scope', error_description: description },
      undefined,
      { ...options, headers: bearerHeaders(options, 'insufficient_scope', description) },
    );
  }
}

/** Options of the DPoP errors. */
export interface DpopErrorOptions extends MtlsErrorOptions {
  /** The `realm` of the challenge. Default: none. */
  readonly realm?: string | undefined;
  /** The proof algorithms the server accepts (`algs="…"`). Default: none. */
  readonly algs?: readonly string[] | undefined;
}

/**
 * The DPoP proof is missing, malformed, or not valid for this request and token. `reason` says
 * which check failed; the challenge is `DPoP error="invalid_dpop_proof"` with the accepted
 * `algs`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 */
export class InvalidDpopProofError extends MtlsError {
  declare readonly reason: DpopProofRejectionReason;

  constructor(reason: DpopProofRejectionReason, options?: DpopErrorOptions) {
    const description = DPOP_PROOF_REJECTION_REASONS[reason];
    super(
      'ERR_MTLS_INVALID_DPOP_PROOF',
      401,
      { error: 'invalid_dpop_proof', error_description: description },
      reason,
      {
        ...options,
        message: options?.message ?? `invalid DPoP proof: ${reason}`,
        headers: {
          'WWW-Authenticate': dpopChallenge({
            realm: options?.realm,
            algs: options?.algs,
            error: 'invalid_dpop_proof',
            errorDescription: description,
          }),
          ...options?.headers,
        },
      },
    );
  }
}

/** RFC 9449 §8.1: `nonce = 1*NQCHAR`. */
const DPOP_NONCE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The DPoP proof lacks the nonce the server requires, or carries a stale one: the client retries
 * with the fresh `nonce`, sent in the `DPoP-Nonce` header.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-8 | RFC 9449 §8}
 */
export class UseDpopNonceError extends MtlsError {
  /** The fresh nonce, also in the `DPoP-Nonce` header. */
  readonly nonce: string;

  /**
   * @throws {TypeError} when `nonce` is not RFC 9449 §8.1 `1*NQCHAR` (a bug of the nonce source).
   */
  constructor(nonce: string, options?: DpopErrorOptions) {
    if (!DPOP_NONCE.test(nonce)) {
      throw new TypeError('UseDpopNonceError: a DPoP nonce is 1*NQCHAR (RFC 9449 §8.1)');
    }
    const description = 'the DPoP proof must carry the nonce in the DPoP-Nonce header';
    super(
      'ERR_MTLS_USE_DPOP_NONCE',
      401,
      { error: 'use_dpop_nonce', error_description: description },
      undefined,
      {
        ...options,
        headers: {
          'WWW-Authenticate': dpopChallenge({
            realm: options?.realm,
            algs: options?.algs,
            error: 'use_dpop_nonce',
            errorDescription: description,
          }),
          'DPoP-Nonce': nonce,
          ...options?.headers,
        },
      },
    );
    this.nonce = nonce;
  }
}

/**
 * A dependency needed to reach a decision (JWKS, introspection, CRL/OCSP, client registry, DPoP
 * replay store) is down or too slow. The request is refused, never silently accepted. `retryAfter` (seconds, a
 * non-negative integer; default 5, also used for any other value) becomes `Retry-After`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3 | RFC 9110 §10.2.3}
 */
export class UnavailableError extends MtlsError {
  declare readonly reason: UnavailableReason;

  constructor(
    reason: UnavailableReason,
    options?: MtlsErrorOptions & { readonly retryAfter?: number },
  ) {
    const retryAfter = options?.retryAfter;
    super(
      'ERR_MTLS_UNAVAILABLE',
      503,
      { error: 'temporarily_unavailable', error_description: 'service temporarily unavailable' },
      reason,
      {
        ...options,
        message: options?.message ?? `a dependency is unavailable: ${reason}`,
        headers: {
          'Retry-After': String(
            Number.isSafeInteger(retryAfter) && (retryAfter as number) >= 0 ? retryAfter : 5,
          ),
          ...options?.headers,
        },
      },
    );
  }
}

/**
 * The middlewares are wired wrongly (for example `requireCertificateBoundToken()` mounted
 * without `clientCertificate()` before it). A 500 for the client; the message says what to fix.
 */
export class MisconfiguredError extends MtlsError {
  constructor(message: string, options?: MtlsErrorOptions) {
    super(
      'ERR_MTLS_MISCONFIGURED',
      500,
      { error: 'server_error', error_description: 'server misconfiguration' },
      undefined,
      { ...options, message },
    );
  }
}

/**
 * Whether a value is an {@link MtlsError}: an instance of this copy's class, or an `Error` with
 * the same shape from another copy of the package (an `ERR_MTLS_…` `code`, an HTTP error
 * `status` from 400 to 599, and `headers` and `body` objects), so that duplicated installs still
 * render correctly.
 */
export function isMtlsError(value: unknown): value is MtlsError {
  if (value instanceof MtlsError) return true;
  if (!(value instanceof Error)) return false;
  const { code, status, headers, body } = value as Error & Partial<Record<string, unknown>>;
  return (
    typeof code === 'string' &&
    code.startsWith('ERR_MTLS_') &&
    Number.isInteger(status) &&
    (status as number) >= 400 &&
    (status as number) <= 599 &&
    typeof headers === 'object' &&
    headers !== null &&
    typeof body === 'object' &&
    body !== null
  );
}
