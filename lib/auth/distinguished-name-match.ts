/**
 * Distinguished-name matching for `tls_client_auth_subject_dn`: parses the RFC 4514 string a
 * client registered and compares it, structurally, with the RDNs decoded from a certificate.
 * Pure code, no Express.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc4514 | RFC 4514} (string form)
 * @see {@link https://www.rfc-editor.org/rfc/rfc4517#section-4.2.15 | RFC 4517 §4.2.15} (distinguishedNameMatch)
 * @see {@link https://www.rfc-editor.org/rfc/rfc4518 | RFC 4518} (string preparation)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2 | RFC 8705 §2.1.2}
 * @packageDocumentation
 */
import { decodeString, type RelativeDistinguishedName } from '../distinguished-name';
import { DerError, readTlv } from '../internal/der';
import { prepareCaseIgnoreString } from '../internal/string-preparation';

/**
 * Thrown when a distinguished-name string is not valid RFC 4514. `position` is the offset (in
 * UTF-16 code units) where parsing stopped.
 */
export class DistinguishedNameSyntaxError extends TypeError {
  override readonly name = 'DistinguishedNameSyntaxError';
  readonly code = 'ERR_MTLS_DN_SYNTAX';
  readonly position: number;

  constructor(message: string, position: number) {
    super(`invalid distinguished name at offset ${position}: ${message}`);
    this.position = position;
  }
}

/** One attribute of a parsed distinguished name, prepared for comparison. */
export interface ParsedNameAttribute {
  /** The attribute type as a dotted-decimal OID. */
  readonly oid: string;
  /**
   * The value prepared for comparison (RFC 4518); `undefined` when it is not a string or holds a
   * prohibited code point (then it matches only by its `#hex` BER bytes, if written so).
   */
  readonly prepared: string | undefined;
  /** The BER encoding of the value, when it was written as `#hex` (RFC 4514 §2.4). */
  readonly der: Buffer | undefined;
}

/** A parsed distinguished name: RDNs in certificate (ASN.1) order, the reverse of the string. */
export type ParsedDistinguishedName = readonly (readonly ParsedNameAttribute[])[];

/**
 * Attribute type keywords, lower-cased: RFC 4514 §3, the usual long forms, and the descriptors
 * OpenSSL, Java and Windows write (`emailAddress`, `E`, `SERIALNUMBER`, …).
 */
const KEYWORDS: Readonly<Record<string, string>> = {
  cn: '2.5.4.3',
  commonname: '2.5.4.3',
  sn: '2.5.4.4',
  surname: '2.5.4.4',
  serialnumber: '2.5.4.5',
  c: '2.5.4.6',
  countryname: '2.5.4.6',
  l: '2.5.4.7',
  localityname: '2.5.4.7',
  st: '2.5.4.8',
  stateorprovincename: '2.5.4.8',
  street: '2.5.4.9',
  streetaddress: '2.5.4.9',
  o: '2.5.4.10',
  organizationname: '2.5.4.10',
  ou: '2.5.4.11',
  organizationalunitname: '2.5.4.11',
  title: '2.5.4.12',
  businesscategory: '2.5.4.15',
  postalcode: '2.5.4.17',
  gn: '2.5.4.42',
  givenname: '2.5.4.42',
  initials: '2.5.4.43',
  generationqualifier: '2.5.4.44',
  dnqualifier: '2.5.4.46',
  pseudonym: '2.5.4.65',
  organizationidentifier: '2.5.4.97',
  dc: '0.9.2342.19200300.100.1.25',
  domaincomponent: '0.9.2342.19200300.100.1.25',
  uid: '0.9.2342.19200300.100.1.1',
  userid: '0.9.2342.19200300.100.1.1',
  emailaddress: '1.2.840.113549.1.9.1',
  email: '1.2.840.113549.1.9.1',
  e: '1.2.840.113549.1.9.1',
};

