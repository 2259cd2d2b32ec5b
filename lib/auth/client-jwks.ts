/**
 * The self-signed method (`self_signed_tls_client_auth`): reads the certificates a client
 * registered in a JWK Set (`x5c`) and matches the presented certificate against them. Pure code,
 * no Express and no I/O (fetching `jwks_uri` is {@link JwksUriFetcher}'s job).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.2 | RFC 8705 §2.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-4.7 | RFC 7517 §4.7} (x5c)
 * @packageDocumentation
 */
import {
  createHash,
  createPublicKey,
  timingSafeEqual,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { ClientCertificate } from '../certificate';
import { decodeBase64Strict } from '../internal/base64';
import { ClientRegistrationError } from './client-metadata';

/** The keys of one JWK Set, compiled for matching. */
export interface RegisteredKeys {
  /** SHA-256 of each registered certificate (`x5c[0]`), 32 bytes each. */
  readonly certificates: readonly Buffer[];
  /** RFC 7638 thumbprints (SHA-256, 32 bytes) of the public keys of JWKs without `x5c`. */
  readonly publicKeys: readonly Buffer[];
  /** Why some JWKs were skipped (index and cause; no key material). */
  readonly problems: readonly string[];
}

/** How a presented certificate matched: the whole certificate, or only its public key. */
export type KeyMatch = 'certificate' | 'public_key';

const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

/**
 * The RFC 7638 thumbprint (SHA-256) of a public key, computed over the canonical JWK that
 * node:crypto exports, so that equivalent encodings of one key give the same bytes.
 *
 * @throws when the key type cannot be written as a JWK (for example RSA-PSS).
 * @see {@link https://www.rfc-editor.org/rfc/rfc7638#section-3 | RFC 7638 §3}
 */
export function publicKeyThumbprint(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
  const members = REQUIRED_MEMBERS[String(jwk.kty)];
  if (members === undefined) throw new TypeError(`unsupported key type ${String(jwk.kty)}`);
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest();
}

const KEY_MEMBERS = ['n', 'e', 'x', 'y'];

function hasKeyMembers(jwk: Record<string, unknown>): boolean {
  return KEY_MEMBERS.some((m) => jwk[m] !== undefined);
}

function jwkPublicKey(jwk: Record<string, unknown>): KeyObject {
  const { kty, crv, n, e, x, y } = jwk;
  return createPublicKey({ key: { kty, crv, n, e, x, y } as JsonWebKey, format: 'jwk' });
}

function compileKey(
  jwk: unknown,
  index: number,
  certificates: Buffer[],
  publicKeys: Buffer[],
  problems: string[],
): void {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) {
    problems.push(`keys[${index}]: not a JSON object`);
    return;
  }
  const key = jwk as Record<string, unknown>;
  const { x5c } = key;
  if (x5c === undefined) {
    try {
      publicKeys.push(publicKeyThumbprint(jwkPublicKey(key)));
    } catch {
      problems.push(`keys[${index}]: not a usable public key`);
    }
    return;
  }
  const first: unknown = Array.isArray(x5c) ? x5c[0] : undefined;
  const der = typeof first === 'string' ? decodeBase64Strict(first) : undefined;
  if (der === undefined || der.length === 0) {
    problems.push(
      `keys[${index}]: x5c must be an array of base64 (not base64url) DER certificates`,
    );
    return;
  }
  let certificate: ClientCertificate;
  try {
    certificate = ClientCertificate.from(der);
  } catch {
    problems.push(`keys[${index}]: x5c[0] is not an X.509 certificate`);
    return;
  }
  if (hasKeyMembers(key)) {
    let same = false;
    try {
      same = publicKeyThumbprint(jwkPublicKey(key)).equals(
        publicKeyThumbprint(certificate.publicKey),
      );
    } catch {
      same = false;
    }
    if (!same) {
      problems.push(
        `keys[${index}]: the key in x5c[0] is not the JWK's public key (RFC 7517 §4.7)`,
      );
      return;
    }
  }
  certificates.push(Buffer.from(certificate.thumbprint, 'base64url'));
}

/**
 * Compiles a JWK Set for matching. A JWK with `x5c` registers its first certificate (when the
 * JWK also carries key members, they must be the certificate's key, as RFC 7517 §4.7 requires);
 * a JWK without `x5c` registers only a public key, which counts only with public-key matching.
 * Unusable JWKs are skipped and listed in `problems`. `use`, `alg` and `kid` are not consulted.
 *
 * @throws {ClientRegistrationError} `invalid_registration` when `jwks` is not `{ "keys": [...] }`.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.2.2 | RFC 8705 §2.2.2}
 */
export function compileJwks(jwks: unknown): RegisteredKeys {
  const keys: unknown =
    jwks !== null && typeof jwks === 'object' ? (jwks as Record<string, unknown>).keys : undefined;
  if (!Array.isArray(keys)) {
    throw new ClientRegistrationError('invalid_registration', 'the JWK Set has no "keys" array');
  }
  const certificates: Buffer[] = [];
  const publicKeys: Buffer[] = [];
  const problems: string[] = [];
  keys.forEach((jwk, i) => {
    compileKey(jwk, i, certificates, publicKeys, problems);
  });
  return { certificates, publicKeys, problems };
}

function anyEqual(candidates: readonly Buffer[], wanted: Buffer): boolean {
  let found = false;
  for (const candidate of candidates) {
    if (timingSafeEqual(candidate, wanted)) found = true;
  }
  return found;
}

/**
 * Matches a presented certificate against a compiled JWK Set: the whole certificate (its
 * SHA-256, compared in constant time) against every registered `x5c[0]`; then, only when
 * `allowPublicKeyMatch` is set, its public key against JWKs that carry no certificate.
 *
 * @returns how it matched, or `undefined`.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.2 | RFC 8705 §2.2}
 */
export function matchRegisteredKeys(
  keys: RegisteredKeys,
  certificate: ClientCertificate,
  allowPublicKeyMatch: boolean,
): KeyMatch | undefined {
  if (anyEqual(keys.certificates, Buffer.from(certificate.thumbprint, 'base64url'))) {
    return 'certificate';
  }
  if (!allowPublicKeyMatch || keys.publicKeys.length === 0) return undefined;
  let presented: Buffer;
  try {
    presented = publicKeyThumbprint(certificate.publicKey);
  } catch {
    return undefined;
  }
  return anyEqual(keys.publicKeys, presented) ? 'public_key' : undefined;
}
