/**
 * Fresh header strings for the in-process benchmarks. V8 stores a string's hash in the string
 * object once computed, so a benchmark that sends the same header object every time looks up
 * caches keyed by that header for free; a real server gets a new string from the HTTP parser on
 * every request and pays for hashing all of it. A {@link Freshener} hands out a new string object
 * of the same content on each call: an O(1) slice of a flat template (one character longer),
 * whose hash V8 has never computed.
 *
 * @packageDocumentation
 */

/** A new string object with the content of `value`, each call. */
export type Freshener = () => string;

/**
 * Hands out new string objects equal to `value` (their hash not yet computed).
 *
 * @throws {RangeError} for a value that is not Latin-1 (no header value the benchmark sends).
 */
export function freshener(value: string): Freshener {
  // a sequential (flat) string, so that each slice is a cheap view, not a copy
  const template = Buffer.from(` ${value}`, 'latin1').toString('latin1');
  if (template.slice(1) !== value) throw new RangeError('a header value must be Latin-1 text');
  return () => template.slice(1);
}

/** Hands out new header objects whose values are new string objects, each call. */
export function freshHeaders(
  headers: Readonly<Record<string, string>>,
): () => Record<string, string> {
  const values = Object.entries(headers).map(([name, value]) => [name, freshener(value)] as const);
  return () => {
    const fresh: Record<string, string> = {};
    for (const [name, next] of values) fresh[name] = next();
    return fresh;
  };
}
