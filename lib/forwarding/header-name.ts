const TOKEN = /^[!#$%&'*+.^`|~0-9A-Za-z-]+$/;

/**
 * Validates a header-name option and returns it lower-cased (or `undefined` when not given).
 * Names must be RFC 9110 tokens without `_`: proxies drop or rewrite underscore names
 * (nginx ignores them by default), which opens the door to spoofed spellings.
 *
 * @throws {TypeError} naming the option and the fix.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9110#section-5.1 | RFC 9110 §5.1}
 */
export function checkHeaderName(
  factory: string,
  option: string,
  value: unknown,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    const hint =
      typeof value === 'string' && value.includes('_')
        ? ` Use "-" instead of "_" (proxies drop or rewrite underscore names): "${value.replace(/_/g, '-')}".`
        : ' Use a header name such as "x-ssl-client-cert".';
    throw new TypeError(`${factory}: "${option}" must be an HTTP header name.${hint}`);
  }
  return value.toLowerCase();
}
