import { tlv } from '../../helpers/tlv';

/** DER of an OBJECT IDENTIFIER (test-side encoder, independent of lib/). */
export function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, bytes);
}

/** An AlgorithmIdentifier SEQUENCE. */
export function algorithm(dotted: string, ...params: Buffer[]): Buffer {
  return tlv(0x30, oid(dotted), ...params);
}

export const NULL = Buffer.from([0x05, 0x00]);
export { tlv };
