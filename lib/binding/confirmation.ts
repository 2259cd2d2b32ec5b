/**
 * The certificate-binding check of RFC 8705 §3: read `cnf` and compare its `x5t#S256` with the
 * presented certificate's thumbprint in constant time. Pure code.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @packageDocumentation
 */
import { timingSafeEqual } from 'node:crypto';
import { isBase64UrlSha256 } from '../internal/base64';
import { describeUntrusted } from '../internal/sanitize';

/** What a token's `cnf` claim says about certificate binding. */
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

/**
 * Reads the `cnf` claim (of a JWT, or the top-level member of an introspection response).
 *
 * - absent → `none` (unbound; accepted only with `allowUnboundTokens`);
 * - not a JSON object → refused, `malformed`;
 * - an object without `x5t#S256` (e.g. only `jkt`, a DPoP key binding, or `{}`) → refused,
 *   `unbound`, always: the token is bound to something this resource server does not verify, so
 *   accepting it as unbound would strip its sender constraint;
 * - `x5t#S256` next to other confirmation members → refused, `malformed`: only part of the
 *   binding could be verified;
 * - `x5t#S256` that is not exactly 43 base64url characters (padded, standard base64, hex…) →
 *   refused, `malformed`: RFC 8705 §3.1 mandates base64url without padding, and such a value can
 *   match no certificate.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7800#section-3.1 | RFC 7800 §3.1}
 */
export function readConfirmation(cnf: unknown): Confirmation {
  if (cnf === undefined) return NONE;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) {
    return { kind: 'refused', reason: 'malformed', detail: 'cnf is not a JSON object' };
  }
  const members = Object.keys(cnf);
  if (!members.includes('x5t#S256')) {
    return {
      kind: 'refused',
      reason: 'unbound',
      detail: `cnf has no x5t#S256 member (has: ${members.map((m) => describeUntrusted(m, 64)).join(', ') || 'nothing'})`,
    };
  }
  if (members.length > 1) {
    return {
      kind: 'refused',
      reason: 'malformed',
      detail: `cnf has confirmation members besides x5t#S256 (${members
        .filter((m) => m !== 'x5t#S256')
        .map((m) => describeUntrusted(m, 64))
        .join(', ')}) that cannot be verified`,
    };
  }
  const value = (cnf as Record<string, unknown>)['x5t#S256'];
  if (typeof value !== 'string' || !isBase64UrlSha256(value)) {
    return {
      kind: 'refused',
      reason: 'malformed',
      detail: 'cnf x5t#S256 is not 43 base64url characters without padding',
    };
  }
  return { kind: 'x5t#S256', thumbprint: value };
}

/**
 * Compares two `x5t#S256` values in constant time. Both must be 43-character strings (the
 * shape {@link readConfirmation} and `ClientCertificate.thumbprint` guarantee); anything else is
 * unequal.
 */
export function thumbprintsEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(actual, 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}
