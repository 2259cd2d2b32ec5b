/**
 * JWS algorithms and which key may verify which algorithm. The key type decides the family, so
 * an HMAC algorithm can never be checked with a public key (the "alg confusion" attack).
 *
 * @packageDocumentation
 */
import type { AsymmetricKeyDetails, KeyObject } from 'node:crypto';

/**
 * The asymmetric JWS algorithms accepted by default: RSASSA-PKCS1-v1_5, RSASSA-PSS, ECDSA and
 * EdDSA. `none` is never accepted.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7518#section-3.1 | RFC 7518 §3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8037#section-3.1 | RFC 8037 §3.1} (EdDSA)
 */
export const ASYMMETRIC_ALGORITHMS = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const);

/**
 * The HMAC JWS algorithms, accepted only with a `secret`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7518#section-3.2 | RFC 7518 §3.2}
 */
export const HMAC_ALGORITHMS = Object.freeze(['HS256', 'HS384', 'HS512'] as const);

/** A JWS algorithm name this library can verify. */
export type JwsAlgorithm =
  (typeof ASYMMETRIC_ALGORITHMS)[number] | (typeof HMAC_ALGORITHMS)[number];

/** Every algorithm name this library knows. */
export const KNOWN_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze([
  ...ASYMMETRIC_ALGORITHMS,
  ...HMAC_ALGORITHMS,
]);

/** The smallest RSA modulus accepted, in bits (RFC 7518 §3.3 and §3.5: 2048 or larger). */
export const MIN_RSA_BITS = 2048;

const RSA: readonly JwsAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const RSA_PSS: readonly JwsAlgorithm[] = ['PS256', 'PS384', 'PS512'];
const EC_BY_CURVE: ReadonlyMap<string | undefined, readonly JwsAlgorithm[]> = new Map([
  ['prime256v1', ['ES256']],
  ['secp384r1', ['ES384']],
  ['secp521r1', ['ES512']],
]);
const NONE: readonly JwsAlgorithm[] = [];

/**
 * The algorithms a key can verify, decided by its type alone: RSA keys (2048 bits or more) the
 * `RS` and `PS` algorithms, RSA-PSS keys the `PS` ones, EC keys the `ES` algorithm of their
 * curve, Ed25519/Ed448 keys `EdDSA`, secret keys the `HS` algorithms whose hash is no longer
 * than the secret. Anything else, or a too-small key, verifies nothing.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7518#section-3 | RFC 7518 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8725#section-3.1 | RFC 8725 §3.1} (algorithm
 *   verification)
 */
export function algorithmsForKey(key: KeyObject): readonly JwsAlgorithm[] {
  if (key.type === 'secret') {
    const bits = Number(key.symmetricKeySize) * 8;
    return HMAC_ALGORITHMS.filter((alg) => bits >= Number(alg.slice(2)));
  }
  if (key.type !== 'public') return NONE;
  // always set for public asymmetric keys; a missing value compares as NaN and is refused
  const details = key.asymmetricKeyDetails as AsymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      if (!(Number(details.modulusLength) >= MIN_RSA_BITS)) return NONE;
      return key.asymmetricKeyType === 'rsa' ? RSA : RSA_PSS;
    }
    case 'ec':
      return EC_BY_CURVE.get(details.namedCurve) ?? NONE;
    case 'ed25519':
    case 'ed448':
      return ['EdDSA'];
    default:
      return NONE;
  }
}
