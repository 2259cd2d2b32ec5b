/**
 * The confirmation reader of RFC 8705 §3.1 and RFC 9449 §6.1: which binding(s) a token's `cnf`
 * carries (`x5t#S256`, `jkt`), and the constant-time compare of thumbprints. Pure code.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-6.1 | RFC 9449 §6.1}
 * @packageDocumentation
 */
import { isBase64UrlSha256 } from '../internal/base64';
import { describeUntrusted } from '../internal/sanitize';
import { accept, reject, type Decision } from '../decision';
import type { InvalidTokenError } from '../errors';
import type { CredentialScheme, TokenErrors } from './token-errors';

/** A confirmation member this library verifies: a certificate or a DPoP key thumbprint. */
export type ConfirmationMember = 'x5t#S256' | 'jkt';

/** The binding(s) a token carries: at least one of the two members. */
export interface TokenBindings {
  /** `cnf["x5t#S256"]`: the SHA-256 thumbprint of the client certificate (RFC 8705 §3.1). */
  readonly x5tS256?: string;
  /** `cnf.jkt`: the RFC 7638 SHA-256 thumbprint of the DPoP key (RFC 9449 §6.1). */
  readonly jkt?: string;
}

/** Why a `cnf` cannot be honoured: `malformed`, or `unbound` (bound to nothing verified here). */
export interface ConfirmationRefusal {
  readonly reason: 'malformed' | 'unbound';
  readonly detail: string;
}

const BOTH: readonly ConfirmationMember[] = Object.freeze(['x5t#S256', 'jkt']);

function names(members: readonly string[]): string {
  return members.map((m) => describeUntrusted(m, 64)).join(', ');
}

/**
 * Reads the `cnf` claim (of a JWT, or the top-level member of an introspection response),
 * understanding the members in `understood` (default: both):
 *
 * - absent → `undefined` (unbound);
 * - not a JSON object → refused, `malformed`;
 * - an object with none of the understood members (for example `{}`, `{ kid }`, or `{ jkt }`
 *   where only `x5t#S256` is understood) → refused, `unbound`: the token is bound to something
 *   this resource server does not verify, so accepting it as unbound would strip its sender
 *   constraint;
 * - understood members next to other members → refused, `malformed`: only part of the binding
 *   could be verified;
 * - `x5t#S256` or `jkt` that is not exactly 43 base64url characters (a base64url SHA-256 without
 *   padding) → refused, `malformed`: such a value can match no certificate or key.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-6.1 | RFC 9449 §6.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7800#section-3.1 | RFC 7800 §3.1}
 */
export function inspectConfirmation(
  cnf: unknown,
  understood: readonly ConfirmationMember[] = BOTH,
): TokenBindings | ConfirmationRefusal | undefined {
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) {
    return { reason: 'malformed', detail: 'cnf is not a JSON object' };
  }
  const members = Object.keys(cnf);
  const known = understood.filter((m) => members.includes(m));
  if (known.length === 0) {
    return {
      reason: 'unbound',
      detail: `cnf has no ${understood.join(' or ')} member (has: ${names(members) || 'nothing'})`,
    };
  }
  if (members.length > known.length) {
    return {
      reason: 'malformed',
      detail: `cnf has confirmation members besides ${known.join(' and ')} (${names(
        members.filter((m) => !known.includes(m as ConfirmationMember)),
      )}) that cannot be verified`,
    };
  }
  const bindings: { x5tS256?: string; jkt?: string } = {};
  for (const member of known) {
    const value = (cnf as Record<string, unknown>)[member];
    if (typeof value !== 'string' || !isBase64UrlSha256(value)) {
      return {
        reason: 'malformed',
        detail: `cnf ${member} is not 43 base64url characters without padding`,
      };
    }
    bindings[member === 'jkt' ? 'jkt' : 'x5tS256'] = value;
  }
  return bindings;
}

/** The last reading of each `cnf` object (a cached token's payload keeps its object). */
const readings = new WeakMap<object, Reading>();

