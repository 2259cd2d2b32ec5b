/**
 * Signature-algorithm and key-strength policy, and signature verification with node:crypto
 * (OpenSSL). Pure code: it reads DER and returns verdicts.
 *
 * Policy: RSA PKCS#1 v1.5 and RSA-PSS with SHA-2, ECDSA with SHA-2, Ed25519 and Ed448 are
 * accepted; MD2/MD4/MD5/SHA-1 and DSA signatures are `weak_algorithm`. RSA keys below the
 * configured minimum (2048 bits by default), EC keys on curves other than P-256/P-384/P-521,
 * and DSA keys are `weak_key`; the key policy itself lives in `lib/internal/key-strength.ts`
 * (re-exported here), shared with `ClientCertificate.isSelfSigned`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.1.1.2 | RFC 5280 §4.1.1.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8603 | RFC 8603} (key sizes of the CNSA suite, for context)
 * @packageDocumentation
 */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { DerError, readChildren, type Tlv } from '../internal/der';
import { decodeOid } from '../internal/oid';

export { isVerifiableKey, keyStrength, type KeyStrength } from '../internal/key-strength';

/** A signature algorithm as policy sees it. */
export type SignatureAlgorithm =
  | {
      readonly status: 'ok';
      readonly name: string;
      readonly hash: string | null;
      readonly pss: boolean;
    }
  | { readonly status: 'weak'; readonly name: string };

const RSA_PKCS1: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.14': 'sha224',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const ECDSA: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const HASHES: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const WEAK: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.3.14.3.2.29': 'sha1WithRSA (OIW)',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '2.16.840.1.101.3.4.3.1': 'dsa-with-SHA224',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-SHA256',
};
const RSA_PSS = '1.2.840.113549.1.1.10';

function oidAt(der: Uint8Array, tlv: Tlv | undefined): string {
  if (tlv?.tag !== 0x06) throw new DerError('expected an OID');
  return decodeOid(der, tlv.valueStart, tlv.end);
}

/** The hash of RSASSA-PSS parameters (SHA-1 when absent, as RFC 4055 §3.1 defaults). */
function pssHash(der: Uint8Array, params: Tlv | undefined): string | undefined {
  if (params?.tag !== 0x30) return undefined;
  const first = readChildren(der, params)[0];
  if (first?.tag !== 0xa0) return undefined;
  const [algorithm] = readChildren(der, first);
  if (algorithm?.tag !== 0x30) return undefined;
  return HASHES[oidAt(der, readChildren(der, algorithm)[0])];
}

/**
 * Classifies the AlgorithmIdentifier at `tlv` in `der`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc4055#section-3.1 | RFC 4055 §3.1} (RSASSA-PSS)
 */
export function signatureAlgorithm(der: Uint8Array, tlv: Tlv): SignatureAlgorithm {
  const [oidTlv, params] = readChildren(der, tlv);
  const oid = oidAt(der, oidTlv);
  const rsa = RSA_PKCS1[oid];
  if (rsa) return { status: 'ok', name: `${rsa}WithRSAEncryption`, hash: rsa, pss: false };
  const ecdsa = ECDSA[oid];
  if (ecdsa)
    return { status: 'ok', name: `ecdsa-with-${ecdsa.toUpperCase()}`, hash: ecdsa, pss: false };
  if (oid === '1.3.101.112') return { status: 'ok', name: 'Ed25519', hash: null, pss: false };
  if (oid === '1.3.101.113') return { status: 'ok', name: 'Ed448', hash: null, pss: false };
  if (oid === RSA_PSS) {
    const hash = pssHash(der, params);
    return hash
      ? { status: 'ok', name: `RSASSA-PSS with ${hash}`, hash, pss: true }
      : { status: 'weak', name: 'RSASSA-PSS with SHA-1 or unknown parameters' };
  }
  return { status: 'weak', name: WEAK[oid] ?? `unsupported algorithm ${oid}` };
}

/** What {@link verifySignature} needs of a signed structure (certificate, CRL, OCSP response). */
export interface SignedData {
  /** The DER of the signed part (TBSCertificate, TBSCertList, ResponseData). */
  readonly tbs: Uint8Array;
  /** The BIT STRING content of the signature (leading unused-bits octet included). */
  readonly signatureBits: Uint8Array;
  readonly algorithm: SignatureAlgorithm;
}

/**
 * Verifies a signature with the signer's key through OpenSSL (node:crypto). RSA-PSS uses the
 * parameters' hash for MGF1 too and recovers the salt length. Returns `false` for a wrong key, a
 * wrong signature, or a key of the wrong type; never throws.
 */
export function verifySignature(signed: SignedData, key: KeyObject): boolean {
  const { algorithm } = signed;
  if (algorithm.status !== 'ok' || signed.signatureBits[0] !== 0) return false;
  const signature = signed.signatureBits.subarray(1);
  try {
    return algorithm.pss
      ? cryptoVerify(
          algorithm.hash,
          signed.tbs,
          {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_AUTO,
          },
          signature,
        )
      : cryptoVerify(algorithm.hash, signed.tbs, key, signature);
  } catch {
    return false;
  }
}
