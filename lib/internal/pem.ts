import { decodeBase64Strict } from './base64';
import { DomainError } from './domain-error';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END ([A-Z0-9 ]+)-----/g;
const WHITESPACE = /[\t\n\r ]/g;

/** One decoded PEM block. */
export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

/** Raised when text looks like PEM but a block is broken. */
export class PemError extends DomainError<undefined> {
  override readonly name = 'PemError';
  readonly kind = 'pem';

  constructor(message: string) {
    super(undefined, message);
  }
}

/**
 * Decodes every PEM block in `text` (RFC 7468). Whitespace inside a block is ignored (Apache
 * folds lines into spaces, nginx's legacy form into tabs); any other non-base64 character, a
 * mismatched END label or missing padding is an error. Text outside the blocks is ignored.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7468#section-2 | RFC 7468 §2}
 */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = match as unknown as [string, string, string, string];
    if (label !== endLabel) throw new PemError(`PEM block "${label}" ends with "${endLabel}"`);
    const der = decodeBase64Strict(body.replace(WHITESPACE, ''));
    if (der === undefined || der.length === 0) {
      throw new PemError(`PEM block "${label}" is not valid base64`);
    }
    blocks.push({ label, der });
  }
  return blocks;
}

const CERTIFICATE_BEGIN = '-----BEGIN CERTIFICATE-----';

/**
 * Decodes the CERTIFICATE blocks of `text`; other block types are ignored. A CERTIFICATE block
 * without its END line (a truncated header, say) is an error, never silently dropped.
 */
export function decodeCertificatePem(text: string): Buffer[] {
  const certificates = decodePem(text)
    .filter((block) => block.label === 'CERTIFICATE')
    .map((block) => block.der);
  if (text.split(CERTIFICATE_BEGIN).length - 1 !== certificates.length) {
    throw new PemError('PEM block "CERTIFICATE" is incomplete');
  }
  return certificates;
}

/** Encodes DER as a PEM block with 64-character lines and a trailing newline. */
export function encodePem(der: Uint8Array, label = 'CERTIFICATE'): string {
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
