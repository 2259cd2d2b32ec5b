/**
 * The token server's signing key: which JWS algorithm it signs with, its public JWK for the JWKS
 * endpoint and its `kid`. Pure code, no Express.
 *
 * @packageDocumentation
 */
import { createHash, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';

/** The JWS algorithms the sample token server signs with. */
export type SigningAlgorithm = 'RS256' | 'ES256';

/** A public JSON Web Key as published in the JWKS (RFC 7517 §4). */
export interface PublicJwk {
  readonly kty: 'RSA' | 'EC';
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly use: 'sig';
  readonly [member: string]: string;
}

/** A loaded signing key. */
export interface SigningKey {
  /** The private key that signs access tokens. */
  readonly privateKey: KeyObject;
  /** `RS256` for RSA keys (2048 bits or more), `ES256` for EC P-256 keys. */
  readonly alg: SigningAlgorithm;
  /** The RFC 7638 thumbprint of the public key, used as `kid`. */
  readonly kid: string;
  /** The public key as a JWK, with `kid`, `alg` and `use`. */
  readonly jwk: PublicJwk;
}

/** The members RFC 7638 §3.2 hashes, per key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<'RSA' | 'EC', readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
};

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url without padding) of an RSA or EC public JWK:
 * the required members only, in lexicographic order, as JSON without whitespace.
 *
 * @throws {TypeError} for another key type or a missing member.
 * @see {@link https://www.rfc-editor.org/rfc/rfc7638#section-3 | RFC 7638 §3}
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const kty = jwk.kty;
  if (kty !== 'RSA' && kty !== 'EC') {
    throw new TypeError(`jwkThumbprint(): unsupported key type ${JSON.stringify(kty)}.`);
  }
  const members = THUMBPRINT_MEMBERS[kty].map((name) => {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`jwkThumbprint(): the ${kty} JWK has no "${name}" member.`);
    }
    return `${JSON.stringify(name)}:${JSON.stringify(value)}`;
  });
  return createHash('sha256')
    .update(`{${members.join(',')}}`)
    .digest('base64url');
}

/**
 * Loads the signing key (PEM text, DER PKCS#8 or a private `KeyObject`) and derives its algorithm,
 * `kid` and public JWK. Only RSA (2048 bits or more, `RS256`) and EC P-256 (`ES256`) keys are
 * accepted: RFC 9068 §4 requires asymmetric signatures, and these two are what every resource
 * server supports.
 *
 * @throws {TypeError} for a public, symmetric, small or unsupported key.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-2.1 | RFC 9068 §2.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7518#section-3.1 | RFC 7518 §3.1}
 */
export function loadSigningKey(input: string | Buffer | KeyObject): SigningKey {
  let privateKey: KeyObject;
  if (input instanceof KeyObject) {
    privateKey = input;
  } else if (typeof input === 'string' || Buffer.isBuffer(input)) {
    try {
      privateKey = Buffer.isBuffer(input)
        ? createPrivateKey({ key: input, format: 'der', type: 'pkcs8' })
        : createPrivateKey(input);
    } catch {
      throw new TypeError('signingKey: not a private key (PEM text, PKCS#8 DER or a KeyObject).');
    }
  } else {
    throw new TypeError('signingKey: expected PEM text, PKCS#8 DER or a private KeyObject.');
  }
  if (privateKey.type !== 'private') {
    throw new TypeError(
      'signingKey: must be a private key (asymmetric), not a public or secret key.',
    );
  }
  const details = privateKey.asymmetricKeyDetails ?? {};
  let alg: SigningAlgorithm;
  if (privateKey.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) {
    alg = 'RS256';
  } else if (privateKey.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') {
    alg = 'ES256';
  } else {
    throw new TypeError('signingKey: use an RSA key of 2048 bits or more, or an EC P-256 key.');
  }
  const exported = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
  const kid = jwkThumbprint(exported);
  const jwk = Object.freeze({ ...exported, kid, alg, use: 'sig' }) as PublicJwk;
  return Object.freeze({ privateKey, alg, kid, jwk });
}
