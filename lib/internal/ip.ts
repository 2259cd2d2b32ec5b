import { isIPv4, isIPv6 } from 'node:net';

const IPV4_MAPPED_PREFIX = Buffer.from('00000000000000000000ffff', 'hex');

/**
 * Writes 4 or 16 address octets in canonical text: dotted decimal, or RFC 5952 (lower case,
 * longest run of zero groups compressed; IPv4-mapped addresses in mixed notation,
 * `::ffff:192.0.2.1`, as Node writes `remoteAddress`). Returns `undefined` for other lengths.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5952#section-4 | RFC 5952 §4}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5952#section-5 | RFC 5952 §5}
 */
export function formatIp(octets: Uint8Array): string | undefined {
  if (octets.length === 4) return Array.from(octets).join('.');
  if (octets.length !== 16) return undefined;
  if (IPV4_MAPPED_PREFIX.equals(octets.subarray(0, 12))) {
    return `::ffff:${Array.from(octets.subarray(12)).join('.')}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push((((octets[i] as number) << 8) | (octets[i + 1] as number)).toString(16));
  }
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/**
 * Parses an IPv4 (dotted decimal only) or IPv6 literal into octets, so that different spellings
 * of one address compare equal (RFC 5952 §8). Returns `undefined` for anything else, including
 * IPv6 with a zone (`fe80::1%eth0`), which no certificate can name.
 */
export function parseIp(text: string): Buffer | undefined {
  if (isIPv4(text)) return Buffer.from(text.split('.').map(Number));
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.split('::') as [string, string?];
  const left = head === '' ? [] : head.split(':');
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}
