import { decodeBase64Strict } from './base64';
import { DomainError } from './domain-error';

const BLOCK_SOURCE = '-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END ([A-Z0-9 ]+)-----';
/** Lenient mode: a block anywhere in the text. */
const BLOCK = new RegExp(BLOCK_SOURCE, 'g');
/** Strict mode: a block right where the previous one ended, after whitespace only. */
const NEXT_BLOCK = new RegExp(`[\\t\\n\\r ]*${BLOCK_SOURCE}`, 'y');
const STRICT_BODY = /^[A-Za-z0-9+/=\t\n\r ]*$/;
const WHITESPACE = /[\t\n\r ]/g;
const CERTIFICATE = 'CERTIFICATE';
const CERTIFICATE_BEGIN = '-----BEGIN CERTIFICATE-----';
const CERTIFICATE_END = '-----END CERTIFICATE-----';

/** One decoded PEM block. */
export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

/** Why PEM text was refused: a broken or misplaced block, or more blocks than allowed. */
export type PemFailure = 'pem' | 'too_many_blocks';

/** Raised when text looks like PEM but a block is broken; `message` never quotes the text. */
export class PemError extends DomainError<PemFailure> {
  override readonly name = 'PemError';
  readonly kind = 'pem';

  constructor(message: string, reason: PemFailure = 'pem') {
    super(reason, message);
  }
}

function decodeBody(label: string, body: string): Buffer {
  const der = decodeBase64Strict(body.replace(WHITESPACE, ''));
  if (der === undefined || der.length === 0) {
    throw new PemError(`PEM block "${label}" is not valid base64`);
  }
  return der;
}

/**
 * Lenient mode: decodes every PEM block in `text` (RFC 7468 §2), whatever its label. Whitespace
 * inside a block is ignored (Apache folds lines into spaces, nginx's legacy form into tabs); any
 * other non-base64 character, a mismatched END label or missing padding is an error. Text
 * outside the blocks is ignored.
 *
 * @throws {PemError} for a broken block.
 * @see {@link https://www.rfc-editor.org/rfc/rfc7468#section-2 | RFC 7468 §2}
 */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = match as unknown as [string, string, string, string];
    if (label !== endLabel) throw new PemError(`PEM block "${label}" ends with "${endLabel}"`);
    blocks.push({ label, der: decodeBody(label, body) });
  }
  return blocks;
}

/**
 * Lenient mode, certificates only: the CERTIFICATE blocks of `text`; other block types are
 * ignored. A CERTIFICATE block without its END line (a truncated header, say) is an error, never
 * silently dropped.
 *
 * @throws {PemError} for a broken or incomplete block.
 */
export function decodeCertificatePem(text: string): Buffer[] {
  const certificates = decodePem(text)
    .filter((block) => block.label === CERTIFICATE)
    .map((block) => block.der);
  if (text.split(CERTIFICATE_BEGIN).length - 1 !== certificates.length) {
    throw new PemError('PEM block "CERTIFICATE" is incomplete');
  }
  return certificates;
}

/**
 * Why strict mode refuses `text`, found with the regular-expression reader: more blocks than
 * allowed, a block that is not base64, or text around the blocks. Fails closed: text it would
 * not fault is still refused.
 */
function explainRefusal(text: string, maxBlocks: number): never {
  let count = 0;
  let position = 0;
  for (;;) {
    NEXT_BLOCK.lastIndex = position;
    const match = NEXT_BLOCK.exec(text);
    if (match === null) break;
    const [, label, body, endLabel] = match as unknown as [string, string, string, string];
    if (label !== CERTIFICATE || endLabel !== CERTIFICATE || !STRICT_BODY.test(body)) break;
    if (count === maxBlocks) {
      throw new PemError(`more than ${maxBlocks} PEM certificate blocks`, 'too_many_blocks');
    }
    const der = decodeBase64Strict(body.replace(WHITESPACE, ''));
    if (der === undefined || der.length === 0) {
      throw new PemError('a PEM certificate block is not valid base64');
    }
    count++;
    position = NEXT_BLOCK.lastIndex;
  }
  throw new PemError(
    count === 0
      ? 'no PEM certificate block where one was expected'
      : 'unexpected text around the PEM certificate blocks',
  );
}

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

/** Decodes the base64 body `text[start, end)` strictly, whitespace skipped, or `undefined`. */
function decodeBodyFast(text: string, start: number, end: number): Buffer | undefined {
  const out = Buffer.allocUnsafe(Math.ceil(((end - start) * 3) / 4));
  let length = 0;
  let digits = 0;
  let padding = 0;
  let bits = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
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

/** Skips PEM whitespace from `position`. */
function skipSpace(text: string, position: number): number {
  let i = position;
  while (i < text.length && CLASS[text.charCodeAt(i)] === SPACE) i++;
  return i;
}

/**
 * The one-pass path: the blocks of well-formed text, without intermediate strings, or
 * `undefined` for anything else (which {@link explainRefusal} then explains).
 */
function readStrictFast(text: string, maxBlocks: number): Buffer[] | undefined {
  const blocks: Buffer[] = [];
  let position = skipSpace(text, 0);
  while (position < text.length) {
    if (blocks.length === maxBlocks || !text.startsWith(CERTIFICATE_BEGIN, position)) {
      return undefined;
    }
    const bodyStart = position + CERTIFICATE_BEGIN.length;
    const bodyEnd = text.indexOf('-', bodyStart);
    if (bodyEnd === -1 || !text.startsWith(CERTIFICATE_END, bodyEnd)) return undefined;
    const der = decodeBodyFast(text, bodyStart, bodyEnd);
    if (der === undefined) return undefined;
    blocks.push(der);
    position = skipSpace(text, bodyEnd + CERTIFICATE_END.length);
  }
  return blocks.length > 0 ? blocks : undefined;
}

/**
 * Strict mode: decodes text that must consist of one or more PEM `CERTIFICATE` blocks and
 * nothing else but whitespace (line feeds, or the spaces Apache folds them into). Any other
 * text, another label or a body that is not strictly padded base64 is an error — unlike
 * lenient mode, which would skip it. Well-formed text is read in one pass; anything else takes
 * the regular-expression reader, which names the fault. Work is linear in the text's length.
 *
 * @param maxBlocks the most blocks accepted; one more is `too_many_blocks`, before it is decoded.
 * @throws {PemError} `pem` or `too_many_blocks`.
 * @see {@link https://www.rfc-editor.org/rfc/rfc7468#section-5.1 | RFC 7468 §5.1}
 */
export function decodeStrictCertificatePem(text: string, maxBlocks: number): Buffer[] {
  return readStrictFast(text, maxBlocks) ?? explainRefusal(text, maxBlocks);
}

/** Encodes DER as a PEM block with 64-character lines and a trailing newline. */
export function encodePem(der: Uint8Array, label = CERTIFICATE): string {
  const body = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const PEM_MARKER = '-----BEGIN ';

/**
 * The text of `bytes` when they hold PEM (a file read without an encoding: `readFileSync(path)`),
 * or `undefined` for binary DER, which starts with a SEQUENCE tag and holds no BEGIN line.
 */
export function pemTextOf(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0x30) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return text.includes(PEM_MARKER) ? text : undefined;
}
