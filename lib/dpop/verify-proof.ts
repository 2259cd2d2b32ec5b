/**
 * The DPoP proof check of a resource server (RFC 9449 §4.3 and §7.1), as a pure decision: the
 * proof header values, the request's method and `htu`, the access token and its `cnf.jkt` in;
 * the proof's key thumbprint, `jti` and a replay key out — or the reason to refuse. The replay
 * check itself (a shared store) and the mapping to errors and challenges are the adapter's.
 *
 * Every byte of a proof is the client's. Nothing it wrote is copied into a `detail`; work is
 * bounded by a size cap before any parsing and by key-size limits before any signature check.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 * @packageDocumentation
 */
import {
  constants,
  createHash,
  createPublicKey,
  timingSafeEqual,
  verify,
  type KeyObject,
  type VerifyKeyObjectInput,
} from 'node:crypto';
import { ASYMMETRIC_ALGORITHMS, MIN_RSA_BITS } from '../binding/algorithms';
import { decodeBase64UrlStrict } from '../internal/base64';
import { MAX_RSA_BITS, MAX_RSA_EXPONENT_BITS } from '../internal/key-strength';
import { LruCache } from '../internal/lru-cache';
import { checkOptions, didYouMean, enumOption, integerOption } from '../internal/options';
import { thumbprintMembers, thumbprintOfMembers, type ThumbprintMembers } from './jwk-thumbprint';
import { htuMatches } from './htu';
import { dpopNonces, type DpopNonceOptions, type DpopNonces } from './nonce';

/**
 * Why a proof was refused: the `reason` of `ERR_MTLS_INVALID_DPOP_PROOF`. `replayed` is the
 * replay store's verdict, never returned by {@link verifyDpopProof}.
 */
export type DpopProofReason =
  | 'missing'
  | 'multiple'
  | 'malformed'
  | 'type'
  | 'algorithm'
  | 'signature'
  | 'private_key'
  | 'htm'
  | 'htu'
  | 'iat'
  | 'ath'
  | 'replayed'
  | 'key_mismatch';

/** An accepted proof. */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's `jwk` (compare with the token's `cnf.jkt`). */
  readonly jkt: string;
  /** The proof's `jti` (1 to 256 characters, the client's text: escape before logging). */
  readonly jti: string;
  /** The proof's `iat`, in seconds. */
  readonly iat: number;
  /**
   * The key to give the replay store: SHA-256 of `jkt` and `jti`, base64url (43 characters),
   * so one client's `jti` values cannot collide with another's and no client text reaches it.
   */
  readonly replayKey: string;
  /**
   * How long the replay store must remember {@link replayKey}: until the proof's `iat` window
   * closes (`iat + maxAge + tolerance`, counted from `now`), plus {@link REPLAY_TTL_MARGIN_MS} and
   * the tolerance again, for the time between this check and the store's own clock and for
   * instances whose clocks differ by up to the tolerance.
   */
  readonly ttlMs: number;
}

/** A refused proof; `detail` is for logs and never holds the client's text. */
export type DpopProofFailure =
  | { readonly ok: false; readonly reason: DpopProofReason; readonly detail: string }
  | {
      readonly ok: false;
      /** The proof lacks a valid nonce: answer 401 `use_dpop_nonce` with {@link nonce}. */
      readonly reason: 'use_dpop_nonce';
      /** A fresh nonce for the `DPoP-Nonce` response header. */
      readonly nonce: string;
      readonly detail: string;
    };

/** The outcome of {@link verifyDpopProof}. */
export type DpopProofResult =
  { readonly ok: true; readonly value: VerifiedDpopProof } | DpopProofFailure;

/** What a request presents, as plain values. */
export interface DpopProofInput {
  /**
   * Every `DPoP` header value of the request (none, one, or several): `req.headersDistinct.dpop`,
   * since `req.headers.dpop` joins repeated headers into one string (refused as `multiple` too).
   */
  readonly proofs: readonly string[];
  /** The request method, as `req.method` gives it (upper case). */
  readonly method: string;
  /** The request's normalised `htu` (`requestHtu()`), or `undefined` when it cannot be known. */
  readonly htu: string | undefined;
  /** The access token sent with the proof; when given, `ath` must be its hash. */
  readonly accessToken?: string | undefined;
  /** The token's `cnf.jkt`; when given, the proof's key must have this thumbprint. */
  readonly expectedJkt?: string | undefined;
  /** The current time, in milliseconds since the epoch (`Date.now()`). */
  readonly now: number;
}

