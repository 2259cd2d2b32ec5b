import { decodeBase64Strict } from '../internal/base64';
import { ForwardedCertificateError } from './decode-error';

const KEY = /[a-z*][a-z0-9_\-.*]*/y;
const BARE_ITEM: Readonly<Record<string, RegExp>> = {
  number: /-?[0-9]{1,15}(?:\.[0-9]{1,3})?/y,
  string: /"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"/y,
  token: /[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/y,
  bytes: /:[A-Za-z0-9+/=]*:/y,
  boolean: /\?[01]/y,
  date: /@-?[0-9]{1,15}/y,
  display: /%"(?:[\x20\x21\x23\x24\x26-\x7e]|%[0-9a-f]{2})*"/y,
};
const BASE64_CHARS = /^[A-Za-z0-9+/=]*$/;

function syntax(what: string): ForwardedCertificateError {
  return new ForwardedCertificateError('structured_field', `invalid structured field: ${what}`);
}

class Cursor {
  position = 0;
  constructor(readonly text: string) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.position);
  }

  skip(chars: string): void {
    while (!this.atEnd() && chars.includes(this.peek())) this.position++;
  }

  match(pattern: RegExp): boolean {
    pattern.lastIndex = this.position;
    if (!pattern.test(this.text)) return false;
    this.position = pattern.lastIndex;
    return true;
  }
}

function bareItemPattern(first: string): RegExp | undefined {
  if (first === '-' || (first >= '0' && first <= '9')) return BARE_ITEM.number;
  if (first === '"') return BARE_ITEM.string;
  if (first === '*' || /^[A-Za-z]$/.test(first)) return BARE_ITEM.token;
  if (first === ':') return BARE_ITEM.bytes;
  if (first === '?') return BARE_ITEM.boolean;
  if (first === '@') return BARE_ITEM.date;
  if (first === '%') return BARE_ITEM.display;
  return undefined;
}

/** Reads a Byte Sequence, strictly: standard alphabet and `=` padding required. */
function readByteSequence(cursor: Cursor): Buffer {
  if (cursor.peek() !== ':') throw syntax('a member is not a Byte Sequence');
  const close = cursor.text.indexOf(':', cursor.position + 1);
  if (close === -1) throw syntax('unterminated Byte Sequence');
  const content = cursor.text.slice(cursor.position + 1, close);
  const bytes = BASE64_CHARS.test(content) ? decodeBase64Strict(content) : undefined;
  if (bytes === undefined) {
    throw new ForwardedCertificateError(
      'base64',
      'a Byte Sequence is not standard base64 with padding',
    );
  }
  cursor.position = close + 1;
  return bytes;
}

/** Skips parameters (`;key` or `;key=bare-item`). RFC 9440 defines none; they are ignored. */
function skipParameters(cursor: Cursor): void {
  while (cursor.peek() === ';') {
    cursor.position++;
    cursor.skip(' ');
    if (!cursor.match(KEY)) throw syntax('bad parameter key');
    if (cursor.peek() === '=') {
      cursor.position++;
      const pattern = bareItemPattern(cursor.peek());
      if (pattern === undefined || !cursor.match(pattern)) throw syntax('bad parameter value');
    }
  }
}

/**
 * Parses an RFC 8941 Item that must be a Byte Sequence (the `Client-Cert` field). Parameters
 * are parsed and ignored. Padding is required (stricter than RFC 8941 §4.2.7, which tolerates
 * its absence), so that one certificate has exactly one accepted spelling.
 *
 * @throws {ForwardedCertificateError} `structured_field` or `base64`.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8941#section-4.2.3 | RFC 8941 §4.2.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-2.2 | RFC 9440 §2.2}
 */
export function parseByteSequenceItem(value: string): Buffer {
  const cursor = new Cursor(value);
  cursor.skip(' ');
  const bytes = readByteSequence(cursor);
  skipParameters(cursor);
  cursor.skip(' ');
  if (!cursor.atEnd()) throw syntax('unexpected characters after the item');
  return bytes;
}

/**
 * Parses an RFC 8941 List whose members must all be Byte Sequences (the `Client-Cert-Chain`
 * field, after its field lines were combined with `, `). An empty value is an empty list.
 *
 * @param maxMembers the most members accepted; one more is `chain_too_long`, before decoding.
 * @throws {ForwardedCertificateError} `structured_field`, `base64` or `chain_too_long`.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8941#section-4.2.1 | RFC 8941 §4.2.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-2.3 | RFC 9440 §2.3}
 */
export function parseByteSequenceList(value: string, maxMembers: number): Buffer[] {
  const cursor = new Cursor(value);
  const members: Buffer[] = [];
  cursor.skip(' ');
  while (!cursor.atEnd()) {
    if (members.length === maxMembers) {
      throw new ForwardedCertificateError('chain_too_long', `more than ${maxMembers} list members`);
    }
    members.push(readByteSequence(cursor));
    skipParameters(cursor);
    cursor.skip(' \t');
    if (cursor.atEnd()) break;
    if (cursor.peek() !== ',') throw syntax('expected "," between list members');
    cursor.position++;
    cursor.skip(' \t');
    if (cursor.atEnd()) throw syntax('trailing "," in a list');
  }
  return members;
}
