import { LruCache } from './lru-cache';

/** Characters sampled from a long value: enough to tell apart any two real certificates. */
const SAMPLES = 128;

/**
 * A cheap 30-bit key of a header value: FNV-1a over its length and at most about
 * {@link SAMPLES} of its characters, evenly spread over the whole value (so two certificates
 * that share their first or last part, a CA's intermediate for one, still get distinct keys).
 * Hashing the whole 1.5–3 KB value, as a `Map` keyed by the string does for every new string
 * object, costs about ten times more. It needs no secrecy: two values with the same key only
 * displace each other (see {@link HeaderCache}).
 */
export function headerKey(value: string, chainValue: string): number {
  const length = value.length;
  let hash = Math.imul(0x811c9dc5 ^ length, 0x01000193) ^ chainValue.length;
  const step = length > SAMPLES ? Math.floor(length / SAMPLES) : 1;
  for (let i = length - 1; i >= 0; i -= step) {
    hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
  }
  const chainLength = chainValue.length;
  const chainStep = chainLength > SAMPLES ? Math.floor(chainLength / SAMPLES) : 1;
  for (let i = chainLength - 1; i >= 0; i -= chainStep) {
    hash = Math.imul(hash ^ chainValue.charCodeAt(i), 0x01000193);
  }
  return hash & 0x3fffffff;
}

interface Entry<V> {
  readonly value: string;
  readonly chainValue: string;
  readonly item: V;
}

/**
 * A bounded cache keyed by a certificate header's value (and its chain header's), as the
 * parsed-certificate cache of `clientCertificate()`. The map key is {@link headerKey}, a sample
 * of the value; a hit is only a hit when the whole stored value and chain value equal the
 * request's (a string compare, no hashing), so a key collision is a miss and never another
 * certificate. Entries live in an {@link LruCache}, with its bound.
 */
export class HeaderCache<V> {
  readonly #entries: LruCache<number, Entry<V>>;

  /** @param max the most entries kept; `0` disables the cache. */
  constructor(max: number) {
    this.#entries = new LruCache(max);
  }

  /** The number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The item stored for exactly this `value` and `chainValue`, or `undefined`. */
  get(value: string, chainValue: string): V | undefined {
    const entry = this.#entries.get(headerKey(value, chainValue), 0);
    if (entry?.value !== value || entry.chainValue !== chainValue) return undefined;
    return entry.item;
  }

  /** Stores `item` for `value` and `chainValue` (displacing any entry with the same key). */
  set(value: string, chainValue: string, item: V): void {
    this.#entries.set(headerKey(value, chainValue), { value, chainValue, item });
  }
}
