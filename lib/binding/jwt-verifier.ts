/**
 * JWT access-token verification: the JOSE header is checked first (algorithm allow-list, `crit`,
 * `typ`, `kid`), then the key is looked up, then the signature and claims are verified with
 * `jsonwebtoken` (EdDSA, which `jsonwebtoken` does not implement, with node:crypto and the same
 * claim rules; a token that passes every check is accepted by a node:crypto fast path first, see
 * `jwt-fast-path.ts`). Pure code: no Express, outcomes instead of exceptions.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068 | RFC 9068} (JWT access tokens)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8725 | RFC 8725} (JWT best current practices)
 * @packageDocumentation
 */
import { verify as cryptoVerify } from 'node:crypto';
import {
  JsonWebTokenError,
  NotBeforeError,
  TokenExpiredError,
  verify as jwtVerify,
  type Algorithm,
  type JwtPayload,
  type VerifyOptions,
} from 'jsonwebtoken';
import {
  checkIssuerAndAudience,
  checkRequiredClaims,
  checkTimeClaims,
  nowInSeconds,
  type TimePolicy,
} from './claims';
import { acceptQuickly, acceptQuicklyOffThread, type QuickOutcome } from './jwt-fast-path';
import type { KeyLookup, KeySource, VerificationKey } from './key-source';
import {
  accepted,
  refused,
  type TokenRefused,
  type TokenVerification,
  type TokenVerifier,
} from './token-verification';
import { escapeUntrusted } from '../internal/sanitize';

