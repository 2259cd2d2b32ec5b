/**
 * Subject-alternative-name matching for the `tls_client_auth_san_*` registration parameters.
 * Pure code, no Express. Each function answers whether *some* SAN of the type equals the
 * registered value; there are no wildcard semantics.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2 | RFC 8705 §2.1.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6 | RFC 5280 §4.2.1.6}
 * @packageDocumentation
 */
import { parseIp } from '../internal/ip';

const ASCII_UPPER = /[A-Z]/g;

/** Lower-cases ASCII letters only (no locale or Unicode case mapping). */
function asciiLowerCase(value: string): string {
  return value.replace(ASCII_UPPER, (c) => String.fromCharCode(c.charCodeAt(0) | 0x20));
}

/**
 * `tls_client_auth_san_dns`: a `dNSName` equal to `expected`, ignoring ASCII case. A `*` in the
 * certificate is an ordinary character: `*.example.com` matches only the registered string
 * `*.example.com`.
 */
export function sanDnsMatches(expected: string, names: readonly string[]): boolean {
  const wanted = asciiLowerCase(expected);
  return names.some((name) => asciiLowerCase(name) === wanted);
}

/** `tls_client_auth_san_uri`: a `uniformResourceIdentifier` equal to `expected`, exactly. */
export function sanUriMatches(expected: string, names: readonly string[]): boolean {
  return names.includes(expected);
}

/**
 * `tls_client_auth_san_ip`: an `iPAddress` with the same octets as `expected` (IPv4 dotted
 * decimal or any IPv6 spelling), compared in binary. An IPv4 address does not match its
 * IPv4-mapped IPv6 form. `false` when `expected` is not an IP address.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5952#section-8 | RFC 5952 §8}
 */
export function sanIpMatches(expected: string, names: readonly string[]): boolean {
  const wanted = parseIp(expected);
  if (wanted === undefined) return false;
  return names.some((name) => parseIp(name)?.equals(wanted) === true);
}

function splitMailbox(value: string): { local: string; domain: string } | undefined {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return undefined;
  return { local: value.slice(0, at), domain: asciiLowerCase(value.slice(at + 1)) };
}

/**
 * `tls_client_auth_san_email`: an `rfc822Name` with the same mailbox as `expected`. The local
 * part (before the last `@`) is compared exactly, since only the receiving host may interpret
 * its case (RFC 5321 §2.4); the domain ignores ASCII case (RFC 5280 §7.5). `false` when
 * `expected` is not `local@domain`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-7.5 | RFC 5280 §7.5}
 */
export function sanEmailMatches(expected: string, names: readonly string[]): boolean {
  const wanted = splitMailbox(expected);
  if (wanted === undefined) return false;
  return names.some((name) => {
    const mailbox = splitMailbox(name);
    return mailbox?.local === wanted.local && mailbox.domain === wanted.domain;
  });
}

/** Whether `value` is a usable `tls_client_auth_san_ip` value. */
export function isIpAddress(value: string): boolean {
  return parseIp(value) !== undefined;
}

/** Whether `value` is a usable `tls_client_auth_san_email` value (`local@domain`). */
export function isMailbox(value: string): boolean {
  return splitMailbox(value) !== undefined;
}
