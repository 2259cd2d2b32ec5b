/**
 * A bounded, strict reader of the DER tag-length-value layer. It checks the *shape* of a
 * certificate (the outer structure and the order of the TBSCertificate fields) in a few
 * microseconds, so that bytes that are not one X.509 certificate are refused before any real
 * parse. The authoritative parse stays with node:crypto (OpenSSL) and @peculiar/asn1-x509.
 */

import { DomainError } from './domain-error';

/** One DER element: tag byte, where its value starts and ends. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/** Raised for any structural deviation; callers turn it into a typed error. */
export class DerError extends DomainError<undefined> {
  override readonly name = 'DerError';
  readonly kind = 'der';

  constructor(message: string) {
    super(undefined, message);
  }
}

const MAX_LENGTH_OCTETS = 4;

/** Reads one TLV at `offset`, which must end at or before `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated element');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not expected here');
  let length = buf[offset + 1] as number;
  let valueStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0) throw new DerError('indefinite length is not DER');
    if (octets > MAX_LENGTH_OCTETS) throw new DerError('length field too long');
    if (valueStart + octets > limit) throw new DerError('truncated length');
    if (buf[valueStart] === 0) throw new DerError('non-minimal length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (buf[valueStart + i] as number);
    if (length < 0x80) throw new DerError('non-minimal length');
    valueStart += octets;
  }
  const end = valueStart + length;
  if (end > limit) throw new DerError('element overruns its container');
  return { tag, start: offset, valueStart, end };
}

/** Reads the children of a constructed element. */
export function readChildren(buf: Uint8Array, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  let offset = parent.valueStart;
  while (offset < parent.end) {
    const child = readTlv(buf, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;

/** The located parts of a certificate, as offsets into its DER. */
export interface CertificateLayout {
  readonly tbs: Tlv;
  readonly serial: Tlv;
  readonly innerSignatureAlgorithm: Tlv;
  readonly issuer: Tlv;
  readonly validity: Tlv;
  readonly subject: Tlv;
  readonly subjectPublicKeyInfo: Tlv;
  readonly extensions: Tlv | undefined;
  readonly signatureAlgorithm: Tlv;
  readonly signature: Tlv;
}

function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv?.tag !== tag) throw new DerError(`expected ${what}`);
  return tlv;
}

/**
 * Checks that `der` is exactly one certificate (RFC 5280 §4.1 structure, no trailing bytes) and
 * locates its fields.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.1 | RFC 5280 §4.1}
 */
export function certificateLayout(der: Uint8Array): CertificateLayout {
  const outer = readTlv(der, 0, der.length);
  if (outer.tag !== SEQUENCE) throw new DerError('not a SEQUENCE');
  if (outer.end !== der.length) throw new DerError('trailing bytes after the certificate');
  const [tbs, signatureAlgorithm, signature, extra] = readChildren(der, outer);
  if (extra) throw new DerError('unexpected element after the signature');
  expectTag(tbs, SEQUENCE, 'TBSCertificate');
  expectTag(signatureAlgorithm, SEQUENCE, 'signatureAlgorithm');
  expectTag(signature, BIT_STRING, 'signatureValue');

  const fields = readChildren(der, tbs as Tlv);
  let i = 0;
  if (fields[0]?.tag === 0xa0) i++;
  const serial = expectTag(fields[i++], INTEGER, 'serialNumber');
  if (serial.valueStart === serial.end) throw new DerError('empty serialNumber');
  const innerSignatureAlgorithm = expectTag(fields[i++], SEQUENCE, 'signature');
  const issuer = expectTag(fields[i++], SEQUENCE, 'issuer');
  const validity = expectTag(fields[i++], SEQUENCE, 'validity');
  const subject = expectTag(fields[i++], SEQUENCE, 'subject');
  const subjectPublicKeyInfo = expectTag(fields[i++], SEQUENCE, 'subjectPublicKeyInfo');
  for (const uniqueId of [0x81, 0x82]) {
    const field = fields[i];
    if (field?.tag === uniqueId || field?.tag === (uniqueId | 0x20)) i++;
  }
  let extensions: Tlv | undefined;
  if (fields[i]?.tag === 0xa3) {
    const wrapper = fields[i++] as Tlv;
    const [inner, more] = readChildren(der, wrapper);
    if (more) throw new DerError('unexpected element in extensions');
    extensions = expectTag(inner, SEQUENCE, 'Extensions');
  }
  if (i !== fields.length) throw new DerError('unexpected element in TBSCertificate');
  return {
    tbs: tbs as Tlv,
    serial,
    innerSignatureAlgorithm,
    issuer,
    validity,
    subject,
    subjectPublicKeyInfo,
    extensions,
    signatureAlgorithm: signatureAlgorithm as Tlv,
    signature: signature as Tlv,
  };
}

/** Splits a concatenation of DER elements (as HAProxy's `ssl_c_chain_der` sends them). */
export function splitConcatenated(der: Uint8Array, maxCount: number): Buffer[] {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < der.length) {
    if (parts.length >= maxCount) throw new DerError('too many elements');
    const tlv = readTlv(der, offset, der.length);
    parts.push(Buffer.from(der.subarray(offset, tlv.end)));
    offset = tlv.end;
  }
  return parts;
}

/** The number written by the two ASCII digits at `at`, or -1 when one is not a digit. */
function twoDigits(der: Uint8Array, at: number): number {
  const high = (der[at] as number) - 0x30;
  const low = (der[at + 1] as number) - 0x30;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1;
}

/** Decodes a DER UTCTime or GeneralizedTime (Z form with seconds, as RFC 5280 §4.1.2.5 requires). */
export function decodeTime(der: Uint8Array, tlv: Tlv): Date {
  const length = tlv.end - tlv.valueStart;
  let at = tlv.valueStart;
  let year: number;
  if (tlv.tag === UTC_TIME && length === 13) {
    const yy = twoDigits(der, at);
    year = yy >= 50 ? 1900 + yy : yy < 0 ? -1 : 2000 + yy;
    at += 2;
  } else if (tlv.tag === GENERALIZED_TIME && length === 15) {
    const century = twoDigits(der, at);
    const yy = twoDigits(der, at + 2);
    year = century < 0 || yy < 0 ? -1 : century * 100 + yy;
    at += 4;
  } else {
    throw new DerError('unsupported time encoding');
  }
  const month = twoDigits(der, at);
  const day = twoDigits(der, at + 2);
  const hour = twoDigits(der, at + 4);
  const minute = twoDigits(der, at + 6);
  const second = twoDigits(der, at + 8);
  if (
    der[tlv.end - 1] !== 0x5a ||
    year < 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    second < 0
  ) {
    throw new DerError('malformed time');
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // Date.UTC() would map years 0–99 to 1900–1999
  date.setUTCHours(hour, minute, second);
  if (
    month < 1 ||
    month > 12 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new DerError('time out of range');
  }
  return date;
}

/** Decodes the notBefore/notAfter pair of a Validity element. */
export function decodeValidity(
  der: Uint8Array,
  validity: Tlv,
): { notBefore: Date; notAfter: Date } {
  const [notBefore, notAfter, extra] = readChildren(der, validity);
  if (!notBefore || !notAfter || extra) throw new DerError('malformed validity');
  return { notBefore: decodeTime(der, notBefore), notAfter: decodeTime(der, notAfter) };
}