/** The proof algorithms this library verifies; `Ed25519` is the fully specified `EdDSA`. */
export const DPOP_PROOF_ALGORITHMS = Object.freeze([...ASYMMETRIC_ALGORITHMS, 'Ed25519'] as const);

/** A DPoP proof algorithm name. */
export type DpopProofAlgorithm = (typeof DPOP_PROOF_ALGORITHMS)[number];

/** The default `dpop.algorithms`. */
export const DEFAULT_DPOP_PROOF_ALGORITHMS: readonly DpopProofAlgorithm[] = Object.freeze([
  'ES256',
  'PS256',
  'EdDSA',
]);

/**
 * The algorithms FAPI 2.0 allows (Security Profile §5.4: PS256, ES256, EdDSA).
 *
 * @see {@link https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.4 | FAPI 2.0 §5.4}
 */
export const FAPI2_DPOP_PROOF_ALGORITHMS: readonly DpopProofAlgorithm[] = Object.freeze([
  'ES256',
  'PS256',
  'EdDSA',
  'Ed25519',
]);

/** What a replay entry outlives its proof's window by, besides the clock tolerance, in ms. */
export const REPLAY_TTL_MARGIN_MS = 5000;

/** Largest proof accepted, in characters; a longer one is refused before any parsing. */
export const DPOP_PROOF_MAX_LENGTH = 8192;

/** Largest `jti`, in characters. */
export const DPOP_JTI_MAX_LENGTH = 256;

/** The options of {@link dpopProofSettings}. */
export interface DpopProofOptions {
  /** Accepted proof algorithms. Default `['ES256', 'PS256', 'EdDSA']`; `Ed25519` = `EdDSA`. */
  readonly algorithms?: readonly string[] | undefined;
  /** How old a proof's `iat` may be, in seconds. Default 300. */
  readonly maxAgeSeconds?: number | undefined;
  /** Clock skew allowed either way around the `iat` window, in seconds. Default 5. */
  readonly clockToleranceSeconds?: number | undefined;
  /** Server nonces (RFC 9449 §8): the secrets and time step. Off by default. */
  readonly nonce?: DpopNonceOptions | undefined;
  /** `'fapi2'`: only PS256, ES256 and EdDSA (FAPI 2.0 Security Profile §5.4). */
  readonly profile?: 'fapi2' | undefined;
}

/** Checked settings of {@link verifyDpopProof}, made once by {@link dpopProofSettings}. */
export interface DpopProofSettings {
  /** The accepted algorithms, as configured (for the challenge's `algs`). */
  readonly algorithms: readonly DpopProofAlgorithm[];
  readonly maxAgeSeconds: number;
  readonly clockToleranceSeconds: number;
  /** The nonce issuer and validator, when nonces are on. */
  readonly nonce: DpopNonces | undefined;
  readonly profile: 'fapi2' | undefined;
  /** @internal Algorithm names accepted in a proof (aliases included). */
  readonly accepted: ReadonlySet<string>;
  /** @internal Public keys by thumbprint, so a returning client costs no key import. */
  readonly keys: LruCache<string, KeyObject>;
}

const FACTORY = 'dpop';
const KEY_CACHE_SIZE = 1000;

/**
 * Validates the proof options once.
 *
 * @throws {TypeError} for an unknown option, an unknown, symmetric or `none` algorithm, an
 *   algorithm FAPI 2.0 forbids with `profile: 'fapi2'`, a bad duration, or bad nonce options.
 */
export function dpopProofSettings(options?: DpopProofOptions): DpopProofSettings {
  const checked = checkOptions<DpopProofOptions>(FACTORY, options, [
    'algorithms',
    'maxAgeSeconds',
    'clockToleranceSeconds',
    'nonce',
    'profile',
  ]);
  const profile =
    checked.profile === undefined
      ? undefined
      : enumOption(FACTORY, 'profile', checked.profile, ['fapi2'], 'fapi2');
  const algorithms = readAlgorithms(checked.algorithms, profile);
  const accepted = new Set<string>(algorithms);
  if (accepted.has('EdDSA') || accepted.has('Ed25519')) {
    accepted.add('EdDSA');
    accepted.add('Ed25519');
  }
  return Object.freeze({
    algorithms,
    maxAgeSeconds: integerOption(FACTORY, 'maxAgeSeconds', checked.maxAgeSeconds, 300, 1),
    clockToleranceSeconds: integerOption(
      FACTORY,
      'clockToleranceSeconds',
      checked.clockToleranceSeconds,
      5,
    ),
    nonce: checked.nonce === undefined ? undefined : dpopNonces(checked.nonce),
    profile,
    accepted,
    keys: new LruCache<string, KeyObject>(KEY_CACHE_SIZE),
  });
}

