/**
 * LDAP string preparation for `caseIgnoreMatch` (RFC 4518 §2), the rule distinguished-name
 * values are compared with. Pure code, no Express.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc4518#section-2 | RFC 4518 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc3454 | RFC 3454} (the tables)
 * @packageDocumentation
 */
import { CASE_FOLD_MULTI, CASE_FOLD_RUNS, PROHIBITED, UNASSIGNED } from './stringprep-tables';

/**
 * Parses `first-last` hex ranges into a flat array `[first0, last0, first1, …]`, sorted, with
 * overlapping and adjacent ranges merged.
 */
function parseRanges(...tables: readonly string[]): Uint32Array {
  const ranges = tables
    .flatMap((table) => table.split(' '))
    .map((range) => range.split('-').map((hex) => parseInt(hex, 16)))
    .map(([first, last]) => [first as number, last ?? (first as number)])
    .sort((a, b) => (a[0] as number) - (b[0] as number));
  const merged: number[] = [];
  for (const [first, last] of ranges as [number, number][]) {
    if (merged.length > 0 && first <= (merged.at(-1) as number) + 1) {
      merged[merged.length - 1] = Math.max(last, merged.at(-1) as number);
    } else merged.push(first, last);
  }
  return Uint32Array.from(merged);
}

function inRanges(ranges: Uint32Array, codePoint: number): boolean {
  let low = 0;
  let high = ranges.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (codePoint < (ranges[middle * 2] as number)) high = middle - 1;
    else if (codePoint > (ranges[middle * 2 + 1] as number)) low = middle + 1;
    else return true;
  }
  return false;
}

function parseCaseFolding(): ReadonlyMap<number, string> {
  const folding = new Map<number, string>();
  for (const run of CASE_FOLD_RUNS.split(' ')) {
    const [start, count, stride, delta] = run.split(',').map((hex) => parseInt(hex, 16)) as [
      number,
      number,
      number,
      number,
    ];
    for (let i = 0; i < count; i++) {
      folding.set(start + i * stride, String.fromCodePoint(start + i * stride + delta));
    }
  }
  for (const entry of CASE_FOLD_MULTI.split(' ')) {
    const [source, targets] = entry.split(':') as [string, string];
    folding.set(
      parseInt(source, 16),
      String.fromCodePoint(...targets.split('.').map((hex) => parseInt(hex, 16))),
    );
  }
  return folding;
}

/** RFC 3454 A.1: unassigned in Unicode 3.2. */
const UNASSIGNED_RANGES = parseRanges(UNASSIGNED);
/** RFC 4518 §2.4: A.1, C.3, C.4, C.5, C.8 and U+FFFD. */
const PROHIBITED_RANGES = parseRanges(UNASSIGNED, PROHIBITED, 'fffd');
/**
 * RFC 4518 §2.2: SOFT HYPHEN, CGJ, variation selectors, U+FFFC, U+200B and Cf (3.2). The other
 * Cc (C0 and C1 controls), which the RFC also maps to nothing, are refused instead.
 */
const MAPPED_TO_NOTHING = parseRanges(
  'ad 34f 6dd 70f 1806 180b-180e 200b-200f 202a-202e 2060-2063 206a-206f',
  'fe00-fe0f feff fff9-fffc 1d173-1d17a e0001 e0020-e007f',
);
/**
 * The C0 and C1 controls RFC 4518 §2.2 maps to nothing (all but TAB, LF, VT, FF, CR and NEL,
 * mapped to SPACE): refused, a deliberate strictness beyond the RFC, so that `ad\0min` does not
 * equal `admin`.
 */
const REFUSED_CONTROLS = parseRanges('0-8 e-1f 7f-84 86-9f');
/** RFC 4518 §2.2: TAB, LF, VT, FF, CR, NEL, and every Zs, Zl, Zp code point (3.2). */
const MAPPED_TO_SPACE = parseRanges('9-d 20 85 a0 1680 2000-200a 2028-2029 202f 205f 3000');
/** RFC 3454 B.2: case folding for use with NFKC. */
const CASE_FOLDING = parseCaseFolding();

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ASCII_UPPER = /[A-Z]+/g;
const SPACE_RUN = / +/g;
const COMBINING_MARK = /^\p{M}/u;

function lowerCase(upper: string): string {
  return upper.toLowerCase();
}

