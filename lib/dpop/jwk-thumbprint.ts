/**
 * JWK thumbprints (RFC 7638) of public keys: the SHA-256 hash, base64url-encoded, of the key's
 * required members in lexicographic order. The DPoP binding of a token (`cnf.jkt`) is this value
 * for the proof's `jwk`. Pure code.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7638#section-3 | RFC 7638 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-6.1 | RFC 9449 §6.1} (`jkt`)
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { decodeBase64UrlStrict } from '../internal/base64';

/** An elliptic-curve public key's required members (RFC 7518 §6.2.1). */
export interface EcThumbprintMembers {
  readonly kty: 'EC';
  readonly crv: 'P-256' | 'P-384' | 'P-521';
  readonly x: string;
  readonly y: string;
}

/** An RSA public key's required members (RFC 7518 §6.3.1). */
export interface RsaThumbprintMembers {
  readonly kty: 'RSA';
  readonly e: string;
  readonly n: string;
  /** Size of the modulus `n`, in bits. */
  readonly modulusBits: number;
  /** Size of the public exponent `e`, in bits. */
  readonly exponentBits: number;
}

/** An octet key pair's required members (RFC 8037 §2). */
export interface OkpThumbprintMembers {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519' | 'Ed448' | 'X25519' | 'X448';
  readonly x: string;
}

/** The required members of a public JWK, each checked (see {@link thumbprintMembers}). */
export type ThumbprintMembers = EcThumbprintMembers | RsaThumbprintMembers | OkpThumbprintMembers;

/** Length in bytes of a coordinate (`x`, `y`) of each curve. */
const EC_COORDINATE_BYTES: Readonly<Record<string, number>> = {
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
};

/** Length in bytes of the public key `x` of each OKP curve. */
const OKP_KEY_BYTES: Readonly<Record<string, number>> = {
  Ed25519: 32,
  Ed448: 57,
  X25519: 32,
  X448: 56,
};

function fixedLength(value: unknown, bytes: number): value is string {
  return typeof value === 'string' && decodeBase64UrlStrict(value)?.length === bytes;
}

/** Bits of a big-endian unsigned integer without leading zero octets, or 0 when not such. */
function unsignedBits(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const bytes = decodeBase64UrlStrict(value);
  const first = bytes?.[0];
  if (bytes === undefined || first === undefined || first === 0) return 0;
  return bytes.length * 8 - Math.clz32(first) + 24;
}

function own(jwk: object, name: string): unknown {
  return Object.hasOwn(jwk, name) ? (jwk as Record<string, unknown>)[name] : undefined;
}

/**
 * Reads and checks the members RFC 7638 §3.2 hashes, or `undefined` when `jwk` is not a public
 * key of a supported type with exactly well-formed members:
 * - `EC`: `crv` `P-256`, `P-384` or `P-521`; `x` and `y` the curve's coordinate length
 *   (RFC 7518 §6.2.1.2: "MUST be the full size of a coordinate");
 * - `RSA`: `n` and `e` unsigned integers without leading zero octets (RFC 7518 §6.3.1);
 * - `OKP`: `crv` `Ed25519`, `Ed448`, `X25519` or `X448`, `x` that curve's key length (RFC 8037
 *   §2).
 *
 * Every value is strict base64url without padding in its canonical form, so one key has one
 * thumbprint. Members other than the required ones are not looked at (RFC 7638 §3.3).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7638#section-3.2 | RFC 7638 §3.2}
 */
export function thumbprintMembers(jwk: unknown): ThumbprintMembers | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const kty = own(jwk, 'kty');
  const crv = own(jwk, 'crv');
  const x = own(jwk, 'x');
  if (kty === 'EC' && (crv === 'P-256' || crv === 'P-384' || crv === 'P-521')) {
    const y = own(jwk, 'y');
    const bytes = EC_COORDINATE_BYTES[crv] as number;
    return fixedLength(x, bytes) && fixedLength(y, bytes) ? { kty, crv, x, y } : undefined;
  }
  if (
    kty === 'OKP' &&
    (crv === 'Ed25519' || crv === 'Ed448' || crv === 'X25519' || crv === 'X448')
  ) {
    return fixedLength(x, OKP_KEY_BYTES[crv] as number) ? { kty, crv, x } : undefined;
  }
  if (kty === 'RSA') {
    const n = own(jwk, 'n');
    const e = own(jwk, 'e');
    const modulusBits = unsignedBits(n);
    const exponentBits = unsignedBits(e);
    if (modulusBits === 0 || exponentBits === 0) return undefined;
    return { kty, e: e as string, n: n as string, modulusBits, exponentBits };
  }
  return undefined;
}

/**
 * The RFC 7638 SHA-256 thumbprint (43 base64url characters) of checked members: the hash of
 * their JSON object with the required members only, in lexicographic order, without whitespace.
 * The values are base64url or fixed names, so no JSON escaping can differ between producers.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7638#section-3 | RFC 7638 §3}
 */
export function thumbprintOfMembers(members: ThumbprintMembers): string {
  let canonical: string;
  switch (members.kty) {
    case 'EC':
      canonical = `{"crv":"${members.crv}","kty":"EC","x":"${members.x}","y":"${members.y}"}`;
      break;
    case 'RSA':
      canonical = `{"e":"${members.e}","kty":"RSA","n":"${members.n}"}`;
      break;
    case 'OKP':
      canonical = `{"crv":"${members.crv}","kty":"OKP","x":"${members.x}"}`;
      break;
  }
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK (`EC`, `RSA` or `OKP`), or `undefined` when
 * its required members are missing or not exactly well-formed ({@link thumbprintMembers}).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7638#section-3 | RFC 7638 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8037#appendix-A.3 | RFC 8037 Appendix A.3}
 */
export function jwkThumbprint(jwk: unknown): string | undefined {
  const members = thumbprintMembers(jwk);
  return members === undefined ? undefined : thumbprintOfMembers(members);
}