function readAlgorithms(value: unknown, profile: 'fapi2' | undefined): DpopProofAlgorithm[] {
  if (value === undefined) return [...DEFAULT_DPOP_PROOF_ALGORITHMS];
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`${FACTORY}: "algorithms" must be a non-empty array of JWS algorithms.`);
  }
  const allowed: readonly string[] =
    profile === 'fapi2' ? FAPI2_DPOP_PROOF_ALGORITHMS : DPOP_PROOF_ALGORITHMS;
  for (const alg of value as unknown[]) {
    if (typeof alg === 'string' && allowed.includes(alg)) continue;
    const name = typeof alg === 'string' ? alg : `[${typeof alg}]`;
    const why =
      typeof alg === 'string' && (DPOP_PROOF_ALGORITHMS as readonly string[]).includes(alg)
        ? 'FAPI 2.0 allows only PS256, ES256 and EdDSA (profile "fapi2").'
        : /^(none|HS\d+)$/i.test(name)
          ? 'a DPoP proof must be signed with an asymmetric key (RFC 9449 §4.2).'
          : `supported: ${allowed.join(', ')}.${typeof alg === 'string' ? didYouMean(alg, allowed) : ''}`;
    throw new TypeError(`${FACTORY}: algorithm "${name.slice(0, 32)}" is not accepted: ${why}`);
  }
  return [...new Set(value as DpopProofAlgorithm[])];
}

const SEGMENT_JSON = new TextDecoder('utf-8', { fatal: true });
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'] as const;

/** How each algorithm verifies: the hash, the key it needs, and the signature length. */
interface AlgorithmProfile {
  readonly hash: string | null;
  readonly key: 'EC' | 'RSA' | 'OKP';
  readonly curve?: string;
  /** Exact signature length in bytes (ECDSA in IEEE P1363 form, Ed25519). */
  readonly signatureLength?: number;
  readonly pssSaltLength?: number;
}

const PROFILES: Readonly<Record<string, AlgorithmProfile>> = {
  ES256: { hash: 'sha256', key: 'EC', curve: 'P-256', signatureLength: 64 },
  ES384: { hash: 'sha384', key: 'EC', curve: 'P-384', signatureLength: 96 },
  ES512: { hash: 'sha512', key: 'EC', curve: 'P-521', signatureLength: 132 },
  RS256: { hash: 'sha256', key: 'RSA' },
  RS384: { hash: 'sha384', key: 'RSA' },
  RS512: { hash: 'sha512', key: 'RSA' },
  PS256: { hash: 'sha256', key: 'RSA', pssSaltLength: 32 },
  PS384: { hash: 'sha384', key: 'RSA', pssSaltLength: 48 },
  PS512: { hash: 'sha512', key: 'RSA', pssSaltLength: 64 },
  EdDSA: { hash: null, key: 'OKP', curve: 'Ed25519', signatureLength: 64 },
  Ed25519: { hash: null, key: 'OKP', curve: 'Ed25519', signatureLength: 64 },
};

function fail(reason: DpopProofReason, detail: string): DpopProofFailure {
  return { ok: false, reason, detail: `DPoP proof ${detail}` };
}

