/**
 * Thumbprint pinning: the `thumbprints` option of `requireClientCertificate()`, compiled once.
 * Pure code: the request is passed through to a user function untouched.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.2 | RFC 8705 §2.2} (self-signed certificates)
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1} (x5t#S256)
 * @packageDocumentation
 */
import type { ClientCertificate } from '../certificate';
import { isBase64UrlSha256 } from '../internal/base64';

/**
 * Decides whether a certificate is pinned: called with its `x5t#S256`, the certificate and the
 * request. Only `true` (or a promise of `true`) accepts.
 */
export type ThumbprintMatcher<R = unknown> = (
  thumbprint: string,
  certificate: ClientCertificate,
  req: R,
) => boolean | Promise<boolean>;

/** The pinned `x5t#S256` values, or a {@link ThumbprintMatcher}. */
export type ThumbprintsOption<R = unknown> = readonly string[] | ThumbprintMatcher<R>;

/** The openssl one-liner that prints a certificate's x5t#S256, for error messages. */
export const X5T_S256_COMMAND =
  "openssl x509 -in cert.pem -outform DER | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '='";

const HEX_FINGERPRINT = /^(?:[0-9a-f]+|[0-9a-f]{2}(?::[0-9a-f]{2})+)$/i;

function explain(factory: string, index: number, value: unknown): string {
  const prefix = `${factory}: thumbprints[${index}]`;
  if (typeof value !== 'string') return `${prefix} must be a string (an x5t#S256 value).`;
  const hex = value.replace(/:/g, '');
  if (HEX_FINGERPRINT.test(value) && hex.length === 40) {
    return `${prefix} looks like a SHA-1 hex fingerprint, not an x5t#S256 value (base64url of SHA-256 over the DER, 43 characters). Compute it with: ${X5T_S256_COMMAND}`;
  }
  if (HEX_FINGERPRINT.test(value) && hex.length === 64) {
    return `${prefix} looks like a SHA-256 hex fingerprint; x5t#S256 is the same digest in base64url without padding: "${Buffer.from(hex, 'hex').toString('base64url')}". Compute it with: ${X5T_S256_COMMAND}`;
  }
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) {
    return `${prefix} is standard base64; x5t#S256 is base64url without padding: "${Buffer.from(value, 'base64').toString('base64url')}".`;
  }
  return `${prefix} is not an x5t#S256 value (43 base64url characters). Compute it with: ${X5T_S256_COMMAND}`;
}

/**
 * Validates the `thumbprints` option once and returns the matcher.
 *
 * @throws {TypeError} on an empty list, a value that is not an x5t#S256 (with a hint for SHA-1
 *   and SHA-256 hex fingerprints), or a value that is neither a list nor a function.
 */
export function compileThumbprints<R>(
  factory: string,
  option: ThumbprintsOption<R>,
): ThumbprintMatcher<R> {
  if (typeof option === 'function') return option;
  if (!Array.isArray(option)) {
    throw new TypeError(
      `${factory}: "thumbprints" must be an array of x5t#S256 strings or a function (thumbprint, cert, req) => boolean.`,
    );
  }
  if (option.length === 0) {
    throw new TypeError(
      `${factory}: "thumbprints" is empty; pin at least one x5t#S256 value or leave it out.`,
    );
  }
  const pins = new Set<string>();
  (option as readonly unknown[]).forEach((value, index) => {
    if (typeof value !== 'string' || !isBase64UrlSha256(value))
      throw new TypeError(explain(factory, index, value));
    pins.add(value);
  });
  return (thumbprint) => pins.has(thumbprint);
}
