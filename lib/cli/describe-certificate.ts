/**
 * A plain, JSON-ready description of one certificate: names, validity at a given time, key,
 * signature algorithm, the extensions path validation reads, SANs and fingerprints. Pure code:
 * it decodes with the library's own certificate model and chain-validation decoders.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { certificateInfo, EXTENSION } from '../cli-internal';
import type { ClientCertificate } from '../index';

/** The validity of a certificate at the time asked about. */
export type ValidityStatus = 'valid' | 'expired' | 'not_yet_valid';

/** One extension's decoded content and criticality. */
export interface DescribedExtension<T> {
  readonly value: T;
  readonly critical: boolean;
}

/** What `express-mtls inspect --json` prints for each certificate. */
export interface CertificateDescription {
  /** RFC 4514 subject. */
  readonly subject: string;
  /** RFC 4514 issuer. */
  readonly issuer: string;
  /**
   * Upper-case hex, as `openssl x509 -serial` prints it (`00` for zero, `-0123` for a negative
   * serial): `ClientCertificate.serialNumber`.
   */
  readonly serialNumber: string;
  /** ISO 8601. */
  readonly notBefore: string;
  /** ISO 8601. */
  readonly notAfter: string;
  /** At the time asked about (`--at`, default now). */
  readonly validity: ValidityStatus;
  readonly selfSigned: boolean;
  /** For example `EC P-256`, `RSA 2048`, `Ed25519`. */
  readonly publicKey: string;
  /** For example `ecdsa-with-SHA256`, `sha256WithRSAEncryption`. */
  readonly signatureAlgorithm: string;
  readonly basicConstraints: DescribedExtension<{
    readonly ca: boolean;
    readonly pathLength: number | null;
  }> | null;
  /** Key usage names (`digitalSignature`, `keyCertSign`, …). */
  readonly keyUsage: DescribedExtension<readonly string[]> | null;
  /** Extended key usage names (`clientAuth`, `serverAuth`, …) or OIDs. */
  readonly extendedKeyUsage: DescribedExtension<readonly string[]> | null;
  readonly subjectAltNames: {
    readonly dns: readonly string[];
    readonly uri: readonly string[];
    readonly ip: readonly string[];
    readonly email: readonly string[];
  };
  /** Colon-separated upper-case hex, as openssl prints it. */
  readonly subjectKeyIdentifier: string | null;
  readonly authorityKeyIdentifier: string | null;
  /** `x5t#S256`: base64url SHA-256 of the DER — the value of `cnf["x5t#S256"]`. */
  readonly thumbprint: string;
  /** The same SHA-256 in hex (openssl `-fingerprint -sha256`, Envoy `Hash`): not an x5t#S256. */
  readonly sha256Hex: string;
  /** The legacy SHA-1 fingerprint in hex: not an x5t#S256. */
  readonly sha1Hex: string;
  /** What the middleware's default policy would object to in this certificate by itself. */
  readonly warnings: readonly string[];
}

const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

const EKU_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

function hex(bytes: Buffer | undefined): string | null {
  return bytes === undefined
    ? null
    : Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** The x5t#S256 of a certificate and the two hex fingerprints it is often confused with. */
export function fingerprints(certificate: ClientCertificate): {
  thumbprint: string;
  sha256Hex: string;
  sha1Hex: string;
} {
  return {
    thumbprint: certificate.thumbprint,
    sha256Hex: createHash('sha256').update(certificate.der).digest('hex'),
    sha1Hex: createHash('sha1').update(certificate.der).digest('hex'),
  };
}

/** The validity of `certificate` at `now`. */
export function validityAt(certificate: ClientCertificate, now: Date): ValidityStatus {
  if (now < certificate.notBefore) return 'not_yet_valid';
  if (now > certificate.notAfter) return 'expired';
  return 'valid';
}

/**
 * Describes `certificate` as of `now`.
 *
 * @throws {CertificateParseError} when an extension the description reads is malformed.
 */
export function describeCertificate(
  certificate: ClientCertificate,
  now: Date,
): CertificateDescription {
  const info = certificateInfo(certificate, 2048);
  const critical = (oid: string): boolean => certificate.extensions.get(oid)?.critical === true;
  const described = <T>(oid: string, value: T | undefined): DescribedExtension<T> | null =>
    value === undefined ? null : { value, critical: critical(oid) };
  const warnings: string[] = [];
  if (info.algorithm.status !== 'ok') {
    warnings.push(`signature algorithm ${info.algorithm.name} is refused (weak_algorithm)`);
  }
  if (!info.key.ok) {
    warnings.push(
      `key ${info.key.description} is refused by default (weak_key): RSA needs 2048 bits or more; EC P-256, P-384, P-521; Ed25519, Ed448`,
    );
  }
  if (info.unhandledCritical.length > 0) {
    warnings.push(
      `critical extension ${info.unhandledCritical.join(', ')} is not processed (unknown_critical_extension)`,
    );
  }
  const { dns, uri, ip, email } = certificate.subjectAltNames;
  const bc = info.basicConstraints;
  return {
    subject: certificate.subject,
    issuer: certificate.issuer,
    serialNumber: certificate.serialNumber,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    validity: validityAt(certificate, now),
    selfSigned: certificate.isSelfSigned,
    publicKey: info.key.description,
    signatureAlgorithm: info.algorithm.name,
    basicConstraints: described(
      EXTENSION.basicConstraints,
      bc && { ca: bc.ca, pathLength: bc.pathLength ?? null },
    ),
    keyUsage: described(
      EXTENSION.keyUsage,
      info.keyUsage === undefined
        ? undefined
        : KEY_USAGE_NAMES.filter((_, bit) => ((info.keyUsage as number) & (1 << bit)) !== 0),
    ),
    extendedKeyUsage: described(
      EXTENSION.extKeyUsage,
      info.extKeyUsage?.map((oid) => EKU_NAMES[oid] ?? oid),
    ),
    subjectAltNames: { dns: [...dns], uri: [...uri], ip: [...ip], email: [...email] },
    subjectKeyIdentifier: hex(info.subjectKeyId),
    authorityKeyIdentifier: hex(info.authorityKeyId),
    ...fingerprints(certificate),
    warnings,
  };
}