/**
 * RFC 4518 §2.6.1: no non-space character → exactly two SPACEs; otherwise one SPACE at each end
 * and every inner run of spaces replaced by exactly two. A space followed by a combining mark is
 * not a space there: it stays with the mark.
 */
function insignificantSpaces(value: string): string {
  const words: string[] = [];
  let start = 0;
  for (const run of value.matchAll(SPACE_RUN)) {
    let end = run.index + run[0].length;
    if (COMBINING_MARK.test(value.slice(end, end + 2))) end--;
    if (end === run.index) continue;
    if (run.index > start) words.push(value.slice(start, run.index));
    start = end;
  }
  if (start < value.length) words.push(value.slice(start));
  return words.length === 0 ? '  ' : ` ${words.join('  ')} `;
}

/** Steps 2 (map, with the A.1 check on the input) of {@link prepareCaseIgnoreString}. */
function map(value: string): string | undefined {
  let mapped = '';
  let unchanged = 0;
  for (let i = 0; i < value.length; i++) {
    const codePoint = value.codePointAt(i) as number;
    const width = codePoint > 0xffff ? 2 : 1;
    if (inRanges(UNASSIGNED_RANGES, codePoint) || inRanges(REFUSED_CONTROLS, codePoint)) {
      return undefined;
    }
    const replacement = inRanges(MAPPED_TO_SPACE, codePoint)
      ? ' '
      : inRanges(MAPPED_TO_NOTHING, codePoint)
        ? ''
        : CASE_FOLDING.get(codePoint);
    if (replacement !== undefined) {
      mapped += value.slice(unchanged, i) + replacement;
      unchanged = i + width;
    }
    i += width - 1;
  }
  return mapped + value.slice(unchanged);
}

function isProhibited(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const codePoint = value.codePointAt(i) as number;
    if (inRanges(PROHIBITED_RANGES, codePoint)) return true;
    if (codePoint > 0xffff) i++;
  }
  return false;
}

/**
 * Prepares a string value for `caseIgnoreMatch` after RFC 4518 §2, so that two values match
 * exactly when their prepared forms are equal:
 *
 * 1. Transcode: the value is already Unicode (decoded from its ASN.1 string type).
 * 2. Map: the characters of §2.2 to nothing (RFC 3454 B.1 — soft hyphen, zero-width space,
 *    variation selectors, U+FEFF… — and Cf) or to SPACE (TAB, LF, VT, FF, CR, NEL, Zs, Zl, Zp),
 *    then case folding with RFC 3454 table B.2 (so `ß` → `ss` and `İ` → `i̇`, but `ı` stays
 *    `ı`). The other C0 and C1 controls (U+0000–U+0008, U+000E–U+001F, U+007F–U+0084,
 *    U+0086–U+009F), which the RFC maps to nothing, are refused instead: deliberately stricter
 *    than RFC 4518, so that a certificate value with a hidden control never equals another.
 * 3. Normalize: NFKC.
 * 4. Prohibit: RFC 3454 C.3 (private use), C.4 (non-characters), C.5 (surrogates), C.8
 *    (deprecated format characters), U+FFFD, and A.1 (unassigned in Unicode 3.2, checked on the
 *    input too, so that a newer character cannot normalise into an older one).
 * 5. Check bidi: none (§2.5).
 * 6. Insignificant space handling (§2.6.1): one SPACE at each end, inner runs as two.
 *
 * The tables are those of RFC 3454, for Unicode 3.2; NFKC is the running engine's, which by the
 * Unicode stability policy agrees with 3.2 on characters assigned in 3.2. Printable ASCII, by
 * far the common case, takes a fast path with the same result. Linear in the length of the value.
 *
 * @returns the prepared value, or `undefined` when it holds a prohibited code point or a
 *   refused control: such a value never matches anything (fail closed).
 * @see {@link https://www.rfc-editor.org/rfc/rfc4518#section-2 | RFC 4518 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc4517#section-4.2.11 | RFC 4517 §4.2.11} (caseIgnoreMatch)
 */
export function prepareCaseIgnoreString(value: string): string | undefined {
  if (PRINTABLE_ASCII.test(value))
    return insignificantSpaces(value.replace(ASCII_UPPER, lowerCase));
  const normalized = map(value)?.normalize('NFKC');
  if (normalized === undefined || isProhibited(normalized)) return undefined;
  return insignificantSpaces(normalized);
}
