/**
 * Certificate revocation lists: decoding (with `@peculiar/asn1-x509`), signature verification
 * against the issuing CA (OpenSSL through node:crypto), freshness and lookup by serial number.
 * Delta, indirect and partitioned CRLs are not supported: a CRL that needs them is unusable, and
 * so is one without a non-critical `cRLNumber`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-5 | RFC 5280 §5}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-5.2.3 | RFC 5280 §5.2.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.3 | RFC 5280 §6.3}
 * @packageDocumentation
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, CRLReason } from '@peculiar/asn1-x509';
import { decodeName } from '../../distinguished-name';
import { DerError, readChildren, readTlv, type Tlv } from '../../internal/der';
import { serialNumberText } from '../../internal/serial';
import { signatureAlgorithm, verifySignature, type SignedData } from '../../x509/algorithms';
import { canonicalName, type CertificateInfo } from '../../x509/certificate-info';
import { KEY_USAGE } from '../../x509/extensions';

/** `cRLNumber` (RFC 5280 §5.2.3): required, and non-critical. */
const CRL_NUMBER = '2.5.29.20';
/** CRL extensions understood (or safely ignored) when critical. */
const HANDLED_CRL = new Set(['2.5.29.35']);
/** CRL entry extensions understood when critical. */
const HANDLED_ENTRY = new Set(['2.5.29.21', '2.5.29.24']);

/** A decoded CRL. */
export interface Crl extends SignedData {
  /** Canonical issuer name. */
  readonly issuerName: string;
  readonly thisUpdate: number;
  readonly nextUpdate: number | undefined;
  /** Revoked serial numbers (in the form of `ClientCertificate.serialNumber`) → reason. */
  readonly revoked: ReadonlyMap<string, string>;
  /**
   * Why the CRL cannot be relied on, if so: an unsupported critical extension, or a `cRLNumber`
   * that is missing or marked critical (RFC 5280 §5.2.3: conforming CRL issuers MUST include it,
   * as a non-critical extension).
   */
  readonly unusable: string | undefined;
}

/**
 * Decodes a DER CRL.
 *
 * @throws {DerError} when it is not one.
 */
export function parseCrl(der: Uint8Array): Crl {
  const bytes = Buffer.from(der);
  const outer = readTlv(bytes, 0, bytes.length);
  const [tbs, algorithm, signature, extra] = outer.tag === 0x30 ? readChildren(bytes, outer) : [];
  if (
    outer.end !== bytes.length ||
    !tbs ||
    algorithm?.tag !== 0x30 ||
    signature?.tag !== 0x03 ||
    extra
  ) {
    throw new DerError('not a CRL');
  }
  try {
    return decodeCrl(bytes, tbs, algorithm, signature);
  } catch (error) {
    if (error instanceof DerError) throw error;
    throw new DerError(`not a CRL: ${(error as Error).message}`);
  }
}

function decodeCrl(bytes: Buffer, tbs: Tlv, algorithm: Tlv, signature: Tlv): Crl {
  const body = AsnConvert.parse(bytes, CertificateList).tbsCertList;
  const extensions = body.crlExtensions ?? [];
  const crlNumber = extensions.find((extension) => extension.extnID === CRL_NUMBER);
  let unusable: string | undefined =
    crlNumber === undefined
      ? 'CRL without a cRLNumber'
      : crlNumber.critical
        ? 'CRL with a critical cRLNumber'
        : undefined;
  for (const extension of extensions) {
    if (extension !== crlNumber && extension.critical && !HANDLED_CRL.has(extension.extnID)) {
      unusable = `unsupported critical CRL extension ${extension.extnID}`;
    }
  }
  const revoked = new Map<string, string>();
  for (const entry of body.revokedCertificates ?? []) {
    let reason = 'unspecified';
    for (const extension of entry.crlEntryExtensions ?? []) {
      if (extension.critical && !HANDLED_ENTRY.has(extension.extnID)) {
        unusable = `unsupported critical CRL entry extension ${extension.extnID}`;
      }
      if (extension.extnID === '2.5.29.21') {
        const code = AsnConvert.parse(extension.extnValue, CRLReason).reason;
        reason = CRL_REASONS[code] ?? `reason ${code}`;
      }
    }
    revoked.set(serialNumberText(new Uint8Array(entry.userCertificate)), reason);
  }
  return {
    issuerName: canonicalName(decodeName(Buffer.from(AsnConvert.serialize(body.issuer)))),
    thisUpdate: body.thisUpdate.getTime().getTime(),
    nextUpdate: body.nextUpdate?.getTime().getTime(),
    revoked,
    unusable,
    tbs: bytes.subarray(tbs.start, tbs.end),
    signatureBits: bytes.subarray(signature.valueStart, signature.end),
    algorithm: signatureAlgorithm(bytes, algorithm),
  };
}

const CRL_REASONS: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

/** Whether `crl` was issued and signed by `issuer` (names match, cRLSign allowed, signature valid). */
export function crlIssuedBy(crl: Crl, issuer: CertificateInfo): boolean {
  if (crl.issuerName !== issuer.subjectName) return false;
  if (issuer.keyUsage !== undefined && (issuer.keyUsage & KEY_USAGE.cRLSign) === 0) return false;
  return verifySignature(crl, issuer.publicKey());
}

/**
 * The verdict a usable, authentic CRL gives on `subject` at `now`, or why it gives none. A CRL
 * without `nextUpdate` (which RFC 5280 §5.1.2.5 requires) counts only while its `thisUpdate` is
 * at most `maxAgeMs` old.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-5.1.2.5 | RFC 5280 §5.1.2.5}
 */
export function crlStatus(
  crl: Crl,
  subject: CertificateInfo,
  now: number,
  toleranceMs: number,
  maxAgeMs: number,
): { status: 'good' | 'revoked' | 'unknown'; detail: string } {
  if (crl.unusable) return { status: 'unknown', detail: crl.unusable };
  if (crl.thisUpdate > now + toleranceMs)
    return { status: 'unknown', detail: 'CRL issued in the future' };
  if (crl.nextUpdate !== undefined && crl.nextUpdate < now - toleranceMs) {
    return {
      status: 'unknown',
      detail: `CRL stale since ${new Date(crl.nextUpdate).toISOString()}`,
    };
  }
  if (crl.nextUpdate === undefined && crl.thisUpdate < now - toleranceMs - maxAgeMs) {
    return {
      status: 'unknown',
      detail: `CRL without nextUpdate issued ${new Date(crl.thisUpdate).toISOString()}, older than revocation.cacheTtl`,
    };
  }
  const serial = subject.certificate.serialNumber;
  const reason = crl.revoked.get(serial);
  return reason === undefined
    ? { status: 'good', detail: `serial ${serial} not on the CRL` }
    : { status: 'revoked', detail: `serial ${serial} revoked (${reason}) per CRL` };
}
