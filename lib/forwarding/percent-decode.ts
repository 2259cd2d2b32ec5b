import { ForwardedCertificateError } from './decode-error';

/**
 * Percent-decodes a header value the way URI components are decoded (RFC 3986 §2.1): `%XX`
 * becomes its octet and everything else — `+` included — stays literal. This is deliberately
 * not form decoding (`application/x-www-form-urlencoded` turns `+` into a space, which corrupts
 * base64).
 *
 * @throws {ForwardedCertificateError} `percent_encoding` for a broken escape or invalid UTF-8.
 * @see {@link https://www.rfc-editor.org/rfc/rfc3986#section-2.1 | RFC 3986 §2.1}
 */
export function percentDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ForwardedCertificateError('percent_encoding', 'invalid percent-encoding');
  }
}
