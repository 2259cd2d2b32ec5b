/**
 * A bounded least-recently-used cache with optional per-entry expiry. Every cache in the
 * library is one of these, so memory stays bounded whatever the traffic.
 */
export class LruCache<K, V> {
  readonly #max: number;
  readonly #entries = new Map<K, { value: V; expires: number }>();

  /** @param max the most entries kept; `0` disables the cache. */
  constructor(max: number) {
    this.#max = max;
  }

  /** The number of entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value for `key`, unless absent or expired (`now` in epoch milliseconds). */
  get(key: K, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= now) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` until `expires` (epoch milliseconds; default: no expiry). */
  set(key: K, value: V, expires = Infinity): void {
    if (this.#max === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires });
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
