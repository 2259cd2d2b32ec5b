/**
 * Strict DER decoders for the certificate extensions path validation reads: basic constraints,
 * key usage, extended key usage, key identifiers, CRL distribution points and authority
 * information access. Each takes the `extnValue` content and throws `DerError` on anything
 * malformed.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2 | RFC 5280 §4.2}
 * @packageDocumentation
 */
import { DerError, readChildren, readTlv, type Tlv } from '../internal/der';
import { decodeOid } from '../internal/oid';

/** Extension OIDs. */
export const EXTENSION = Object.freeze({
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
});

/** `id-kp-clientAuth`. */
export const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
/** `id-kp-OCSPSigning`. */
export const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

/** Key usage bits (RFC 5280 §4.2.1.3), as masks over the decoded value. */
export const KEY_USAGE = Object.freeze({
  digitalSignature: 1 << 0,
  keyAgreement: 1 << 4,
  keyCertSign: 1 << 5,
  cRLSign: 1 << 6,
});

const BOOLEAN = 0x01;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OID = 0x06;
const SEQUENCE = 0x30;

function whole(value: Uint8Array, tag: number, what: string): Tlv {
  const tlv = readTlv(value, 0, value.length);
  if (tlv.tag !== tag || tlv.end !== value.length) throw new DerError(`malformed ${what}`);
  return tlv;
}

/** Decoded `basicConstraints`. */
export interface BasicConstraints {
  readonly ca: boolean;
  /** `pathLenConstraint`, when present. */
  readonly pathLength: number | undefined;
}

/** @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.9 | RFC 5280 §4.2.1.9} */
export function decodeBasicConstraints(value: Uint8Array): BasicConstraints {
  const seq = whole(value, SEQUENCE, 'basicConstraints');
  let ca = false;
  let pathLength: number | undefined;
  const [first, second, extra] = readChildren(value, seq);
  let next = first;
  if (next?.tag === BOOLEAN) {
    if (next.end - next.valueStart !== 1) throw new DerError('malformed basicConstraints');
    ca = value[next.valueStart] !== 0;
    next = second;
  } else if (second) {
    throw new DerError('malformed basicConstraints');
  }
  if (next) {
    const length = next.end - next.valueStart;
    if (
      next.tag !== INTEGER ||
      length < 1 ||
      length > 4 ||
      (value[next.valueStart] as number) & 0x80
    ) {
      throw new DerError('malformed pathLenConstraint');
    }
    pathLength = 0;
    for (let i = next.valueStart; i < next.end; i++)
      pathLength = pathLength * 256 + (value[i] as number);
  }
  if (extra) throw new DerError('malformed basicConstraints');
  return { ca, pathLength };
}

/**
 * The key usage bits as a mask (bit `n` of the ASN.1 named bit list is `1 << n`).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.3 | RFC 5280 §4.2.1.3}
 */
export function decodeKeyUsage(value: Uint8Array): number {
  const bits = whole(value, BIT_STRING, 'keyUsage');
  const length = bits.end - bits.valueStart;
  if (length < 1 || length > 3 || (value[bits.valueStart] as number) > 7) {
    throw new DerError('malformed keyUsage');
  }
  let mask = 0;
  for (let byte = 1; byte < length; byte++) {
    const octet = value[bits.valueStart + byte] as number;
    for (let bit = 0; bit < 8; bit++) {
      if (octet & (0x80 >> bit)) mask |= 1 << ((byte - 1) * 8 + bit);
    }
  }
  return mask;
}

/** @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.12 | RFC 5280 §4.2.1.12} */
export function decodeExtKeyUsage(value: Uint8Array): string[] {
  const seq = whole(value, SEQUENCE, 'extKeyUsage');
  const oids = readChildren(value, seq).map((child) => {
    if (child.tag !== OID) throw new DerError('malformed extKeyUsage');
    return decodeOid(value, child.valueStart, child.end);
  });
  if (oids.length === 0) throw new DerError('empty extKeyUsage');
  return oids;
}

/** @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.2 | RFC 5280 §4.2.1.2} */
export function decodeSubjectKeyIdentifier(value: Uint8Array): Buffer {
  const octets = whole(value, OCTET_STRING, 'subjectKeyIdentifier');
  return Buffer.from(value.subarray(octets.valueStart, octets.end));
}

/**
 * The `keyIdentifier` of an authority key identifier, when present.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.1 | RFC 5280 §4.2.1.1}
 */
export function decodeAuthorityKeyIdentifier(value: Uint8Array): Buffer | undefined {
  const seq = whole(value, SEQUENCE, 'authorityKeyIdentifier');
  const first = readChildren(value, seq)[0];
  if (first?.tag !== 0x80) return undefined;
  return Buffer.from(value.subarray(first.valueStart, first.end));
}

function generalNameUris(value: Uint8Array, names: Tlv): string[] {
  const uris: string[] = [];
  for (const name of readChildren(value, names)) {
    if (name.tag === 0x86)
      uris.push(Buffer.from(value.subarray(name.valueStart, name.end)).toString('latin1'));
  }
  return uris;
}

/**
 * The URIs of the `fullName` of each distribution point that has neither `reasons` nor a
 * `cRLIssuer` (partitioned and indirect CRLs are not supported).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.13 | RFC 5280 §4.2.1.13}
 */
export function decodeCrlDistributionPoints(value: Uint8Array): string[] {
  const seq = whole(value, SEQUENCE, 'cRLDistributionPoints');
  const uris: string[] = [];
  for (const point of readChildren(value, seq)) {
    if (point.tag !== SEQUENCE) throw new DerError('malformed DistributionPoint');
    const fields = readChildren(value, point);
    if (fields.some((field) => field.tag !== 0xa0)) continue;
    const name = fields[0];
    if (!name) continue;
    const [fullName] = readChildren(value, name);
    if (fullName?.tag === 0xa0) uris.push(...generalNameUris(value, fullName));
  }
  return uris;
}

/** Locations from an authority information access extension. */
export interface AuthorityInfoAccess {
  readonly ocsp: readonly string[];
  readonly caIssuers: readonly string[];
}

/** @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.2.1 | RFC 5280 §4.2.2.1} */
export function decodeAuthorityInfoAccess(value: Uint8Array): AuthorityInfoAccess {
  const seq = whole(value, SEQUENCE, 'authorityInfoAccess');
  const ocsp: string[] = [];
  const caIssuers: string[] = [];
  for (const description of readChildren(value, seq)) {
    const [method, location, extra] = readChildren(value, description);
    if (description.tag !== SEQUENCE || method?.tag !== OID || !location || extra) {
      throw new DerError('malformed AccessDescription');
    }
    if (location.tag !== 0x86) continue;
    const uri = Buffer.from(value.subarray(location.valueStart, location.end)).toString('latin1');
    const oid = decodeOid(value, method.valueStart, method.end);
    if (oid === '1.3.6.1.5.5.7.48.1') ocsp.push(uri);
    else if (oid === '1.3.6.1.5.5.7.48.2') caIssuers.push(uri);
  }
  return { ocsp, caIssuers };
}
