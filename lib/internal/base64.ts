const PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UNPADDED = /^[A-Za-z0-9+/]*$/;
const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;

/**
 * Decodes standard base64 strictly: only `A–Z a–z 0–9 + /`, no whitespace, and `=` padding to
 * a multiple of four characters (unless `allowUnpadded`). Returns `undefined` on any deviation,
 * where `Buffer.from(…, 'base64')` would silently skip characters.
 */
export function decodeBase64Strict(value: string, allowUnpadded = false): Buffer | undefined {
  if (PADDED.test(value)) return Buffer.from(value, 'base64');
  if (allowUnpadded && value.length % 4 !== 1 && UNPADDED.test(value)) {
    return Buffer.from(value, 'base64');
  }
  return undefined;
}

/** Whether `value` has the exact shape of an `x5t#S256` value: 43 base64url characters. */
export function isBase64UrlSha256(value: string): boolean {
  return BASE64URL_43.test(value);
}
