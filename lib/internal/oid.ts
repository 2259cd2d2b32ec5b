import { DerError } from './der';

const SAFE_TO_SHIFT = 2 ** 45;

/**
 * Decodes the content octets of a DER OBJECT IDENTIFIER into dotted-decimal form. Arcs of any
 * size are kept exact (UUID OIDs under `2.25` have 128-bit arcs); the content is bounded to 64
 * octets.
 *
 * @see {@link https://www.itu.int/rec/T-REC-X.690 | X.690 §8.19}
 */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0 || content.length > 64) throw new DerError('malformed OID');
  const arcs: (number | bigint)[] = [];
  let value: number | bigint = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i] as number;
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal OID arc');
    value =
      typeof value === 'number' && value < SAFE_TO_SHIFT
        ? value * 128 + (byte & 0x7f)
        : BigInt(value) * 128n + BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      throw new DerError('truncated OID');
    }
  }
  const first = arcs[0] as number | bigint;
  const head =
    typeof first === 'bigint'
      ? [2, first - 80n]
      : first < 40
        ? [0, first]
        : first < 80
          ? [1, first - 40]
          : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}
