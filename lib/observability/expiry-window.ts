/**
 * The certificates authenticated in the last window, by thumbprint, for the soonest-expiry
 * gauge. Bounded: past `maxEntries` the least recently seen certificate is forgotten.
 */
export class ExpiryWindow {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  /** thumbprint → { notAfter, seen }, least recently seen first. */
  readonly #seen = new Map<string, { notAfter: number; seen: number }>();

  constructor(windowMs: number, maxEntries: number) {
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
  }

  /** Records that the certificate `thumbprint`, valid until `notAfter`, was seen at `now`. */
  see(thumbprint: string, notAfter: number, now: number): void {
    this.#seen.delete(thumbprint);
    this.#seen.set(thumbprint, { notAfter, seen: now });
    if (this.#seen.size > this.#maxEntries) {
      this.#seen.delete(this.#seen.keys().next().value as string);
    }
  }

  /** The soonest `notAfter` (epoch ms) among certificates seen within the window, if any. */
  soonest(now: number): number | undefined {
    let soonest: number | undefined;
    for (const [thumbprint, entry] of this.#seen) {
      if (now - entry.seen > this.#windowMs) {
        this.#seen.delete(thumbprint);
        continue;
      }
      if (soonest === undefined || entry.notAfter < soonest) soonest = entry.notAfter;
    }
    return soonest;
  }
}