function jsonObject(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64UrlStrict(segment);
  if (bytes === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(SEGMENT_JSON.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function hasOwn(object: object, name: string): boolean {
  return Object.hasOwn(object, name);
}

/** Whether the key's type, curve and size fit the algorithm (and a bounded verification cost). */
function keyFits(members: ThumbprintMembers, profile: AlgorithmProfile): boolean {
  if (members.kty !== profile.key) return false;
  if (members.kty === 'RSA') {
    return (
      members.modulusBits >= MIN_RSA_BITS &&
      members.modulusBits <= MAX_RSA_BITS &&
      members.exponentBits <= MAX_RSA_EXPONENT_BITS
    );
  }
  return members.crv === profile.curve;
}

function publicKey(members: ThumbprintMembers): KeyObject | undefined {
  const { kty } = members;
  const jwk =
    kty === 'RSA'
      ? { kty, n: members.n, e: members.e }
      : kty === 'EC'
        ? { kty, crv: members.crv, x: members.x, y: members.y }
        : { kty, crv: members.crv, x: members.x };
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return undefined;
  }
}

function verifyInput(key: KeyObject, profile: AlgorithmProfile): VerifyKeyObjectInput {
  if (profile.pssSaltLength !== undefined) {
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: profile.pssSaltLength,
    };
  }
  return profile.key === 'EC' ? { key, dsaEncoding: 'ieee-p1363' } : { key };
}

function verifySignature(
  profile: AlgorithmProfile,
  key: VerifyKeyObjectInput,
  data: Buffer,
  signature: Buffer,
): Promise<boolean> {
  return new Promise((resolve) => {
    verify(profile.hash, data, key, signature, (error, valid) => {
      resolve(error === null && valid);
    });
  });
}

function base64UrlSha256(value: string): Buffer {
  return Buffer.from(createHash('sha256').update(value).digest('base64url'), 'latin1');
}

function equalText(expected: Buffer, actual: unknown): boolean {
  if (typeof actual !== 'string') return false;
  const presented = Buffer.from(actual, 'utf8');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * Checks a DPoP proof for a request, in this order, each failure with its reason (a missing
 * claim gets the same reason as a wrong one):
 *
 * 1. exactly one proof — `missing` (none, or an empty value), `multiple` (several values, or one
 *    with a comma: Node joins repeated unknown headers with `, ` in `req.headers`);
 * 2. at most {@link DPOP_PROOF_MAX_LENGTH} characters, then a compact JWS of three strict
 *    base64url parts whose header and payload are JSON objects (UTF-8), without `crit` —
 *    `malformed`;
 * 3. `typ` exactly `dpop+jwt` — `type`;
 * 4. `alg` one of the configured asymmetric algorithms — `algorithm`;
 * 5. `jwk` a JSON object without private members (`d p q dp dq qi k oth`) — `private_key`; with
 *    exactly well-formed public members (RFC 7638 §3.2) — `malformed`;
 * 6. the key fits the algorithm: EC P-256/384/521 for ES256/384/512, RSA of 2048 to 8192 bits
 *    with an exponent of at most 33 bits for RS/PS, OKP Ed25519 for EdDSA — `algorithm`;
 * 7. the signature, by that key (ECDSA in IEEE P1363 form, RSASSA-PSS with a salt as long as the
 *    hash) — `signature` (a key node:crypto cannot import — `malformed`);
 * 8. `htm` equal to the method — `htm`;
 * 9. `htu` equal to the request's — `htu` (also when the request's is unknown);
 * 10. `iat` a number within `[now − maxAge − tolerance, now + tolerance]` — `iat`;
 * 11. `jti` a string of 1 to 256 characters — `malformed`;
 * 12. with an access token, `ath` = base64url(SHA-256(token)) — `ath`;
 * 13. with nonces on, a valid `nonce` — `use_dpop_nonce`, with a fresh nonce;
 * 14. with `expectedJkt`, the key's thumbprint equal to it — `key_mismatch`.
 *
 * Replay is not checked here: give {@link VerifiedDpopProof.replayKey} and
 * {@link VerifiedDpopProof.ttlMs} to the replay store and refuse as `replayed` when it has seen
 * the key.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-9 | RFC 9449 §9} (nonce)
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-11.1 | RFC 9449 §11.1} (replay)
 */
