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
  if (trustsWholeFamily(compiled)) {
    throw new TypeError(
      `${factory}: "trustProxy" covers every IPv4 or IPv6 address, which trusts any ` +
        `peer. List your proxy's address (for example "10.0.0.2" or "loopback"); to trust every ` +
        `peer on purpose, use dangerouslyTrustAnyProxy: true.`,
    );
  }
  return (address, hopIndex) => address !== undefined && compiled(address, hopIndex);
}

/** Both ends of each address family: a matcher that trusts both trusts the whole family. */
const FAMILY_ENDS: readonly (readonly [string, string])[] = [
  ['0.0.0.0', '255.255.255.255'],
  ['::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
];

/**
 * Whether an address matcher trusts a whole address family — `::ffff:0.0.0.0/96`, or
 * `0.0.0.0/1` with `128.0.0.0/1` — judged by asking it about both ends of IPv4 and of IPv6.
 */
function trustsWholeFamily(fn: (address: string, hopIndex: number) => unknown): boolean {
  return FAMILY_ENDS.some(([low, high]) => fn(low, 0) === true && fn(high, 0) === true);
}

/**
 * How far the Express app's `trust proxy` setting reaches, as far as a certificate header is
 * concerned: `'nobody'` (unset, `false`, a hop count of 0), `'everyone'` (`true`, any hop count
 * above 0 — Express compiles `n` to `(address, i) => i < n`, which says yes about the immediate
 * peer whoever it is — or an address list covering a whole address family), or `'some'` (an
 * address list, or a function, both honoured).
 *
 * A hop count says how many proxies stand in front of the app, not which peers may set a
 * certificate header; so it is never trust for one.
 *
 * @param setting the app's `trust proxy` setting, as set.
 * @param fn the app's compiled `trust proxy fn`.
 * @see {@link https://expressjs.com/en/guide/behind-proxies.html | Express: behind proxies}
 */
export function appTrustScope(setting: unknown, fn: unknown): 'nobody' | 'everyone' | 'some' {
  if (typeof fn !== 'function' || setting === undefined || setting === null || setting === false) {
    return 'nobody';
  }
  if (setting === true) return 'everyone';
  if (typeof setting === 'number') return setting > 0 ? 'everyone' : 'nobody';
  if (typeof setting === 'function') return 'some';
  let broad = listScopes.get(fn);
  if (broad === undefined) {
    broad = trustsWholeFamily(fn as (address: string, hopIndex: number) => unknown);
    listScopes.set(fn, broad);
  }
  return broad ? 'everyone' : 'some';
}

/** Address-list settings already judged, by their compiled function (a new setting, a new one). */
const listScopes = new WeakMap<object, boolean>();

/** Why the immediate peer may not set a certificate header. */
export type UntrustedPeerReason = 'no_trusted_proxy' | 'trust_proxy_too_broad' | 'untrusted_peer';

/** The trust configuration of a middleware, compiled once by its factory. */
export interface TrustConfig {
  /** The compiled `trustProxy` option; `undefined`: use the app's `trust proxy` setting. */
  readonly trust: TrustProxyFunction | undefined;
  /** `dangerouslyTrustAnyProxy: true`. */
  readonly trustAnyProxy: boolean;
}

/** Which peers are trusted for one request, before looking at the peer. */
export type ResolvedTrust =
  | { readonly kind: 'any' }
  | { readonly kind: 'function'; readonly fn: TrustProxyFunction }
  | { readonly kind: 'none'; readonly reason: 'no_trusted_proxy' | 'trust_proxy_too_broad' };

const TRUST_ANY: ResolvedTrust = Object.freeze({ kind: 'any' });
const NO_TRUSTED_PROXY: ResolvedTrust = Object.freeze({ kind: 'none', reason: 'no_trusted_proxy' });
const TOO_BROAD: ResolvedTrust = Object.freeze({ kind: 'none', reason: 'trust_proxy_too_broad' });

/**
 * Decides which peers may set forwarded headers: `dangerouslyTrustAnyProxy` → every peer; a
 * `trustProxy` option → that function; otherwise the app's `trust proxy` setting, unless it
 * trusts nobody or everybody (see {@link appTrustScope}) — an inherited setting that trusts every
 * peer is not trust. Pure: the caller asks the returned function about the peer (hop index 0).
 *
 * @param app the app's `trust proxy` setting and compiled `trust proxy fn`, or `undefined`
 *   without an app.
 */
export function resolveTrust(
  config: TrustConfig,
  app: { readonly setting: unknown; readonly fn: unknown } | undefined,
): ResolvedTrust {
  if (config.trustAnyProxy) return TRUST_ANY;
  if (config.trust !== undefined) return { kind: 'function', fn: config.trust };
  if (app === undefined) return NO_TRUSTED_PROXY;
  const scope = appTrustScope(app.setting, app.fn);
  if (scope === 'nobody') return NO_TRUSTED_PROXY;
  if (scope === 'everyone') return TOO_BROAD;
  return { kind: 'function', fn: app.fn as TrustProxyFunction };
}