const DESCR = /^[A-Za-z][A-Za-z0-9-]*/;
const NUMERICOID = /^(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))+/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}/;
const HEX_STRING = /^(?:[0-9A-Fa-f]{2})+/;
/** Characters that may follow a backslash as themselves (RFC 4514 §3 `special` and `ESC`). */
const ESCAPABLE = '"+,;<>\\ #=';
/** Characters that must be escaped inside a value. */
const MUST_ESCAPE = '";<>';

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Parser {
  #pos = 0;

  constructor(private readonly text: string) {}

  parse(): ParsedDistinguishedName {
    const rdns: ParsedNameAttribute[][] = [];
    if (this.text.trim() === '') return rdns;
    for (;;) {
      rdns.push(this.#rdn());
      if (this.#pos >= this.text.length) break;
      const separator = this.text[this.#pos];
      if (separator === ';') {
        this.#fail('";" separates RDNs only in the obsolete RFC 1779 form; use ","');
      }
      this.#pos++;
    }
    return rdns.reverse();
  }

  #fail(message: string, position = this.#pos): never {
    throw new DistinguishedNameSyntaxError(message, position);
  }

  #skipSpaces(): void {
    while (this.text[this.#pos] === ' ') this.#pos++;
  }

  #rdn(): ParsedNameAttribute[] {
    const attributes = [this.#attribute()];
    while (this.text[this.#pos] === '+') {
      this.#pos++;
      attributes.push(this.#attribute());
    }
    return attributes;
  }

  #attribute(): ParsedNameAttribute {
    this.#skipSpaces();
    const oid = this.#type();
    this.#skipSpaces();
    if (this.text[this.#pos] !== '=') this.#fail('expected "=" after the attribute type');
    this.#pos++;
    this.#skipSpaces();
    if (this.text[this.#pos] === '#') return { oid, ...this.#hexValue() };
    const value = this.#stringValue();
    return { oid, prepared: prepareCaseIgnoreString(value), der: undefined };
  }

  #type(): string {
    const rest = this.text.slice(this.#pos);
    const numeric = NUMERICOID.exec(rest);
    if (numeric) {
      this.#pos += numeric[0].length;
      return numeric[0];
    }
    const descr = DESCR.exec(rest);
    if (!descr) this.#fail('expected an attribute type (a keyword such as CN, or a dotted OID)');
    const oid = KEYWORDS[descr[0].toLowerCase()];
    if (oid === undefined) {
      this.#fail(`unknown attribute type "${descr[0]}"; write it as a dotted OID`);
    }
    this.#pos += descr[0].length;
    return oid;
  }

  #hexValue(): { prepared: string | undefined; der: Buffer } {
    const start = this.#pos;
    this.#pos++;
    const hex = HEX_STRING.exec(this.text.slice(this.#pos));
    if (!hex)
      this.#fail('"#" must be followed by the hexadecimal BER encoding of the value', start);
    this.#pos += hex[0].length;
    this.#skipSpaces();
    if (this.#pos < this.text.length && !',+;'.includes(this.text[this.#pos] as string)) {
      this.#fail('a "#" value must be hexadecimal pairs only');
    }
    const der = Buffer.from(hex[0], 'hex');
    let tlv;
    try {
      tlv = readTlv(der, 0, der.length);
    } catch (error) {
      this.#fail(`the "#" value is not one BER element: ${(error as DerError).message}`, start);
    }
    if (tlv.end !== der.length) this.#fail('the "#" value has bytes after its BER element', start);
    const text = decodeString(tlv.tag, der.subarray(tlv.valueStart));
    return { prepared: text === undefined ? undefined : prepareCaseIgnoreString(text), der };
  }

  #stringValue(): string {
    let value = '';
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length === 0) return;
      try {
        value += utf8.decode(Uint8Array.from(bytes));
      } catch {
        this.#fail('the "\\XX" escapes do not form valid UTF-8');
      }
      bytes = [];
    };
    while (this.#pos < this.text.length) {
      const c = this.text[this.#pos] as string;
      if (c === ',' || c === '+' || c === ';') break;
      if (c === '\\') {
        const pair = HEX_PAIR.exec(this.text.slice(this.#pos + 1, this.#pos + 3));
        if (pair) {
          bytes.push(parseInt(pair[0], 16));
          this.#pos += 3;
          continue;
        }
        const next = this.text[this.#pos + 1];
        if (next === undefined || !ESCAPABLE.includes(next)) {
          this.#fail(
            'a "\\" must be followed by one of  " + , ; < > \\ # = space, or two hex digits',
          );
        }
        flush();
        value += next;
        this.#pos += 2;
        continue;
      }
      if (MUST_ESCAPE.includes(c)) this.#fail(`"${c}" must be escaped as "\\${c}"`);
      if (c === '\0') this.#fail('NUL must be escaped as "\\00"');
      flush();
      value += c;
      this.#pos++;
    }
    flush();
    return value;
  }
}

/**
 * Parses an RFC 4514 distinguished-name string (as registered in `tls_client_auth_subject_dn`)
 * into RDNs in certificate order, with each value prepared for comparison.
 *
 * Accepted: attribute types as keywords (case-insensitive) or dotted OIDs; multi-valued RDNs
 * joined by `+`; the escapes `\,` `\+` `\"` `\\` `\<` `\>` `\;` `\#` `\=` `\ ` and `\XX` hex
 * pairs (consecutive pairs must form valid UTF-8); `#hex` BER values. Spaces around the
 * separators `,` `+` `=` are tolerated (they are insignificant in the comparison anyway).
 *
 * @throws {DistinguishedNameSyntaxError} with the offset of the mistake.
 * @see {@link https://www.rfc-editor.org/rfc/rfc4514#section-3 | RFC 4514 §3}
 */
export function parseDistinguishedName(text: string): ParsedDistinguishedName {
  return new Parser(text).parse();
}

function push(map: Map<string, number[]>, key: string, index: number): void {
  const list = map.get(key);
  if (list) list.push(index);
  else map.set(key, [index]);
}

/**
 * Whether the attributes of two RDNs pair up one to one, in any order (a set comparison).
 * Attribute equality (same type, and the same `#hex` BER or the same prepared string) is an
 * equivalence, so taking any unused match is enough; the certificate's attributes are indexed
 * by both keys, so that an RDN of n attributes costs O(n), not n² string preparations.
 */
function rdnMatches(
  expected: readonly ParsedNameAttribute[],
  actual: RelativeDistinguishedName,
): boolean {
  if (expected.length !== actual.length) return false;
  const byDer = new Map<string, number[]>();
  const byValue = new Map<string, number[]>();
  actual.forEach((attribute, index) => {
    push(byDer, `${attribute.oid}\u0000${attribute.der.toString('latin1')}`, index);
    const prepared =
      attribute.value === undefined ? undefined : prepareCaseIgnoreString(attribute.value);
    if (prepared !== undefined) push(byValue, `${attribute.oid}\u0000${prepared}`, index);
  });
  const used = new Uint8Array(actual.length);
  const take = (list: number[] | undefined): boolean => {
    for (let index = list?.pop(); index !== undefined; index = list?.pop()) {
      if (used[index] === 0) {
        used[index] = 1;
        return true;
      }
    }
    return false;
  };
  return expected.every(
    (attribute) =>
      (attribute.der !== undefined &&
        take(byDer.get(`${attribute.oid}\u0000${attribute.der.toString('latin1')}`))) ||
      (attribute.prepared !== undefined &&
        take(byValue.get(`${attribute.oid}\u0000${attribute.prepared}`))),
  );
}

/**
 * Compares a parsed distinguished name with a certificate's RDNs (`ClientCertificate.subjectRdns`)
 * after LDAP `distinguishedNameMatch`: same number of RDNs in the same order; within an RDN the
 * same attributes in any order; attribute types by OID; string values equal after RFC 4518
 * `caseIgnoreMatch` preparation ({@link prepareCaseIgnoreString}: RFC 3454 B.2 case folding,
 * NFKC, insignificant spaces), whatever their ASN.1 string type (PrintableString and UTF8String
 * of the same text are equal; soft hyphen, zero-width space, U+FEFF are mapped to nothing and
 * fullwidth forms fold by NFKC, as the RFC says); a value holding a prohibited code point, a C0 or
 * C1 control other than TAB, LF, VT, FF, CR and NEL, or a character outside the set of its ASN.1
 * type (PrintableString, NumericString, IA5String, VisibleString) never matches as text — a
 * deliberate strictness beyond RFC 4518; a `#hex` value also equals the certificate value with
 * the same BER bytes. Each certificate value is
 * prepared at most once (the RDN's attributes are indexed, so an RDN of n attributes costs O(n)).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc4517#section-4.2.15 | RFC 4517 §4.2.15}
 * @see {@link https://www.rfc-editor.org/rfc/rfc4518#section-2 | RFC 4518 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-7.1 | RFC 5280 §7.1}
 */
export function distinguishedNameMatches(
  expected: ParsedDistinguishedName,
  actual: readonly RelativeDistinguishedName[],
): boolean {
  if (expected.length !== actual.length) return false;
  return expected.every((rdn, i) => rdnMatches(rdn, actual[i] as RelativeDistinguishedName));
}
