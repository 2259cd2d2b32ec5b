/**
 * Trust domain names in options (`spiffe.trustDomains`, `spiffe.bundles` keys), checked once by
 * every factory that takes them.
 *
 * @see {@link https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md#21-trust-domain | SPIFFE ID §2.1}
 * @packageDocumentation
 */
import { parseSpiffeId } from '../spiffe-id';

/**
 * A trust domain name (`example.org`), as `parseSpiffeId` normalises it.
 *
 * @throws {TypeError} naming `where` and the rule, for anything else.
 */
export function trustDomainName(factory: string, where: string, name: unknown): string {
  const parsed = typeof name === 'string' ? parseSpiffeId(`spiffe://${name}`) : undefined;
  if (parsed?.ok !== true || parsed.value.path !== '') {
    throw new TypeError(
      `${factory}: ${where} holds an invalid trust domain name: use trust domain names like "example.org" (lower case a-z 0-9 . - _, no scheme, port or path).`,
    );
  }
  return parsed.value.trustDomain;
}

/**
 * `spiffe.trustDomains`: a non-empty array of trust domain names.
 *
 * @throws {TypeError} for anything else.
 */
export function trustDomainList(factory: string, value: unknown): Set<string> {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(
      `${factory}: spiffe.trustDomains must be a non-empty array of trust domain names (for example ["example.org"]).`,
    );
  }
  return new Set(
    (value as unknown[]).map((name) => trustDomainName(factory, 'spiffe.trustDomains', name)),
  );
}
