/**
 * Everything path validation reads from one certificate, decoded once: names (canonical form
 * for matching), validity, key identifiers, constraints, usages, unhandled critical
 * extensions, signature algorithm and key strength. Read by chain validation, revocation and
 * the CLI alike, so it lives below `auth/` with its extension decoders and algorithm policy.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1.3 | RFC 5280 §6.1.3}
 * @packageDocumentation
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { CertificateParseError, type ClientCertificate } from '../certificate';
import type { RelativeDistinguishedName } from '../distinguished-name';
import { certificateLayout } from '../internal/der';
import { prepareCaseIgnoreString } from '../internal/string-preparation';
import { keyStrength, signatureAlgorithm, type KeyStrength, type SignedData } from './algorithms';
import {
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeSubjectKeyIdentifier,
  EXTENSION,
  type BasicConstraints,
} from './extensions';

/** Extensions path validation processes (or may safely ignore) when critical. */
const HANDLED = new Set<string>([
  EXTENSION.subjectKeyIdentifier,
  EXTENSION.keyUsage,
  EXTENSION.subjectAltName,
  EXTENSION.issuerAltName,
  EXTENSION.basicConstraints,
  EXTENSION.nameConstraints,
  EXTENSION.crlDistributionPoints,
  EXTENSION.certificatePolicies,
  EXTENSION.authorityKeyIdentifier,
  EXTENSION.extKeyUsage,
  EXTENSION.authorityInfoAccess,
]);

/** Decoded facts of one certificate. */
export interface CertificateInfo extends SignedData {
  readonly certificate: ClientCertificate;
  readonly thumbprint: string;
  /** The exact DER of the subject and issuer names (as latin1 strings), for the fast lookup. */
  readonly subjectKey: string;
  readonly issuerKey: string;
  /** Canonical subject and issuer names (case- and space-insensitive, as OpenSSL compares); lazy. */
  readonly subjectName: string;
  readonly issuerName: string;
  /** The subject name has no RDN. */
  readonly subjectEmpty: boolean;
  /** The issuer name has no RDN. */
  readonly issuerEmpty: boolean;

  /** Subject and issuer names are equal (RFC 5280 §3.3 "self-issued"); lazy. */
  readonly selfIssued: boolean;
  /** The subject in RFC 4514 form, for explanations; lazy. */
  readonly subject: string;
  /** The validity period in ISO 8601 (`… to …`), for explanations; lazy. */
  readonly validity: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly subjectKeyId: Buffer | undefined;
  readonly authorityKeyId: Buffer | undefined;
  readonly basicConstraints: BasicConstraints | undefined;
  /** Key usage mask, when the extension is present. */
  readonly keyUsage: number | undefined;
  /** Extended key usage OIDs, when the extension is present. */
  readonly extKeyUsage: readonly string[] | undefined;
  /** Critical extensions this validator does not process (their OIDs). */
  readonly unhandledCritical: readonly string[];
  /** The inner (TBSCertificate) and outer signature algorithm identifiers are byte-identical. */
  readonly algorithmsMatch: boolean;
  readonly key: KeyStrength;
  /** The public key as a KeyObject (created on first use: it costs ~0.1 ms). */
  publicKey(): KeyObject;
}

/**
 * A canonical form of a name for matching (RFC 5280 §7.1): RDNs in order, the attributes of each
 * in a fixed order, string values prepared with {@link prepareCaseIgnoreString} (RFC 4518), other
 * values and values holding a prohibited code point as the hex of their BER bytes.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-7.1 | RFC 5280 §7.1}
 */
export function canonicalName(rdns: readonly RelativeDistinguishedName[]): string {
  return JSON.stringify(
    rdns.map((rdn) =>
      rdn
        .map((attribute) =>
          JSON.stringify([
            attribute.oid,
            (attribute.value === undefined
              ? undefined
              : prepareCaseIgnoreString(attribute.value)) ?? `#${attribute.der.toString('hex')}`,
          ]),
        )
        .sort(),
    ),
  );
}

/**
 * Decodes `certificate` for path validation, the subject and issuer names included (a middleware
 * reads them later). The subjectAltName is decoded by the profile check (`profile.ts`).
 *
 * @throws {CertificateParseError} when a field or extension path validation needs is malformed
 *   (names, basicConstraints, keyUsage, extKeyUsage, key identifiers).
 */
export function certificateInfo(
  certificate: ClientCertificate,
  minRsaBits: number,
): CertificateInfo {
  try {
    const der = certificate.der;
    const layout = certificateLayout(der);
    const extensions = certificate.extensions;
    const subjectKey = certificate.subjectDer.toString('latin1');
    const issuerKey = certificate.issuerDer.toString('latin1');
    let subjectName: string | undefined;
    let issuerName: string | undefined;
    let subject: string | undefined;
    let validity: string | undefined;
    const notBefore = certificate.notBefore;
    const notAfter = certificate.notAfter;
    const value = (oid: string): Buffer | undefined => extensions.get(oid)?.value;
    const ski = value(EXTENSION.subjectKeyIdentifier);
    const aki = value(EXTENSION.authorityKeyIdentifier);
    const bc = value(EXTENSION.basicConstraints);
    const ku = value(EXTENSION.keyUsage);
    const eku = value(EXTENSION.extKeyUsage);
    const subjectEmpty = certificate.subjectRdns.length === 0;
    const issuerEmpty = certificate.issuerRdns.length === 0;
    const unhandledCritical: string[] = [];
    for (const [oid, extension] of extensions) {
      if (extension.critical && !HANDLED.has(oid)) unhandledCritical.push(oid);
    }
    let key: KeyObject | undefined;
    return {
      certificate,
      thumbprint: certificate.thumbprint,
      subjectKey,
      issuerKey,
      subjectEmpty,
      issuerEmpty,
      get subjectName() {
        subjectName ??= canonicalName(certificate.subjectRdns);
        return subjectName;
      },
      get issuerName() {
        issuerName ??= canonicalName(certificate.issuerRdns);
        return issuerName;
      },
      get selfIssued() {
        return subjectKey === issuerKey || this.subjectName === this.issuerName;
      },
      get subject() {
        subject ??= certificate.subject;
        return subject;
      },
      get validity() {
        validity ??= `${notBefore.toISOString()} to ${notAfter.toISOString()}`;
        return validity;
      },
      notBefore: notBefore.getTime(),
      notAfter: notAfter.getTime(),
      subjectKeyId: ski && decodeSubjectKeyIdentifier(ski),
      authorityKeyId: aki && decodeAuthorityKeyIdentifier(aki),
      basicConstraints: bc && decodeBasicConstraints(bc),
      keyUsage: ku && decodeKeyUsage(ku),
      extKeyUsage: eku && decodeExtKeyUsage(eku),
      unhandledCritical,
      algorithmsMatch: der
        .subarray(layout.innerSignatureAlgorithm.start, layout.innerSignatureAlgorithm.end)
        .equals(der.subarray(layout.signatureAlgorithm.start, layout.signatureAlgorithm.end)),
      algorithm: signatureAlgorithm(der, layout.signatureAlgorithm),
      key: keyStrength(certificate.subjectPublicKeyInfo, minRsaBits),
      tbs: der.subarray(layout.tbs.start, layout.tbs.end),
      signatureBits: der.subarray(layout.signature.valueStart, layout.signature.end),
      publicKey: () => {
        key ??= createPublicKey({
          key: certificate.subjectPublicKeyInfo,
          format: 'der',
          type: 'spki',
        });
        return key;
      },
    };
  } catch (error) {
    if (error instanceof CertificateParseError) throw error;
    throw new CertificateParseError(`malformed certificate: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
