/**
 * Where verification keys come from: a static key given at startup (this file) or a JWKS
 * endpoint (`jwks-key-source.ts`). Keys are node:crypto `KeyObject`s, converted once, each with
 * the set of algorithms it may verify.
 *
 * @packageDocumentation
 */
import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { algorithmsForKey, type JwsAlgorithm } from './algorithms';
import type { TokenRefused, VerifierUnavailable } from './token-verification';

/** A key ready to verify signatures, with the algorithms it is allowed to verify. */
export interface VerificationKey {
  readonly status: 'key';
  readonly key: KeyObject;
  readonly algorithms: ReadonlySet<string>;
}

/** The outcome of a key lookup: a key, a refusal (unknown key), or unavailability. */
export type KeyLookup = VerificationKey | TokenRefused | VerifierUnavailable;

/** A source of verification keys, looked up by the JOSE header's `kid`. */
export interface KeySource {
  get(kid: string | undefined): KeyLookup | Promise<KeyLookup>;
}

/**
 * A public JSON Web Key (RFC 7517). Declared here rather than taken from `node:crypto`, whose
 * `JsonWebKey` export differs between `@types/node` versions.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-4 | RFC 7517 §4}
 */
export interface JsonWebKeyInput {
  /** The key type (`RSA`, `EC`, `OKP`); `oct` (a symmetric key) is refused. */
  readonly kty?: string | undefined;
  /** The algorithm the key is restricted to, enforced when present. */
  readonly alg?: string | undefined;
  readonly [member: string]: unknown;
}

/** node:crypto's own JWK input type, named without importing it. */
type NodeJwk = Extract<Parameters<typeof createPublicKey>[0], { format: 'jwk' }>['key'];

/** What `publicKey` accepts: PEM (SPKI, PKCS#1 or a certificate), DER SPKI, a KeyObject or a JWK. */
export type PublicKeyInput = string | Buffer | KeyObject | JsonWebKeyInput;

/** What `secret` accepts: a string (UTF-8 bytes), bytes, or a secret KeyObject. */
export type SecretInput = string | Buffer | KeyObject;

/**
 * Converts the `publicKey` option to a public `KeyObject` (a private key is reduced to its
 * public half) and returns the algorithms the key itself restricts to (a JWK's `alg`).
 *
 * @throws {TypeError} when the value is not a public key.
 */
export function toPublicKey(
  factory: string,
  input: PublicKeyInput,
): { key: KeyObject; alg: string | undefined } {
  let key: KeyObject;
  let alg: string | undefined;
  try {
    if (input instanceof KeyObject) {
      if (input.type === 'secret') throw new TypeError('a secret key');
      key = input.type === 'private' ? createPublicKey(input) : input;
    } else if (typeof input === 'string' || Buffer.isBuffer(input)) {
      key = createPublicKey(
        typeof input === 'string' ? input : { key: input, format: 'der', type: 'spki' },
      );
    } else {
      if (input.kty === 'oct') throw new TypeError('a symmetric JWK');
      key = createPublicKey({ key: input as NodeJwk, format: 'jwk' });
      alg = typeof input.alg === 'string' ? input.alg : undefined;
    }
  } catch (error) {
    throw new TypeError(
      `${factory}: "publicKey" must be a public key (PEM, DER SPKI, KeyObject or JWK); HMAC keys go in "secret". (${(error as Error).message})`,
      { cause: error },
    );
  }
  return { key, alg };
}

/**
 * Converts the `secret` option to a secret `KeyObject`.
 *
 * @throws {TypeError} when the value is not a secret or is shorter than 32 bytes (RFC 7518 §3.2).
 */
export function toSecretKey(factory: string, input: SecretInput): KeyObject {
  let key: KeyObject;
  if (input instanceof KeyObject) {
    key = input;
  } else if (typeof input === 'string' || Buffer.isBuffer(input)) {
    key = createSecretKey(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  } else {
    throw new TypeError(`${factory}: "secret" must be a string, a Buffer or a secret KeyObject.`);
  }
  if (key.type !== 'secret') {
    throw new TypeError(
      `${factory}: "secret" must be a secret key; use "publicKey" for ${key.type} keys.`,
    );
  }
  if (algorithmsForKey(key).length === 0) {
    throw new TypeError(
      `${factory}: "secret" must be at least 32 bytes long (RFC 7518 §3.2: as long as the HMAC hash output).`,
    );
  }
  return key;
}

/**
 * The algorithms `key` may verify under the configured policy: those its type allows, those the
 * policy allows and, when the key names one (`alg`), only that one.
 */
export function allowedAlgorithms(
  key: KeyObject,
  policy: readonly string[],
  alg: string | undefined,
): ReadonlySet<string> {
  const byType: readonly JwsAlgorithm[] = algorithmsForKey(key);
  return new Set(byType.filter((a) => policy.includes(a) && (alg === undefined || alg === a)));
}

/** A key source that always answers with the one configured key. */
export function staticKeySource(key: KeyObject, algorithms: ReadonlySet<string>): KeySource {
  const entry: VerificationKey = Object.freeze({ status: 'key', key, algorithms });
  return { get: () => entry };
}
