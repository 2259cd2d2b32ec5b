/**
 * Validation of URL options (JWKS, introspection endpoint, metadata): absolute, `https:` unless
 * the host is loopback, without credentials or fragment.
 *
 * @packageDocumentation
 */
import { parseIp } from '../internal/ip';

const IPV6_LOOPBACK = Buffer.from('00000000000000000000000000000001', 'hex');

/** Whether a URL host is a loopback name or address (`localhost`, 127.0.0.0/8, `::1`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const ip = parseIp(host);
  if (ip === undefined) return false;
  return ip.length === 4 ? ip[0] === 127 : ip.equals(IPV6_LOOPBACK);
}

/**
 * Parses and checks an absolute URL option.
 *
 * @throws {TypeError} naming the option and the fix.
 */
export function secureUrlOption(factory: string, name: string, value: unknown): URL {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new TypeError(`${factory}: "${name}" must be an absolute URL.`);
  }
  const url = new URL(value);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new TypeError(
      `${factory}: "${name}" must use https: (http: is allowed only on loopback hosts).`,
    );
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    throw new TypeError(`${factory}: "${name}" must not contain credentials or a fragment.`);
  }
  return url;
}
