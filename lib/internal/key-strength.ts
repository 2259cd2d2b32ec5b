/**
 * Key-strength policy: which public keys are accepted, and which a signature may be checked
 * with at a bounded cost. Pure code: it reads the SubjectPublicKeyInfo DER without creating a
 * KeyObject. The lower layer shared by the certificate model (`isSelfSigned`) and the chain
 * validator, so both apply the same cost limits.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5480#section-2.1.1.1 | RFC 5480 §2.1.1.1}
 * @packageDocumentation
 */
import { DerError, readChildren, readTlv, type Tlv } from './der';
import { decodeOid } from './oid';

/** A public key as policy sees it. */
export interface KeyStrength {
  readonly ok: boolean;
  /** For example `RSA 2048`, `EC P-256`, `Ed25519`. */
  readonly description: string;
  /**
   * Whether a signature may be checked with this key at a known, bounded cost: RSA keys up to
   * {@link MAX_RSA_BITS} bits with a public exponent up to {@link MAX_RSA_EXPONENT_BITS} bits
   * (including those under the configured minimum, which are cheap and refused as `weak_key`),
   * EC keys on P-256, P-384 and P-521, Ed25519 and Ed448. Never for other curves (binary curves
   * such as sect571r1 cost ~10 ms per verification; explicit parameters can be anything), DSA,
   * or any other key type: no signature is ever verified with such a key.
   */
  readonly verifiable: boolean;
}

/**
 * Largest RSA modulus a signature is checked with, in bits (Go's crypto/tls limit since
 * CVE-2023-29409): a 16384-bit key with a 64-bit exponent costs ~35 ms per verification.
 */
export const MAX_RSA_BITS = 8192;

/**
 * Largest RSA public exponent a signature is checked with, in bits (BoringSSL's limit): OpenSSL
 * accepts any exponent with a modulus up to 3072 bits, and a 3071-bit one costs ~14 ms.
 */
export const MAX_RSA_EXPONENT_BITS = 33;

const RSA = '1.2.840.113549.1.1.1';
const RSA_PSS = '1.2.840.113549.1.1.10';

const CURVES: Readonly<Record<string, { name: string; allowed: boolean }>> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', allowed: true },
  '1.3.132.0.34': { name: 'P-384', allowed: true },
  '1.3.132.0.35': { name: 'P-521', allowed: true },
  '1.2.840.10045.3.1.1': { name: 'P-192', allowed: false },
  '1.3.132.0.33': { name: 'P-224', allowed: false },
  '1.3.132.0.10': { name: 'secp256k1', allowed: false },
};

function oidAt(der: Uint8Array, tlv: Tlv | undefined): string {
  if (tlv?.tag !== 0x06) throw new DerError('expected an OID');
  return decodeOid(der, tlv.valueStart, tlv.end);
}

function integerBits(der: Uint8Array, integer: Tlv): number {
  let start = integer.valueStart;
  while (start < integer.end && der[start] === 0) start++;
  if (start === integer.end) return 0;
  return (integer.end - start) * 8 - Math.clz32(der[start] as number) + 24;
}

function rsaKeyStrength(spki: Uint8Array, bitString: Tlv, minRsaBits: number): KeyStrength {
  if (bitString.tag !== 0x03 || spki[bitString.valueStart] !== 0) {
    throw new DerError('malformed subjectPublicKey');
  }
  const key = readTlv(spki, bitString.valueStart + 1, bitString.end);
  const [modulus, exponent] = key.tag === 0x30 ? readChildren(spki, key) : [];
  if (modulus?.tag !== 0x02 || exponent?.tag !== 0x02) {
    throw new DerError('malformed RSA public key');
  }
  const bits = integerBits(spki, modulus);
  const exponentBits = integerBits(spki, exponent);
  if (bits > MAX_RSA_BITS) {
    return { ok: false, description: `RSA ${bits} (over ${MAX_RSA_BITS} bits)`, verifiable: false };
  }
  if (exponentBits > MAX_RSA_EXPONENT_BITS) {
    return {
      ok: false,
      description: `RSA ${bits} with a ${exponentBits}-bit public exponent`,
      verifiable: false,
    };
  }
  return { ok: bits >= minRsaBits, description: `RSA ${bits}`, verifiable: true };
}

/**
 * Judges the SubjectPublicKeyInfo `spki` (DER) without creating a KeyObject (which costs more
 * than the whole rest of a leaf's checks).
 *
 * @throws {DerError} when `spki` is malformed.
 * @see {@link https://www.rfc-editor.org/rfc/rfc5480#section-2.1.1.1 | RFC 5480 §2.1.1.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8410#section-3 | RFC 8410 §3} (Ed25519, Ed448)
 */
export function keyStrength(spki: Uint8Array, minRsaBits: number): KeyStrength {
  const outer = readTlv(spki, 0, spki.length);
  const [algorithm, bitString] = readChildren(spki, outer);
  if (algorithm?.tag !== 0x30 || !bitString) throw new DerError('malformed SubjectPublicKeyInfo');
  const [oidTlv, params] = readChildren(spki, algorithm);
  const oid = oidAt(spki, oidTlv);
  if (oid === RSA || oid === RSA_PSS) return rsaKeyStrength(spki, bitString, minRsaBits);
  if (oid === '1.2.840.10045.2.1') {
    const curveOid = params?.tag === 0x06 ? oidAt(spki, params) : 'explicit parameters';
    const curve = CURVES[curveOid];
    const allowed = curve?.allowed === true;
    return { ok: allowed, description: `EC ${curve?.name ?? curveOid}`, verifiable: allowed };
  }
  if (oid === '1.3.101.112') return { ok: true, description: 'Ed25519', verifiable: true };
  if (oid === '1.3.101.113') return { ok: true, description: 'Ed448', verifiable: true };
  if (oid === '1.2.840.10040.4.1') return { ok: false, description: 'DSA', verifiable: false };
  return { ok: false, description: `unsupported key type ${oid}`, verifiable: false };
}

/**
 * Whether a signature may be checked with the key in `spki` at a bounded cost
 * ({@link KeyStrength.verifiable}); `false` for a malformed SubjectPublicKeyInfo.
 */
export function isVerifiableKey(spki: Uint8Array): boolean {
  try {
    return keyStrength(spki, 0).verifiable;
  } catch {
    return false;
  }
}
