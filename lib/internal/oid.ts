import { DerError } from './der';

const SAFE_TO_SHIFT = 2 ** 45;
const MAX_OCTETS = 64;

function firstArcs(value: number): string {
  return value < 40 ? `0.${value}` : value < 80 ? `1.${value - 40}` : `2.${value - 80}`;
}

/** The exact decoding of an OID with an arc too large for a double: every arc as a BigInt. */
function decodeLargeOid(content: Uint8Array, start: number, end: number): string {
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = start; i < end; i++) {
    const byte = content[i] as number;
    value = value * 128n + BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs[0] as bigint;
  const head = first < 40n ? `0.${first}` : first < 80n ? `1.${first - 40n}` : `2.${first - 80n}`;
  return [head, ...arcs.slice(1)].join('.');
}

/**
 * Decodes the content octets of a DER OBJECT IDENTIFIER into dotted-decimal form. Arcs of any
 * size are kept exact (UUID OIDs under `2.25` have 128-bit arcs); the content is bounded to 64
 * octets. `start` and `end` delimit the content within `content` (default: all of it).
 *
 * @see {@link https://www.itu.int/rec/T-REC-X.690 | X.690 §8.19}
 */
export function decodeOid(content: Uint8Array, start = 0, end = content.length): string {
  const length = end - start;
  if (length <= 0 || length > MAX_OCTETS) throw new DerError('malformed OID');
  let text = '';
  let value = 0;
  let large = false;
  for (let i = start; i < end; i++) {
    const byte = content[i] as number;
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal OID arc');
    if (value >= SAFE_TO_SHIFT) large = true;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (!large) text = text === '' ? firstArcs(value) : `${text}.${value}`;
      value = 0;
    } else if (i === end - 1) {
      throw new DerError('truncated OID');
    }
  }
  return large ? decodeLargeOid(content, start, end) : text;
}
