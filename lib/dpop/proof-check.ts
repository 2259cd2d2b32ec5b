/**
 * The DPoP proof check of the token decision (RFC 9449 §7.1): the pure proof verification, then
 * the replay store, mapped to the middleware's errors and challenges. No Express: the request's
 * method, `htu` and `DPoP` lines come as plain values.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-11.1 | RFC 9449 §11.1}
 * @packageDocumentation
 */
import { traceDependency } from '../diagnostics';
import { isMtlsError, UnavailableError } from '../errors';
import { accept, reject, type Decision } from '../decision';
import type { ProofCheck } from '../binding/token-decision';
import type { TokenErrors } from '../binding/token-errors';
import type { ReplayStore } from './replay-store';
import { verifyDpopProof, type DpopProofSettings } from './verify-proof';

/** What {@link dpopProofCheck} needs, resolved once per middleware. */
export interface DpopProofCheckSettings {
  readonly proof: DpopProofSettings;
  /** The replay store, already behind `withReplayTimeout()` (its failures are 503s). */
  readonly replay: ReplayStore;
  readonly errors: TokenErrors;
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/**
 * The proof check for DPoP-bound tokens sent with the `DPoP` scheme: every check of
 * `verifyDpopProof()` (one header, `typ`, algorithm, signature by the embedded public key, `htm`,
 * `htu`, `iat`, `jti`, `ath` of the access token, nonce, and the key's thumbprint equal to the
 * token's `cnf.jkt`), then the proof's `jti` recorded in the replay store — a key it has already
 * seen is `replayed`. Answers the proven `jkt`, or:
 * - 401 `ERR_MTLS_INVALID_DPOP_PROOF` with the failed check as `reason`;
 * - 401 `ERR_MTLS_USE_DPOP_NONCE` with a fresh `DPoP-Nonce`;
 * - 503 `ERR_MTLS_UNAVAILABLE` when the store fails or is slow (never an acceptance).
 *
 * The replay store is asked last, so a proof that fails any other check records nothing.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-11.1 | RFC 9449 §11.1}
 */
export function dpopProofCheck(settings: DpopProofCheckSettings): ProofCheck {
  const { proof, replay, errors } = settings;
  const now = settings.now ?? Date.now;
  return async function checkDpopProof({ request, credentials, jkt }): Promise<Decision<string>> {
    const result = await verifyDpopProof(
      {
        proofs: credentials.dpopProofs,
        method: request.method,
        htu: request.htu,
        accessToken: credentials.token,
        expectedJkt: jkt,
        now: now(),
      },
      proof,
    );
    if (!result.ok) {
      return reject(
        result.reason === 'use_dpop_nonce'
          ? errors.useNonce(result.nonce)
          : errors.invalidProof(result.reason, result.detail),
      );
    }
    const { replayKey, ttlMs } = result.value;
    try {
      if (!(await traceDependency('replay_store', () => replay.add(replayKey, ttlMs)))) {
        return reject(errors.invalidProof('replayed', 'DPoP proof jti was already used'));
      }
    } catch (error) {
      return reject(
        isMtlsError(error)
          ? error
          : new UnavailableError('replay_store_unavailable', {
              message: 'the DPoP replay store failed',
            }),
      );
    }
    return accept(result.value.jkt);
  };
}
