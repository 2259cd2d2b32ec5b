/**
 * Distinguished names: decoding the DER `Name` of a certificate and writing it in the RFC 4514
 * string form. Pure code, no Express.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc4514 | RFC 4514}
 * @packageDocumentation
 */
import { isUtf8 } from 'node:buffer';
import { DerError, readChildren, readTlv } from './internal/der';
import { decodeOid } from './internal/oid';

/** One attribute of a relative distinguished name, as found in the certificate. */
export interface NameAttribute {
  /** The attribute type as a dotted-decimal OID. */
  readonly oid: string;
  /** The DER tag of the value (for example 0x0c UTF8String, 0x13 PrintableString). */
  readonly tag: number;
  /** The value as text, when it is a string type; `undefined` otherwise. */
  readonly value: string | undefined;
  /** The whole DER encoding of the value (tag, length and content). */
  readonly der: Buffer;
}

/** A relative distinguished name: one or more attributes (several = multi-valued RDN). */
export type RelativeDistinguishedName = readonly NameAttribute[];

/**
 * Short names written for well-known attribute types: the RFC 4514 §3 table plus a few
 * registered LDAP descriptors common in certificates. Other types are written as dotted OIDs.
 */
export const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '2.5.4.5': 'serialNumber',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'GN',
  '2.5.4.12': 'title',
  '2.5.4.17': 'postalCode',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

const OID_TAG = 0x06;
const SET = 0x31;
const SEQUENCE = 0x30;

const LONE_SURROGATE = /\p{Cs}/u;

/** The ASN.1 character sets of the restricted string types (X.680 §41). */
const CHARACTER_SETS: ReadonlyMap<number, RegExp> = new Map([
  [0x12, /^[0-9 ]*$/], // NumericString
  // PrintableString, read as VisibleString: CAs put `*`, `@`, `&` and `_` in it in practice,
  // and none of them hides or imitates a character; controls and non-ASCII bytes stay refused.
  [0x13, /^[\x20-\x7e]*$/],
  [0x16, /^[^\x80-\xff]*$/], // IA5String (Latin-1 decoded: every byte below 0x80)
  [0x1a, /^[\x20-\x7e]*$/], // VisibleString
]);

/**
 * Decodes the content of a DER string value (UTF8String, NumericString, PrintableString,
 * IA5String, VisibleString, TeletexString, BMPString, UniversalString); `undefined` for other
 * types and for content that is not valid in its type (a character outside the ASN.1 character
 * set of a NumericString, IA5String or VisibleString, or outside printable ASCII for a
 * PrintableString — stricter than OpenSSL, on purpose —, ill-formed UTF-8, UTF-16 or UCS-4), so that two different byte strings never
 * decode to the same text and a value that breaks its type never matches as text.
 *
 * @see {@link https://www.itu.int/rec/T-REC-X.680 | X.680 §41} (restricted character strings)
 */
export function decodeString(tag: number, content: Buffer): string | undefined {
  switch (tag) {
    case 0x0c: // UTF8String
      return isUtf8(content) ? content.toString('utf8') : undefined;
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: {
      // VisibleString
      const text = content.toString('latin1');
      return (CHARACTER_SETS.get(tag) as RegExp).test(text) ? text : undefined;
    }
    case 0x14: // TeletexString (decoded as Latin-1, as OpenSSL does)
      return content.toString('latin1');
    case 0x1e: {
      // BMPString (UCS-2, big-endian)
      if (content.length % 2 !== 0) return undefined;
      const text = Buffer.from(content).swap16().toString('utf16le');
      return LONE_SURROGATE.test(text) ? undefined : text;
    }
    case 0x1c: {
      // UniversalString (UCS-4, big-endian)
      if (content.length % 4 !== 0) return undefined;
      const points: number[] = [];
      for (let i = 0; i < content.length; i += 4) points.push(content.readUInt32BE(i));
      return points.every((p) => p <= 0x10ffff && (p < 0xd800 || p > 0xdfff))
        ? String.fromCodePoint(...points)
        : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Decodes a DER `Name` (RDNSequence) into its RDNs, in certificate (ASN.1) order.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.4 | RFC 5280 §4.1.2.4}
 */
export function decodeName(der: Uint8Array): RelativeDistinguishedName[] {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const name = readTlv(buf, 0, buf.length);
  if (name.tag !== SEQUENCE || name.end !== buf.length) throw new DerError('malformed Name');
  return readChildren(buf, name).map((rdn) => {
    if (rdn.tag !== SET) throw new DerError('malformed RDN');
    const attributes = readChildren(buf, rdn).map((atv) => {
      const [type, value, extra] = atv.tag === SEQUENCE ? readChildren(buf, atv) : [];
      if (type?.tag !== OID_TAG || !value || extra) throw new DerError('malformed attribute');
      const content = buf.subarray(value.valueStart, value.end);
      return {
        oid: decodeOid(buf, type.valueStart, type.end),
        tag: value.tag,
        value: decodeString(value.tag, content),
        der: Buffer.from(buf.subarray(value.start, value.end)),
      };
    });
    if (attributes.length === 0) throw new DerError('empty RDN');
    return attributes;
  });
}

const SPECIAL = '"+,;<>\\';

function escapeValue(value: string): string {
  const chars = Array.from(value);
  return chars
    .map((c, i) => {
      const code = c.codePointAt(0) as number;
      if (code < 0x20 || code === 0x7f)
        return `\\${code.toString(16).padStart(2, '0').toUpperCase()}`;
      const edge = (i === 0 && (c === ' ' || c === '#')) || (i === chars.length - 1 && c === ' ');
      return edge || SPECIAL.includes(c) ? `\\${c}` : c;
    })
    .join('');
}

/**
 * Writes one attribute as `type=value` (RFC 4514 §2.3, §2.4): a known type by its short name,
 * others by dotted OID; a string value escaped, any other value (and every value of a dotted
 * type) as `#` and the upper-case hex of its DER, as OpenSSL writes them.
 */
function formatAttribute(attribute: NameAttribute): string {
  const short = ATTRIBUTE_NAMES[attribute.oid];
  const value =
    short !== undefined && attribute.value !== undefined
      ? escapeValue(attribute.value)
      : `#${attribute.der.toString('hex').toUpperCase()}`;
  return `${short ?? attribute.oid}=${value}`;
}

/**
 * Writes RDNs (in certificate order) as an RFC 4514 string: the last RDN first, RDNs joined by
 * `,`, attributes of a multi-valued RDN joined by `+`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc4514#section-2.1 | RFC 4514 §2.1}
 */
export function formatName(rdns: readonly RelativeDistinguishedName[]): string {
  return [...rdns]
    .reverse()
    .map((rdn) => rdn.map(formatAttribute).join('+'))
    .join(',');
}
