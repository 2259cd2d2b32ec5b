const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;
const EQUALS = 0x3d;

/** 1 for each character of the standard base64 alphabet (RFC 4648 §4), by character code. */
const ALPHABET = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  ALPHABET[char.charCodeAt(0)] = 1;
}

/** Whether the first `end` characters of `value` are all in the base64 alphabet. */
function alphabetOnly(value: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    if (ALPHABET[value.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

/**
 * Decodes standard base64 strictly: only `A–Z a–z 0–9 + /`, no whitespace, and `=` padding to
 * a multiple of four characters (unless `allowUnpadded`). Returns `undefined` on any deviation,
 * where `Buffer.from(…, 'base64')` would silently skip characters. (A character loop rather than
 * a regular expression: certificates are kilobytes long, and the loop is several times faster.)
 */
export function decodeBase64Strict(value: string, allowUnpadded = false): Buffer | undefined {
  const length = value.length;
  if (length % 4 === 0) {
    let end = length;
    if (value.charCodeAt(end - 1) === EQUALS) end -= value.charCodeAt(end - 2) === EQUALS ? 2 : 1;
    if (alphabetOnly(value, end)) return Buffer.from(value, 'base64');
  } else if (allowUnpadded && length % 4 !== 1 && alphabetOnly(value, length)) {
    return Buffer.from(value, 'base64');
  }
  return undefined;
}

/** Whether `value` has the exact shape of an `x5t#S256` value: 43 base64url characters. */
export function isBase64UrlSha256(value: string): boolean {
  return BASE64URL_43.test(value);
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes base64url without padding strictly (RFC 7515 §2, as JOSE uses it): only
 * `A–Z a–z 0–9 - _`, no `=`, no whitespace, and the canonical form only (unused trailing bits
 * zero), so that one byte string has exactly one encoding. Returns `undefined` on any deviation.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7515#section-2 | RFC 7515 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc4648#section-3.5 | RFC 4648 §3.5} (canonical encoding)
 */
export function decodeBase64UrlStrict(value: string): Buffer | undefined {
  if (value.length % 4 === 1 || !BASE64URL.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : undefined;
}
