/**
 * The decision of `requireClientCertificate()`, without Express: is this certificate accepted by
 * a pin, a chain to the trust anchors, or (with `spiffe`) as an X509-SVID, and then by
 * `authorize`? The request object reaches only the user's hooks, untouched.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6 | RFC 5280 §6}
 * @packageDocumentation
 */
import type { Request } from 'express';
import type { ClientCertificate } from '../certificate';
import type { ClientCertificateHook } from '../error-codes';
import { toMtlsError } from '../error-mapping';
import {
  CertificateUntrustedError,
  isMtlsError,
  UnavailableError,
  type CertificateRejectionReason,
} from '../errors';
import { accept, reject, type Decision } from '../decision';
import { withTimeout } from '../internal/with-timeout';
import type { ClientCertificateAuthentication } from '../request-types';
import {
  peekChainResult,
  validityCheck,
  type ChainValidationSuccess,
  type ChainValidator,
} from './chain';
import type { SpiffeTrust } from './spiffe-trust';
import type { ThumbprintMatcher } from './thumbprint-pins';

/** A last, custom rule over an accepted certificate (`authorize`). */
export type AuthorizeHook = (
  certificate: ClientCertificate,
  req: Request,
  auth: ClientCertificateAuthentication,
) => boolean | Promise<boolean>;

/** What the decision needs from `requireClientCertificate()`'s options, validated once. */
export interface CertificateAuthenticationSettings {
  /** The pins (`thumbprints`), if any. */
  readonly pins: ThumbprintMatcher<Request> | undefined;
  /** The chain validator (`trustAnchors`), if any. */
  readonly validator: ChainValidator | undefined;
  /** The SVID rules and trust (`spiffe`), if any. */
  readonly spiffe: SpiffeTrust | undefined;
  /** Whether a pinned certificate must be within its validity period (`checkValidity`). */
  readonly checkValidity: boolean;
  /** Which certificates are considered at all (`allowedTypes`). */
  readonly allowedTypes: 'chained' | 'selfSigned' | 'all';
  /** `authorize`, if any. */
  readonly authorize: AuthorizeHook | undefined;
  /** Milliseconds each hook may take (`hookTimeout`). */
  readonly hookTimeout: number;
  /** Clock skew tolerated on a pinned certificate's validity, in milliseconds. */
  readonly toleranceMs: number;
  /** The clock. */
  readonly clock: () => Date;
  /** The clock in epoch milliseconds (default: `clock().getTime()`). */
  readonly now?: (() => number) | undefined;
}

/** Why a certificate was refused, for the `clientRejected` event. */
export interface CertificateVerdict {
  readonly reason: CertificateRejectionReason;
  readonly detail: string;
  /** The certificate refused. */
  readonly certificate: ClientCertificate;
}

/**
 * The outcome. A refusal of the certificate itself (403, or 503 when revocation status could not
 * be had) carries its `verdict`; a hook that failed or timed out (503) and a certificate that
 * cannot be decoded (400 `HeaderMalformedError`) carry none.
 */
export type CertificateAuthenticationDecision = Decision<ClientCertificateAuthentication> & {
  readonly verdict?: CertificateVerdict | undefined;
};

/** A verdict on the certificate, before it becomes an error. */
type Outcome =
  | { readonly ok: true; readonly auth: ClientCertificateAuthentication }
  | {
      readonly ok: false;
      readonly reason: CertificateRejectionReason;
      readonly detail: string;
      readonly transient?: boolean | undefined;
    };

function refuse(reason: CertificateRejectionReason, detail: string, transient?: boolean): Outcome {
  return { ok: false, reason, detail, transient };
}