/** One reading of a `cnf` object: its refusal, or its bindings as an accepted decision. */
interface Reading {
  readonly understood: readonly ConfirmationMember[] | undefined;
  readonly refusal: ConfirmationRefusal | undefined;
  readonly accepted: { readonly ok: true; readonly value: TokenBindings } | undefined;
}

function readingOf(cnf: object, understood: readonly ConfirmationMember[] | undefined): Reading {
  const known = readings.get(cnf);
  if (known !== undefined && known.understood === understood) return known;
  const read = inspectConfirmation(cnf, understood) as TokenBindings | ConfirmationRefusal;
  const reading: Reading =
    'reason' in read
      ? { understood, refusal: read, accepted: undefined }
      : { understood, refusal: undefined, accepted: Object.freeze(accept(Object.freeze(read))) };
  readings.set(cnf, reading);
  return reading;
}

/**
 * {@link inspectConfirmation} as a decision: the bindings (`undefined` for a token without
 * `cnf`), or the 401 `invalid_token` error (`malformed` or `unbound`) built by `errors`.
 */
export function readBindings(
  cnf: unknown,
  errors: TokenErrors,
  understood?: readonly ConfirmationMember[],
  scheme?: CredentialScheme,
): Decision<TokenBindings | undefined, InvalidTokenError> {
  if (typeof cnf !== 'object' || cnf === null) {
    const read = inspectConfirmation(cnf, understood);
    if (read !== undefined && 'reason' in read) {
      return reject(errors.invalidToken(read.reason, read.detail, scheme));
    }
    return accept(read);
  }
  const { refusal, accepted } = readingOf(cnf, understood);
  if (refusal !== undefined) {
    return reject(errors.invalidToken(refusal.reason, refusal.detail, scheme));
  }
  return accepted as { readonly ok: true; readonly value: TokenBindings };
}

/** What a token's `cnf` claim says about certificate binding (the `x5t#S256`-only reading). */
export type Confirmation =
  /** No `cnf` claim at all: an unbound token. */
  | { readonly kind: 'none' }
  /** A well-formed `cnf: { "x5t#S256": … }`. */
  | { readonly kind: 'x5t#S256'; readonly thumbprint: string }
  /** A `cnf` this resource server cannot honour; `malformed` or `unbound` say how to refuse. */
  | {
      readonly kind: 'refused';
      readonly reason: 'malformed' | 'unbound';
      readonly detail: string;
    };

const NONE: Confirmation = Object.freeze({ kind: 'none' });
const X5T_ONLY: readonly ConfirmationMember[] = Object.freeze(['x5t#S256']);

/**
 * Reads `cnf` understanding `x5t#S256` only (the RFC 8705 §3 reading of
 * `requireCertificateBoundToken()`): {@link inspectConfirmation} with `['x5t#S256']`, so a DPoP
 * `jkt` alone is `unbound` and next to `x5t#S256` is `malformed`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1}
 */
export function readConfirmation(cnf: unknown): Confirmation {
  const read = inspectConfirmation(cnf, X5T_ONLY);
  if (read === undefined) return NONE;
  if ('reason' in read) return { kind: 'refused', reason: read.reason, detail: read.detail };
  return { kind: 'x5t#S256', thumbprint: read.x5tS256 as string };
}

/**
 * Compares two thumbprints (`x5t#S256` or `jkt`) in constant time: every character code is
 * compared, with no early exit, and no buffer is made. Both must be 43-character strings (the
 * shape {@link inspectConfirmation} and `ClientCertificate.thumbprint` guarantee); strings of
 * different lengths are unequal (the length of a thumbprint is no secret).
 */
export function thumbprintsEqual(expected: string, actual: string): boolean {
  const length = expected.length;
  if (actual.length !== length) return false;
  let difference = 0;
  for (let i = 0; i < length; i++) difference |= expected.charCodeAt(i) ^ actual.charCodeAt(i);
  return difference === 0;
}