/** What a JWT verifier checks. */
export interface JwtVerifierPolicy extends TimePolicy {
  /** Accepted `iss` values; `undefined` when the check was explicitly turned off. */
  readonly issuers: readonly string[] | undefined;
  /** Accepted `aud` values; `undefined` when the check was explicitly turned off. */
  readonly audiences: readonly string[] | undefined;
  /** Accepted JOSE `alg` values (never `none`). */
  readonly algorithms: ReadonlySet<string>;
  /** The required `typ`, normalised by {@link normalizeMediaType}, or `undefined`. */
  readonly typ: string | undefined;
  /** Claims that must be present. */
  readonly requiredClaims: readonly string[];
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** Longest unverified header value written into a message (escaped characters). */
const LOGGED_LENGTH = 40;

/** An unverified header value as it may appear in a message ({@link escapeUntrusted}). */
function loggable(value: unknown): string {
  return escapeUntrusted(value, LOGGED_LENGTH) ?? 'undefined';
}

/**
 * Normalises a JOSE `typ`/`cty` value: media types compare case-insensitively, and a value
 * without `/` stands for `application/<value>` (so `at+jwt` equals `application/at+jwt`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7515#section-4.1.9 | RFC 7515 §4.1.9}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-2.1 | RFC 9068 §2.1}
 */
export function normalizeMediaType(value: string): string {
  const lower = value.toLowerCase();
  return lower.includes('/') ? lower : `application/${lower}`;
}

/** Decodes one base64url JSON object segment of a JWS, or `undefined` when it is not one. */
function decodeObject(segment: string | undefined): Record<string, unknown> | undefined {
  if (segment === undefined || !BASE64URL.test(segment) || segment.length % 4 === 1) {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps a `jsonwebtoken` error to a {@link TokenRejectionReason}. `jsonwebtoken` has no error
 * codes, so its (stable since v9) messages are matched; anything unknown is `malformed`.
 */
export function mapJsonWebTokenError(error: unknown): TokenRefused {
  if (error instanceof TokenExpiredError) {
    return error.message === 'maxAge exceeded'
      ? refused('too_old', 'iat is older than maxTokenAge')
      : refused('expired', 'exp is in the past');
  }
  if (error instanceof NotBeforeError) return refused('not_yet_valid', 'nbf is in the future');
  if (!(error instanceof JsonWebTokenError)) {
    return refused('malformed', error instanceof Error ? error.message : 'unreadable token');
  }
  const { message } = error;
  if (message === 'invalid signature') return refused('signature', message);
  if (message.startsWith('jwt audience invalid')) return refused('audience', message);
  if (message.startsWith('jwt issuer invalid')) return refused('issuer', message);
  if (message === 'iat required when maxAge is specified') return refused('claims', message);
  if (
    message === 'invalid algorithm' ||
    message === 'jwt signature is required' ||
    message.startsWith('secretOrPublicKey must be') ||
    message.startsWith('"alg" parameter') ||
    message.startsWith('Invalid key for this operation')
  ) {
    return refused('algorithm', message);
  }
  return refused('malformed', message);
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/**
 * Creates a JWT verifier over a key source.
 *
 * Checks, in order: three base64url segments with JSON-object header; `alg` in the allow-list
 * (`algorithm`); no `crit` header (no extension is understood, so any is refused: `malformed`,
 * RFC 7515 §4.1.11); `typ` when required (`type`); a string `kid` when present; the key (an
 * unknown `kid` is `signature`); the key's own algorithm family (`algorithm`); signature
 * (`signature`); `nbf`, `exp`, `aud`, `iss`, token age; required claims (`claims`).
 *
 * @param offThread verify RS, PS and ES signatures on libuv's thread pool (the answer for a new
 *   token is then a promise): the event loop serves other requests meanwhile. Default `false`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8725#section-3.1 | RFC 8725 §3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-4 | RFC 9068 §4}
 */
export function createJwtVerifier(
  keys: KeySource,
  policy: JwtVerifierPolicy,
  offThread = false,
): TokenVerifier {
  const baseOptions: VerifyOptions = {
    clockTolerance: policy.clockTolerance,
    ...(policy.issuers === undefined ? {} : { issuer: policy.issuers as [string, ...string[]] }),
    ...(policy.audiences === undefined
      ? {}
      : { audience: policy.audiences as [string, ...string[]] }),
    ...(policy.maxTokenAge === undefined ? {} : { maxAge: policy.maxTokenAge }),
  };
  const optionsByAlgorithm = new Map<string, VerifyOptions>(
    [...policy.algorithms].map((alg) => [alg, { ...baseOptions, algorithms: [alg as Algorithm] }]),
  );

  function verifyEdDsa(parts: readonly string[], key: VerificationKey): TokenVerification {
    const [header, body, signature] = parts as [string, string, string];
    const valid =
      BASE64URL.test(signature) &&
      cryptoVerify(
        null,
        Buffer.from(`${header}.${body}`),
        key.key,
        Buffer.from(signature, 'base64url'),
      );
    if (!valid) return refused('signature', 'invalid signature');
    const payload = decodeObject(body);
    if (payload === undefined) return refused('malformed', 'payload is not a JSON object');
    return (
      checkTimeClaims(payload, nowInSeconds(), policy) ??
      checkIssuerAndAudience(payload, policy.issuers, policy.audiences) ??
      accept(payload)
    );
  }

  function verifySignature(
    token: string,
    parts: readonly string[],
    alg: string,
    lookup: KeyLookup,
  ): TokenVerification | Promise<TokenVerification> {
    if (lookup.status !== 'key') return lookup;
    if (!lookup.algorithms.has(alg)) {
      return refused('algorithm', `alg ${alg} cannot be used with this key`);
    }
    if (alg === 'EdDSA') return verifyEdDsa(parts, lookup);
    if (offThread) {
      const pending = acceptQuicklyOffThread(parts, alg, lookup.key, policy);
      if (pending !== undefined) {
        return pending.then((quick) => settle(quick, token, alg, lookup.key));
      }
      return settle(undefined, token, alg, lookup.key);
    }
    return settle(acceptQuickly(parts, alg, lookup.key, policy), token, alg, lookup.key);
  }

  /** Concludes from the fast path, or asks `jsonwebtoken` when it could not decide. */
  function settle(
    quick: QuickOutcome,
    token: string,
    alg: string,
    key: VerificationKey['key'],
  ): TokenVerification {
    if (quick === false) return refused('signature', 'invalid signature');
    if (quick !== undefined) return accept(quick);
    let payload: JwtPayload | string;
    try {
      payload = jwtVerify(token, key, optionsByAlgorithm.get(alg));
    } catch (error) {
      return mapJsonWebTokenError(error);
    }
    if (typeof payload === 'string') return refused('malformed', 'payload is not a JSON object');
    return accept(payload);
  }

  function accept(payload: JwtPayload): TokenVerification {
    return checkRequiredClaims(payload, policy.requiredClaims) ?? accepted(payload);
  }

  return {
    verify(token) {
      const parts = token.split('.');
      const header = parts.length === 3 ? decodeObject(parts[0]) : undefined;
      if (header === undefined) return refused('malformed', 'not a JWS compact serialization');
      const { alg, kid, typ } = header;
      if (typeof alg !== 'string' || !policy.algorithms.has(alg)) {
        return refused('algorithm', `alg ${loggable(alg)} is not accepted`);
      }
      if (header.crit !== undefined) {
        return refused('malformed', 'crit header parameters are not supported');
      }
      if (
        policy.typ !== undefined &&
        (typeof typ !== 'string' || normalizeMediaType(typ) !== policy.typ)
      ) {
        return refused('type', `typ ${loggable(typ)} is not ${policy.typ}`);
      }
      if (kid !== undefined && typeof kid !== 'string') {
        return refused('malformed', 'kid is not a string');
      }
      const lookup = keys.get(kid);
      return isPromise(lookup)
        ? lookup.then((found) => verifySignature(token, parts, alg, found))
        : verifySignature(token, parts, alg, lookup);
    },
  };
}
