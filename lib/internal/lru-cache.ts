/** One entry: its value, deadline, and the insertion count at its last move to the newest end. */
interface Entry<V> {
  value: V;
  expires: number;
  stamp: number;
}

/**
 * A bounded least-recently-used cache with optional per-entry expiry. Every cache in the
 * library is one of these, so memory stays bounded whatever the traffic.
 *
 * A hit moves its entry to the newest end only when it is in the older half of the cache (more
 * than `max / 2` insertions and moves happened since it was last placed there): an entry in the
 * newer half is at least `max / 2` evictions away from leaving, so hot entries stay as safe as
 * under strict LRU while most hits cost one `Map.get`, without a delete and re-insert.
 */
export class LruCache<K, V> {
  readonly #max: number;
  readonly #half: number;
  readonly #entries = new Map<K, Entry<V>>();
  #placed = 0;

  /** @param max the most entries kept; `0` disables the cache. */
  constructor(max: number) {
    this.#max = max;
    this.#half = max >>> 1;
  }

  /** The number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value for `key`, unless absent or expired (`now` in epoch milliseconds). */
  get(key: K, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    if (this.#placed - entry.stamp >= this.#half) {
      this.#entries.delete(key);
      entry.stamp = ++this.#placed;
      this.#entries.set(key, entry);
    }
    return entry.value;
  }

  /** Stores `value` until `expires` (epoch milliseconds; default: no expiry). */
  set(key: K, value: V, expires = Infinity): void {
    if (this.#max === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires, stamp: ++this.#placed });
    if (this.#entries.size > this.#max) {
      this.#entries.delete(this.#entries.keys().next().value as K);
    }
  }

  /** Removes `key`. */
  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Removes every entry. */
  clear(): void {
    this.#entries.clear();
  }
}
