import { decodePemSequence } from './pem-sequence';
import { percentDecode } from './percent-decode';

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';
const END_OF_TEXT = -1;
const UNUSABLE = -2;
const PERCENT = 0x25;

/** Per ASCII code: a base64 digit's value (0–63), `=` (64), PEM whitespace (65), or 255. */
const PADDING = 64;
const SPACE = 65;
const CLASS = new Uint8Array(128).fill(255);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  .split('')
  .forEach((char, value) => {
    CLASS[char.charCodeAt(0)] = value;
  });
CLASS[0x3d] = PADDING;
for (const code of [0x09, 0x0a, 0x0d, 0x20]) CLASS[code] = SPACE;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * Reads PEM text one ASCII character at a time, percent-decoding on the fly when asked. Anything
 * the fast path does not handle (a broken escape, a non-ASCII character) reads as UNUSABLE.
 */
class Reader {
  position = 0;

  constructor(
    readonly text: string,
    readonly escaped: boolean,
  ) {}

  next(): number {
    const { text } = this;
    if (this.position >= text.length) return END_OF_TEXT;
    const code = text.charCodeAt(this.position);
    if (code !== PERCENT || !this.escaped) {
      this.position++;
      return code < 0x80 ? code : UNUSABLE;
    }
    const high = hexValue(text.charCodeAt(this.position + 1));
    const low = hexValue(text.charCodeAt(this.position + 2));
    if (high < 0 || low < 0) return UNUSABLE;
    this.position += 3;
    const byte = high * 16 + low;
    return byte < 0x80 ? byte : UNUSABLE;
  }

  /** Whether the next characters spell `word`, its first character being `first`. */
  spells(word: string, first: number): boolean {
    if (first !== word.charCodeAt(0)) return false;
    for (let i = 1; i < word.length; i++) {
      if (this.next() !== word.charCodeAt(i)) return false;
    }
    return true;
  }
}

/** Decodes one block body (up to the next `-`) strictly, or `undefined`. */
function decodeBody(reader: Reader): Buffer | undefined {
  const { text, escaped } = reader;
  const bodyEnd = text.indexOf('-', reader.position);
  if (bodyEnd === -1) return undefined;
  const out = Buffer.allocUnsafe(Math.ceil(((bodyEnd - reader.position) * 3) / 4));
  let length = 0;
  let digits = 0;
  let padding = 0;
  let bits = 0;
  let i = reader.position;
  while (i < bodyEnd) {
    let code = text.charCodeAt(i++);
    if (code === PERCENT && escaped) {
      const high = hexValue(text.charCodeAt(i));
      const low = hexValue(text.charCodeAt(i + 1));
      if (high < 0 || low < 0) return undefined;
      code = high * 16 + low;
      i += 2;
    }
    const value = code < 0x80 ? (CLASS[code] as number) : 255;
    if (value < 64) {
      if (padding > 0) return undefined;
      bits = (bits << 6) | value;
      if (++digits % 4 === 0) {
        out[length++] = (bits >> 16) & 0xff;
        out[length++] = (bits >> 8) & 0xff;
        out[length++] = bits & 0xff;
        bits = 0;
      }
    } else if (value === PADDING) {
      padding++;
    } else if (value !== SPACE) {
      return undefined;
    }
  }
  reader.position = i;
  const rest = digits % 4;
  if (digits === 0 || padding > 2 || (padding > 0 && rest + padding !== 4)) return undefined;
  if (padding === 0 && rest !== 0) return undefined;
  if (rest === 2) out[length++] = (bits >> 4) & 0xff;
  if (rest === 3) {
    out[length++] = (bits >> 10) & 0xff;
    out[length++] = (bits >> 2) & 0xff;
  }
  return out.subarray(0, length);
}

/** The fast path: the blocks of well-formed ASCII PEM text, or `undefined` for anything else. */
function decodeFast(text: string, maxBlocks: number, escaped: boolean): Buffer[] | undefined {
  const reader = new Reader(text, escaped);
  const blocks: Buffer[] = [];
  for (;;) {
    let code = reader.next();
    while (code >= 0 && CLASS[code] === SPACE) code = reader.next();
    if (code === END_OF_TEXT) return blocks.length > 0 ? blocks : undefined;
    if (blocks.length === maxBlocks || !reader.spells(BEGIN, code)) return undefined;
    const der = decodeBody(reader);
    if (der === undefined || !reader.spells(END, reader.next())) return undefined;
    blocks.push(der);
  }
}

/**
 * Decodes PEM `CERTIFICATE` blocks exactly as {@link decodePemSequence} does — after
 * {@link percentDecode} when `percentEncoded` — in one pass without intermediate strings for the
 * common case (ASCII text, well-formed blocks). Anything else (a broken escape, non-ASCII text,
 * malformed or too many blocks) takes the reference path, so results and errors are the same.
 * This is the per-request decoding of nginx's `$ssl_client_escaped_cert`, AWS ALB, XFCC and
 * Apache headers for every new certificate.
 *
 * @throws {ForwardedCertificateError} `percent_encoding`, `pem` or `chain_too_long`.
 */
export function decodeEscapedPemSequence(
  text: string,
  maxBlocks: number,
  percentEncoded: boolean,
): Buffer[] {
  return (
    decodeFast(text, maxBlocks, percentEncoded) ??
    decodePemSequence(percentEncoded ? percentDecode(text) : text, maxBlocks)
  );
}