export async function verifyDpopProof(
  input: DpopProofInput,
  settings: DpopProofSettings,
): Promise<DpopProofResult> {
  const { proofs } = input;
  if (proofs.length > 1) return fail('multiple', 'header appears more than once');
  const proof = proofs[0];
  if (proof === undefined || proof === '') return fail('missing', 'header is missing');
  if (proof.includes(','))
    return fail('multiple', 'header holds a list (headers joined by a comma)');
  if (proof.length > DPOP_PROOF_MAX_LENGTH) {
    return fail('malformed', `is longer than ${DPOP_PROOF_MAX_LENGTH} characters`);
  }
  const first = proof.indexOf('.');
  const second = proof.indexOf('.', first + 1);
  if (first === -1 || second === -1 || proof.includes('.', second + 1)) {
    return fail('malformed', 'is not a compact JWS of three parts');
  }
  const headerPart = proof.slice(0, first);
  const payloadPart = proof.slice(first + 1, second);
  const signaturePart = proof.slice(second + 1);
  const header = jsonObject(headerPart);
  const payload = jsonObject(payloadPart);
  const signature = decodeBase64UrlStrict(signaturePart);
  if (header === undefined || payload === undefined || signature === undefined) {
    return fail('malformed', 'has a part that is not strict base64url of a JSON object');
  }
  if (hasOwn(header, 'crit')) return fail('malformed', 'header has "crit" extensions');

  if (header.typ !== 'dpop+jwt') return fail('type', 'typ is not "dpop+jwt"');
  const { alg } = header;
  const profile = typeof alg === 'string' && settings.accepted.has(alg) ? PROFILES[alg] : undefined;
  if (profile === undefined) {
    return fail('algorithm', `alg is not one of ${settings.algorithms.join(', ')}`);
  }
  const { jwk } = header;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    return fail('malformed', 'header has no jwk object');
  }
  if (PRIVATE_MEMBERS.some((name) => hasOwn(jwk, name))) {
    return fail('private_key', 'jwk holds private key material');
  }
  const members = thumbprintMembers(jwk);
  if (members === undefined) return fail('malformed', 'jwk is not a well-formed public key');
  if (!keyFits(members, profile)) {
    return fail('algorithm', 'jwk key type, curve or size does not fit its alg');
  }

  const jkt = thumbprintOfMembers(members);
  let key = settings.keys.get(jkt);
  if (key === undefined) {
    key = publicKey(members);
    if (key === undefined) return fail('malformed', 'jwk is not a valid public key');
    settings.keys.set(jkt, key);
  }
  const data = Buffer.from(`${headerPart}.${payloadPart}`, 'latin1');
  const lengthOk =
    profile.signatureLength === undefined
      ? signature.length === Math.ceil((members as { modulusBits: number }).modulusBits / 8)
      : signature.length === profile.signatureLength;
  if (!lengthOk || !(await verifySignature(profile, verifyInput(key, profile), data, signature))) {
    return fail('signature', 'signature does not verify with its jwk');
  }

  if (payload.htm !== input.method) return fail('htm', 'htm does not match the request method');
  if (input.htu === undefined) return fail('htu', 'cannot be checked: the request URL is unknown');
  if (!htuMatches(payload.htu, input.htu)) return fail('htu', 'htu does not match the request URL');
  const { iat } = payload;
  const now = input.now / 1000;
  const tolerance = settings.clockToleranceSeconds;
  if (
    typeof iat !== 'number' ||
    !(iat >= now - settings.maxAgeSeconds - tolerance && iat <= now + tolerance)
  ) {
    return fail('iat', 'iat is missing or outside the accepted window');
  }
  const { jti } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > DPOP_JTI_MAX_LENGTH) {
    return fail('malformed', `jti is not a string of 1 to ${DPOP_JTI_MAX_LENGTH} characters`);
  }
  if (
    input.accessToken !== undefined &&
    !equalText(base64UrlSha256(input.accessToken), payload.ath)
  ) {
    return fail('ath', 'ath is not the hash of the access token');
  }
  if (settings.nonce !== undefined && !settings.nonce.check(payload.nonce, input.now)) {
    return {
      ok: false,
      reason: 'use_dpop_nonce',
      nonce: settings.nonce.issue(input.now),
      detail: 'DPoP proof has no nonce or a stale one',
    };
  }
  if (input.expectedJkt !== undefined && !equalText(Buffer.from(input.expectedJkt, 'utf8'), jkt)) {
    return fail('key_mismatch', 'jwk thumbprint does not match the token cnf.jkt');
  }
  return {
    ok: true,
    value: {
      jkt,
      jti,
      iat,
      replayKey: createHash('sha256').update(`${jkt}:${jti}`).digest('base64url'),
      ttlMs:
        Math.max(0, (iat + settings.maxAgeSeconds + tolerance) * 1000 - input.now) +
        tolerance * 1000 +
        REPLAY_TTL_MARGIN_MS,
    },
  };
}
