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
import { CertificateParseError, certificateLayoutOf, type ClientCertificate } from '../certificate';
import type { RelativeDistinguishedName } from '../distinguished-name';
import type { CertificateLayout, Tlv } from '../internal/der';
import { prepareCaseIgnoreString } from '../internal/string-preparation';
import {
  keyStrength,
  signatureAlgorithm,
  type KeyStrength,
  type SignatureAlgorithm,
  type SignedData,
} from './algorithms';
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

function extensionValue(
  extensions: ReadonlyMap<string, { readonly value: Buffer }>,
  oid: string,
): Buffer | undefined {
  return extensions.get(oid)?.value;
}

function sameBytes(der: Buffer, a: Tlv, b: Tlv): boolean {
  if (a.end - a.start !== b.end - b.start) return false;
  for (let i = 0; i < a.end - a.start; i++) if (der[a.start + i] !== der[b.start + i]) return false;
  return true;
}

/** One certificate's decoded facts: a class, so that the lazy members cost no closure per request. */
class DecodedCertificate implements CertificateInfo {
  readonly thumbprint: string;
  readonly subjectKey: string;
  readonly issuerKey: string;
  readonly subjectEmpty: boolean;
  readonly issuerEmpty: boolean;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly subjectKeyId: Buffer | undefined;
  readonly authorityKeyId: Buffer | undefined;
  readonly basicConstraints: BasicConstraints | undefined;
  readonly keyUsage: number | undefined;
  readonly extKeyUsage: readonly string[] | undefined;
  readonly unhandledCritical: readonly string[];
  readonly algorithmsMatch: boolean;
  readonly algorithm: SignatureAlgorithm;
  readonly key: KeyStrength;
  // plain members rather than #private ones, so that an object made with Object.create(info)
  // (tests override a member that way) still reads them through the prototype
  private readonly layout: CertificateLayout;
  private subjectNameText: string | undefined;
  private issuerNameText: string | undefined;
  private validityText: string | undefined;
  private subjectText: string | undefined;
  private publicKeyObject: KeyObject | undefined;

  constructor(
    readonly certificate: ClientCertificate,
    minRsaBits: number,
  ) {
    const der = certificate.der;
    const layout = certificateLayoutOf(certificate);
    const extensions = certificate.extensions;
    this.layout = layout;
    this.thumbprint = certificate.thumbprint;
    this.subjectKey = der.toString('latin1', layout.subject.start, layout.subject.end);
    this.issuerKey = der.toString('latin1', layout.issuer.start, layout.issuer.end);
    this.notBefore = certificate.notBefore.getTime();
    this.notAfter = certificate.notAfter.getTime();
    this.subjectEmpty = certificate.subjectRdns.length === 0;
    this.issuerEmpty = certificate.issuerRdns.length === 0;
    const ski = extensionValue(extensions, EXTENSION.subjectKeyIdentifier);
    const aki = extensionValue(extensions, EXTENSION.authorityKeyIdentifier);
    const bc = extensionValue(extensions, EXTENSION.basicConstraints);
    const ku = extensionValue(extensions, EXTENSION.keyUsage);
    const eku = extensionValue(extensions, EXTENSION.extKeyUsage);
    this.subjectKeyId = ski && decodeSubjectKeyIdentifier(ski);
    this.authorityKeyId = aki && decodeAuthorityKeyIdentifier(aki);
    this.basicConstraints = bc && decodeBasicConstraints(bc);
    this.keyUsage = ku && decodeKeyUsage(ku);
    this.extKeyUsage = eku && decodeExtKeyUsage(eku);
    let unhandled: string[] | undefined;
    for (const [oid, extension] of extensions) {
      if (extension.critical && !HANDLED.has(oid)) (unhandled ??= []).push(oid);
    }
    this.unhandledCritical = unhandled ?? NONE;
    this.algorithmsMatch = sameBytes(
      der,
      layout.innerSignatureAlgorithm,
      layout.signatureAlgorithm,
    );
    this.algorithm = signatureAlgorithm(der, layout.signatureAlgorithm);
    this.key = keyStrength(
      der.subarray(layout.subjectPublicKeyInfo.start, layout.subjectPublicKeyInfo.end),
      minRsaBits,
    );
  }

  get tbs(): Buffer {
    return this.certificate.der.subarray(this.layout.tbs.start, this.layout.tbs.end);
  }

  get signatureBits(): Buffer {
    return this.certificate.der.subarray(
      this.layout.signature.valueStart,
      this.layout.signature.end,
    );
  }

  get subjectName(): string {
    this.subjectNameText ??= canonicalName(this.certificate.subjectRdns);
    return this.subjectNameText;
  }

  get issuerName(): string {
    this.issuerNameText ??= canonicalName(this.certificate.issuerRdns);
    return this.issuerNameText;
  }

  get selfIssued(): boolean {
    return this.subjectKey === this.issuerKey || this.subjectName === this.issuerName;
  }

  get subject(): string {
    this.subjectText ??= this.certificate.subject;
    return this.subjectText;
  }

  get validity(): string {
    this.validityText ??= `${new Date(this.notBefore).toISOString()} to ${new Date(this.notAfter).toISOString()}`;
    return this.validityText;
  }

  publicKey(): KeyObject {
    this.publicKeyObject ??= createPublicKey({
      key: this.certificate.subjectPublicKeyInfo,
      format: 'der',
      type: 'spki',
    });
    return this.publicKeyObject;
  }
}

const NONE: readonly string[] = Object.freeze([]);

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
    return new DecodedCertificate(certificate, minRsaBits);
  } catch (error) {
    if (error instanceof CertificateParseError) throw error;
    throw new CertificateParseError(`malformed certificate: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
