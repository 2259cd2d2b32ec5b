/**
 * Option validation shared by every factory: unknown (often misspelled) keys and wrong types
 * throw a `TypeError` naming the option and the fix, once, when the middleware is created.
 */

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(
        current + 1,
        (row[j - 1] as number) + 1,
        previous + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
      );
      previous = current;
    }
  }
  return row[b.length] as number;
}

/** A human-readable hint for an unknown name, or an empty string. */
export function didYouMean(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))
    ? ` Did you mean "${best}"?`
    : '';
}

/**
 * Checks that `options` is a plain object (or undefined) whose keys are all in `known`.
 *
 * @returns the options object (an empty one when `undefined` was passed).
 */
export function checkOptions<T extends object>(
  factory: string,
  options: T | undefined,
  known: readonly (keyof T & string)[],
): Partial<T> {
  const value: unknown = options;
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${factory}: options must be an object.`);
  }
  for (const key of Object.keys(value)) {
    if (!(known as readonly string[]).includes(key)) {
      throw new TypeError(
        `${factory}: unknown option "${key}".${didYouMean(key, known)} Known options: ${known.join(', ')}.`,
      );
    }
  }
  return value;
}

/** A non-negative integer option, or its default when undefined. */
export function integerOption(
  factory: string,
  name: string,
  value: unknown,
  fallback: number,
  min = 0,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`${factory}: "${name}" must be an integer ≥ ${min}.`);
  }
  return value;
}

/** A boolean option, or its default when undefined. */
export function booleanOption(
  factory: string,
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${factory}: "${name}" must be a boolean.`);
  return value;
}

/** One of a fixed set of string values, or its default when undefined. */
export function enumOption<T extends string>(
  factory: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
    throw new TypeError(
      `${factory}: "${name}" must be one of ${allowed.map((a) => `"${a}"`).join(', ')}.${hint}`,
    );
  }
  return value as T;
}
