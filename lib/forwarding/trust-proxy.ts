import proxyAddr from 'proxy-addr';

/**
 * Decides whether the immediate peer may set forwarded certificate headers. `address` is the
 * TCP peer (IPv4-mapped IPv6 already normalised to IPv4), or `undefined` for a peer without an
 * IP address (a Unix socket); `hopIndex` is always `0` (the immediate peer), as in Express's
 * `trust proxy` functions.
 */
export type TrustProxyFunction = (address: string | undefined, hopIndex: number) => boolean;

/**
 * Which peers are trusted proxies: an address, a CIDR range, one of proxy-addr's names
 * (`'loopback'`, `'linklocal'`, `'uniquelocal'`), a comma-separated string or an array of
 * those, or a {@link TrustProxyFunction}.
 *
 * @see {@link https://expressjs.com/en/guide/behind-proxies.html | Express: behind proxies}
 */
export type TrustProxyOption = string | readonly string[] | TrustProxyFunction;

const IPV4_MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** The peer address with an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) turned into IPv4. */
export function normalizePeerAddress(address: string | undefined): string | undefined {
  if (address === undefined || address === '') return undefined;
  const mapped = IPV4_MAPPED.exec(address);
  return mapped?.[1] ?? address;
}

/**
 * Compiles a `trustProxy` option once, with proxy-addr (the matcher Express uses for
 * `trust proxy`). Compiled address lists never trust a peer without an address.
 *
 * @throws {TypeError} for anything that is not a valid address, range or name.
 */
export function compileTrustProxy(factory: string, value: unknown): TrustProxyFunction {
  if (typeof value === 'function') {
    const fn = value as (address: string | undefined, hopIndex: number) => unknown;
    return (address, hopIndex) => fn(address, hopIndex) === true;
  }
  const list: unknown[] =
    typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [value];
  const entries = list.map((entry) => {
    if (typeof entry !== 'string' || entry.trim() === '') {
      throw new TypeError(
        `${factory}: "trustProxy" must be an IP address, a CIDR range, "loopback", ` +
          `"linklocal", "uniquelocal", an array of those, or a function (address, hopIndex) => ` +
          `boolean. To trust every peer, use dangerouslyTrustAnyProxy: true.`,
      );
    }
    return entry.trim();
  });
  if (entries.length === 0) {
    throw new TypeError(
      `${factory}: "trustProxy" is an empty list, which trusts no proxy. List your proxy's ` +
        `address (for example "10.0.0.2" or "loopback"), or omit the option to use the app's ` +
        `'trust proxy' setting.`,
    );
  }
  let compiled: (address: string, hopIndex: number) => boolean;
  try {
    compiled = proxyAddr.compile(entries);
  } catch (error) {
    throw new TypeError(
      `${factory}: "trustProxy": ${(error as Error).message}. Use IP addresses, CIDR ranges ` +
        `(for example "10.0.0.0/8") or "loopback", "linklocal", "uniquelocal".`,
      { cause: error },
    );
  }
  return (address, hopIndex) => address !== undefined && compiled(address, hopIndex);
}
