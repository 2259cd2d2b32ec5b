/**
 * The sender-constraint decision of a verified token (RFC 8705 §3, RFC 9449 §7), as a pure
 * function of plain values: the token's bindings, the scheme it came with, the certificate
 * thumbprint, and the `jkt` a DPoP proof verifier has already proven.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7 | RFC 9449 §7}
 * @packageDocumentation
 */
import type { InvalidTokenError } from '../errors';
import { accept, reject, type Decision } from '../decision';
import { thumbprintsEqual, type TokenBindings } from './confirmation';
import type { CredentialScheme, TokenErrors } from './token-errors';

/** A sender-constraint method: certificate binding (RFC 8705) or DPoP (RFC 9449). */
export type BindingMethod = 'mtls' | 'dpop';

/** The plain values the binding decision needs. */
export interface BindingInput {
  /** The token's bindings (see `readBindings()`); `undefined` for a token without `cnf`. */
  readonly confirmation: TokenBindings | undefined;
  /** The scheme the token was sent with (body and query tokens are `bearer`). */
  readonly scheme: CredentialScheme;
  /** `x5t#S256` of the presented client certificate, `undefined` when none. */
  readonly certificateThumbprint: string | undefined;
  /** The methods accepted. */
  readonly methods: readonly BindingMethod[];
  /** Whether a token without `cnf` is accepted. */
  readonly allowUnbound: boolean;
  /** The `jkt` of the request's DPoP proof, already verified; `undefined` when none was. */
  readonly provenJkt?: string | undefined;
}

/** How the token is bound to this request. */
export interface Binding {
  /** `dpop` also for a token bound both ways (it then carries `thumbprint` too). */
  readonly binding: BindingMethod | 'none';
  /** The `x5t#S256` the token is bound to (equal to the certificate's). */
  readonly thumbprint?: string;
  /** The `jkt` the token is bound to (equal to the proof key's). */
  readonly jkt?: string;
}

const UNBOUND: Binding = Object.freeze({ binding: 'none' });

/**
 * Decides whether a verified token is used by its holder:
 *
 * - no `cnf`: refused as `unbound` unless `allowUnbound`; with it, a token sent as `DPoP` →
 *   `scheme_mismatch` (it is not DPoP-bound), else accepted as `none`;
 * - bindings with neither member: refused as `unbound` (fail closed);
 * - every binding the token carries must be verified, by a method in `methods` (else
 *   `binding_mismatch`);
 * - `jkt`: needs the `DPoP` scheme (`Bearer` → `scheme_mismatch`, RFC 9449 §7.2) and a proven
 *   `jkt` equal to it (none or another → `binding_mismatch`);
 * - `x5t#S256` alone: sent as `DPoP` → `scheme_mismatch`; no certificate →
 *   `certificate_missing`; another certificate → `binding_mismatch`;
 * - thumbprints are compared in constant time.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.2 | RFC 9449 §7.2}
 */
export function decideBinding(
  input: BindingInput,
  errors: TokenErrors,
): Decision<Binding, InvalidTokenError> {
  const { confirmation, scheme, methods } = input;
  const refuse = (reason: Parameters<TokenErrors['invalidToken']>[0], detail: string) =>
    reject(errors.invalidToken(reason, detail, scheme));
  if (confirmation === undefined) {
    if (!input.allowUnbound) {
      return refuse('unbound', 'no cnf claim; certificate-bound tokens are required');
    }
    if (scheme === 'dpop') return refuse('scheme_mismatch', 'a token without cnf sent as DPoP');
    return accept(UNBOUND);
  }
  const { x5tS256, jkt } = confirmation;
  if (x5tS256 === undefined && jkt === undefined) {
    return refuse('unbound', 'cnf carries no binding verified here');
  }
  for (const [bound, method] of [
    [jkt, 'dpop'],
    [x5tS256, 'mtls'],
  ] as const) {
    if (bound !== undefined && !methods.includes(method)) {
      return refuse('binding_mismatch', `the token is ${method}-bound; ${method} is not accepted`);
    }
  }
  if (jkt !== undefined) {
    if (scheme !== 'dpop') return refuse('scheme_mismatch', 'a DPoP-bound token sent as Bearer');
    const proven = input.provenJkt;
    if (proven === undefined || !thumbprintsEqual(jkt, proven)) {
      return refuse('binding_mismatch', 'the token jkt is not the proven DPoP key');
    }
  } else if (scheme === 'dpop') {
    return refuse('scheme_mismatch', 'a token that is not DPoP-bound sent as DPoP');
  }
  if (x5tS256 !== undefined) {
    const certificate = input.certificateThumbprint;
    if (certificate === undefined) {
      return refuse(
        'certificate_missing',
        'the token is certificate-bound, no client certificate was presented',
      );
    }
    if (!thumbprintsEqual(x5tS256, certificate)) {
      return refuse('binding_mismatch', `token bound to ${x5tS256}, certificate ${certificate}`);
    }
  }
  if (jkt === undefined) return accept({ binding: 'mtls', thumbprint: x5tS256 as string });
  return accept(
    x5tS256 === undefined
      ? { binding: 'dpop', jkt }
      : { binding: 'dpop', jkt, thumbprint: x5tS256 },
  );
}
