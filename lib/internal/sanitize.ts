/**
 * The one way untrusted text (certificate names, `client_id`, JOSE header values, token claims)
 * enters an error message, an error property, a warning or a diagnostics event: escaped to
 * printable ASCII and clipped, so that it cannot forge log lines, reorder them with bidi
 * controls, or flood them.
 *
 * @packageDocumentation
 */

/** Default length limit, in characters of escaped text, of {@link describeUntrusted}. */
export const UNTRUSTED_TEXT_LIMIT = 256;

/** Appended when text was clipped (ASCII: the result stays printable ASCII). */
export const CLIPPED = '...';

const SAFE = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

function escapeUnit(unit: number): string {
  if (unit === 0x5c) return '\\\\';
  if (unit === 0x22) return '\\"';
  if (unit >= 0x20 && unit <= 0x7e) return String.fromCharCode(unit);
  return `\\u${unit.toString(16).padStart(4, '0')}`;
}

function escape(text: string, maxLength: number): { escaped: string; clipped: boolean } {
  if (text.length <= maxLength && SAFE.test(text)) return { escaped: text, clipped: false };
  let escaped = '';
  for (let i = 0; i < text.length; i++) {
    const piece = escapeUnit(text.charCodeAt(i));
    if (escaped.length + piece.length > maxLength) return { escaped, clipped: true };
    escaped += piece;
  }
  return { escaped, clipped: false };
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === null || value === undefined) return String(value);
  return `[${typeof value}]`;
}

/**
 * Writes an untrusted value for an error message or a log line: as a JSON string literal in
 * double quotes whose content is printable ASCII only. `\` and `"` are escaped as `\\` and `\"`;
 * every other UTF-16 code unit outside U+0020–U+007E (controls, U+0085, U+2028, U+2029, bidi
 * controls such as U+202E, any non-ASCII letter, lone surrogates) as `\uXXXX`. The content is
 * clipped to `maxLength` characters (never inside an escape); a clipped value is followed, after
 * its closing quote, by `...`. So `"abc"` is the whole value `abc`, `"abc"...` a value that
 * starts with `abc`, and `JSON.parse` of the quoted part gives back the (clipped) text.
 * A value that is not a string, number, boolean or bigint is written as `"[object]"`,
 * `"[function]"` and so on; `null` and `undefined` as `"null"` and `"undefined"`.
 *
 * This is the library's one escaping helper: use it (or {@link escapeUntrusted}) for every value
 * a client, its certificate or a token controls, wherever it is written.
 *
 * @param maxLength - Largest length of the escaped content. Default {@link UNTRUSTED_TEXT_LIMIT}
 *   (256): the whole result is at most `maxLength + 5` characters.
 */
export function describeUntrusted(value: unknown, maxLength = UNTRUSTED_TEXT_LIMIT): string {
  const { escaped, clipped } = escape(asText(value), maxLength);
  return `"${escaped}"${clipped ? CLIPPED : ''}`;
}

/**
 * The content of {@link describeUntrusted} without the quotes, for a field of a diagnostics
 * event: printable ASCII text without `"`, `\` or control characters is returned as it is (so
 * ordinary identifiers and names keep their value); anything else is escaped the same way, and
 * a value whose escaped form is longer than `maxLength` is clipped and ends with `...` (the
 * result is then at most `maxLength + 3` characters). `undefined` stays `undefined` (an absent
 * field stays absent).
 *
 * @param maxLength - Largest length of the escaped text. Default {@link UNTRUSTED_TEXT_LIMIT}.
 */
export function escapeUntrusted(value: string, maxLength?: number): string;
export function escapeUntrusted(value: unknown, maxLength?: number): string | undefined;
export function escapeUntrusted(
  value: unknown,
  maxLength = UNTRUSTED_TEXT_LIMIT,
): string | undefined {
  if (value === undefined) return undefined;
  const { escaped, clipped } = escape(asText(value), maxLength);
  return clipped ? escaped + CLIPPED : escaped;
}

/** Every character outside the set RFC 6750 §3 allows in a quoted `auth-param` value. */
const OUTSIDE_QUOTED_VALUE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

/**
 * A value made safe for a quoted parameter of a `WWW-Authenticate` challenge: every character
 * outside `%x20-21 / %x23-5B / %x5D-7E` (quotes, backslashes, controls such as CR and LF, DEL,
 * anything non-ASCII) is dropped, so no request content can end the quoted string or the header.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3}
 */
export function challengeParameterValue(value: string): string {
  return value.replace(OUTSIDE_QUOTED_VALUE, '');
}