/** Calls a hook within `ms`: a timeout or a foreign throw becomes an `UnavailableError`. */
function call<T>(fn: () => T | Promise<T>, ms: number, hook: ClientCertificateHook): Promise<T> {
  return Promise.resolve()
    .then(() => {
      const value = fn();
      if (!(value instanceof Promise)) return value;
      return withTimeout(
        value,
        ms,
        () =>
          new UnavailableError(`${hook}_timeout`, {
            message: `${hook} did not answer within ${ms} ms`,
          }),
      );
    })
    .catch((error: unknown) => {
      if (isMtlsError(error)) throw error;
      throw new UnavailableError(`${hook}_failed`, {
        message: `${hook} threw: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    });
}

/** The accepted decision of a cached chain result, built once per result. */
const acceptedByResult = new WeakMap<ChainValidationSuccess, CertificateAuthenticationDecision>();

function acceptedChain(
  certificate: ClientCertificate,
  result: ChainValidationSuccess,
): CertificateAuthenticationDecision {
  let decision = acceptedByResult.get(result);
  if (decision === undefined) {
    const auth: ClientCertificateAuthentication = Object.freeze({
      method: 'chain',
      certificate,
      path: result.path,
    });
    decision = Object.freeze(accept(auth));
    acceptedByResult.set(result, decision);
  }
  return decision;
}

/**
 * The decision for `certificate` when it needs no hook and the chain validator holds a valid
 * result for this very certificate object: answered synchronously, the same frozen decision
 * object every time. `undefined` whenever {@link decideClientCertificate} has anything else to
 * do (pins, `spiffe`, `authorize`, a self-signed or new certificate, an expired result).
 */
export function peekClientCertificate(
  certificate: ClientCertificate,
  settings: CertificateAuthenticationSettings,
): CertificateAuthenticationDecision | undefined {
  const { validator } = settings;
  if (
    validator === undefined ||
    settings.pins !== undefined ||
    settings.spiffe !== undefined ||
    settings.authorize !== undefined ||
    settings.allowedTypes === 'selfSigned' ||
    certificate.isSelfSigned
  ) {
    return undefined;
  }
  const now = settings.now === undefined ? settings.clock().getTime() : settings.now();
  const result = peekChainResult(validator, certificate, now);
  return result?.path[0] === certificate ? acceptedChain(certificate, result) : undefined;
}

/**
 * Decides whether `certificate` is accepted: an X509-SVID check first (with `spiffe`), then pins
 * (cheapest), then the chain; `authorize` last. Rejects only on an unexpected error.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md | X509-SVID}
 */
export async function decideClientCertificate(
  certificate: ClientCertificate,
  req: Request,
  settings: CertificateAuthenticationSettings,
): Promise<CertificateAuthenticationDecision> {
  let outcome: Outcome;
  try {
    outcome = await run(certificate, req, settings);
  } catch (error) {
    const mapped = toMtlsError(error, { site: 'certificate' });
    if (isMtlsError(mapped)) return reject(mapped);
    throw error;
  }
  if (outcome.ok) return accept(outcome.auth);
  const { reason, detail } = outcome;
  const message = `client certificate not accepted: ${reason}: ${detail}`;
  return {
    ...reject(
      outcome.transient === true && reason === 'revocation_unknown'
        ? new UnavailableError(reason, { message })
        : new CertificateUntrustedError(reason, { message }),
    ),
    verdict: { reason, detail, certificate },
  };
}

async function run(
  certificate: ClientCertificate,
  req: Request,
  settings: CertificateAuthenticationSettings,
): Promise<Outcome> {
  const outcome = settings.spiffe
    ? await svid(certificate, settings.spiffe, req, settings)
    : await pinOrChain(certificate, req, settings);
  const authorize = settings.authorize;
  if (!outcome.ok || !authorize) return outcome;
  const allowed: unknown = await call(
    () => authorize(certificate, req, outcome.auth),
    settings.hookTimeout,
    'authorize',
  );
  return allowed === true ? outcome : refuse('rejected', 'authorize() did not return true');
}

async function svid(
  certificate: ClientCertificate,
  trust: SpiffeTrust,
  req: Request,
  settings: CertificateAuthenticationSettings,
): Promise<Outcome> {
  const id = trust.check(certificate);
  if (!id.ok) return refuse(id.reason, id.detail);
  const outcome = trust.usesBundles
    ? await chain(
        await trust.validator(id.value.trustDomain, settings.clock().getTime()),
        certificate,
        settings.clock(),
      )
    : await pinOrChain(certificate, req, settings);
  const ids = trust.idsFunction;
  if (!outcome.ok || ids === undefined) return outcome;
  const allowed: unknown = await call(
    () => ids(id.value.id, certificate, req),
    settings.hookTimeout,
    'spiffe_ids',
  );
  return allowed === true
    ? outcome
    : refuse('spiffe_not_allowed', `spiffe.ids() did not return true for ${id.value.id}`);
}

async function chain(
  validator: ChainValidator,
  certificate: ClientCertificate,
  now: Date,
): Promise<Outcome> {
  const result = await validator.validate(certificate, { now });
  return result.ok
    ? {
        ok: true,
        auth: {
          method: 'chain',
          certificate,
          path: Object.freeze([certificate, ...result.path.slice(1)]),
        },
      }
    : refuse(result.reason, result.detail, result.transient);
}

async function pinOrChain(
  certificate: ClientCertificate,
  req: Request,
  settings: CertificateAuthenticationSettings,
): Promise<Outcome> {
  const { pins, validator, allowedTypes } = settings;
  const selfSigned = certificate.isSelfSigned;
  if (selfSigned && allowedTypes === 'chained') {
    return refuse('self_signed_not_allowed', 'self-signed certificate; allowedTypes is "chained"');
  }
  if (!selfSigned && allowedTypes === 'selfSigned') {
    return refuse('rejected', 'CA-issued certificate; allowedTypes is "selfSigned"');
  }
  const now = settings.clock();
  if (pins) {
    const pinned: unknown = await call(
      () => pins(certificate.thumbprint, certificate, req),
      settings.hookTimeout,
      'thumbprints',
    );
    if (pinned === true) {
      if (settings.checkValidity) {
        const validity = validityCheck(
          { notBefore: certificate.notBefore.getTime(), notAfter: certificate.notAfter.getTime() },
          now.getTime(),
          settings.toleranceMs,
        );
        if (!validity.ok) {
          return refuse(
            validity.reason as CertificateRejectionReason,
            `pinned certificate ${validity.detail as string}`,
          );
        }
      }
      return {
        ok: true,
        auth: { method: 'thumbprint', certificate, path: Object.freeze([certificate]) },
      };
    }
    if (selfSigned || !validator) {
      return refuse('not_pinned', `thumbprint ${certificate.thumbprint} is not pinned`);
    }
  }
  if (selfSigned) {
    return refuse(
      'self_signed_not_allowed',
      'self-signed certificate; pin its thumbprint to accept it',
    );
  }
  return chain(validator as ChainValidator, certificate, now);
}
