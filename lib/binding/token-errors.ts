/**
 * The errors of the token decisions (credentials, confirmation, binding), built once per
 * middleware with its challenge policy: a `Bearer`-only middleware answers exactly as the error
 * classes do by default; one that also accepts `DPoP` answers with a challenge per scheme in one
 * `WWW-Authenticate` value (RFC 9449 §7.2).
 *
 * @packageDocumentation
 */
import {
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  TokenMissingError,
  UseDpopNonceError,
  type DpopProofRejectionReason,
  type TokenRejectionReason,
} from '../errors';
import {
  wwwAuthenticate,
  type BearerErrorCode,
  type Challenge,
  type DpopErrorCode,
} from '../internal/challenge';

/** An `Authorization` scheme the token decisions understand (RFC 6750 §2.1, RFC 9449 §7.1). */
export type CredentialScheme = 'bearer' | 'dpop';

/** How the token errors of one middleware challenge the client. */
export interface TokenChallengePolicy {
  /** The `realm` of every challenge. */
  readonly realm: string;
  /** The schemes accepted, in challenge order. Default (or empty): `['bearer']`. */
  readonly schemes?: readonly CredentialScheme[] | undefined;
  /** `algs` of the `DPoP` challenge (RFC 9449 §7.1). Default: none. */
  readonly dpopAlgorithms?: readonly string[] | undefined;
  /** `resource_metadata` of every challenge (RFC 9728 §5.1). Default: none. */
  readonly resourceMetadata?: string | undefined;
}

/**
 * The errors a token decision reports. `scheme` is the scheme of the refused request, when it
 * is known: only that scheme's challenge carries `error` and `error_description`; without it, or
 * when the request used a scheme not challenged, every challenge does (or none, for a missing
 * token).
 */
export interface TokenErrors {
  /** No token: 401 `ERR_MTLS_TOKEN_MISSING`, challenges without `error`. */
  missing(): TokenMissingError;
  /** Malformed credentials or a token sent twice: 400 `ERR_MTLS_INVALID_REQUEST`. */
  invalidRequest(description: string, scheme?: CredentialScheme): InvalidRequestError;
  /** A refused token: 401 `ERR_MTLS_INVALID_TOKEN`, `message` naming `reason` and `detail`. */
  invalidToken(
    reason: TokenRejectionReason,
    detail: string,
    scheme?: CredentialScheme,
  ): InvalidTokenError;
  /** A refused DPoP proof: 401 `ERR_MTLS_INVALID_DPOP_PROOF`, `DPoP error="invalid_dpop_proof"`. */
  invalidProof(reason: DpopProofRejectionReason, detail: string): InvalidDpopProofError;
  /** A proof without the current nonce: 401 `ERR_MTLS_USE_DPOP_NONCE` and `DPoP-Nonce`. */
  useNonce(nonce: string): UseDpopNonceError;
}

const BEARER_ONLY: readonly CredentialScheme[] = Object.freeze(['bearer']);

/** What a `Bearer` challenge shows; a DPoP error code is only ever shown to the `DPoP` one. */
interface BearerShown {
  error?: BearerErrorCode;
  errorDescription?: string | undefined;
}

/**
 * The token errors of a middleware, with its challenge policy resolved once. With only
 * `Bearer` and no `resourceMetadata`, the errors carry the default challenge of their class
 * (`Bearer realm="…", error="…", error_description="…"`), byte for byte.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.2 | RFC 9449 §7.2}
 */
export function tokenErrors(policy: TokenChallengePolicy): TokenErrors {
  const { realm, dpopAlgorithms, resourceMetadata } = policy;
  const schemes = policy.schemes?.length ? policy.schemes : BEARER_ONLY;
  const plain = resourceMetadata === undefined && schemes.length === 1 && schemes[0] === 'bearer';

  function headers(
    error: BearerErrorCode | DpopErrorCode | undefined,
    errorDescription: string | undefined,
    used: CredentialScheme | undefined,
  ): { headers: Record<string, string> } | undefined {
    if (plain) return undefined;
    const challenges = schemes.map((scheme): Challenge => {
      const shown =
        used === undefined || used === scheme || !schemes.includes(used)
          ? { error, errorDescription }
          : {};
      return scheme === 'dpop'
        ? { scheme: 'DPoP', realm, ...shown, algs: dpopAlgorithms, resourceMetadata }
        : { scheme: 'Bearer', realm, ...(shown as BearerShown), resourceMetadata };
    });
    return { headers: { 'WWW-Authenticate': wwwAuthenticate(challenges as [Challenge]) } };
  }

  return {
    missing: () => new TokenMissingError({ realm, ...headers(undefined, undefined, undefined) }),
    invalidRequest: (description, scheme) =>
      new InvalidRequestError(description, {
        realm,
        ...headers('invalid_request', description, scheme),
      }),
    invalidToken: (reason, detail, scheme) => {
      const error = new InvalidTokenError(reason, {
        realm,
        message: `invalid access token: ${reason} (${detail})`,
      });
      const custom = headers('invalid_token', error.body.error_description, scheme);
      return custom === undefined
        ? error
        : new InvalidTokenError(reason, {
            realm,
            message: error.message,
            ...custom,
          });
    },
    invalidProof: (reason, detail) => {
      const error = new InvalidDpopProofError(reason, { realm, algs: dpopAlgorithms });
      return new InvalidDpopProofError(reason, {
        realm,
        algs: dpopAlgorithms,
        message: `invalid DPoP proof: ${reason} (${detail})`,
        ...headers('invalid_dpop_proof', error.body.error_description, 'dpop'),
      });
    },
    useNonce: (nonce) => {
      const error = new UseDpopNonceError(nonce, { realm, algs: dpopAlgorithms });
      const custom = headers('use_dpop_nonce', error.body.error_description, 'dpop');
      return new UseDpopNonceError(nonce, {
        realm,
        algs: dpopAlgorithms,
        headers: { ...custom?.headers, 'DPoP-Nonce': nonce },
      });
    },
  };
}
