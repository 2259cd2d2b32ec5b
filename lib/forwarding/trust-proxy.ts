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
 * `trust proxy`). Compiled address lists never trust a peer without an address. A function is
 * not called here (it may have side effects or depend on state not yet there): it is probed at
 * the first request instead (see {@link resolveTrust}).
 *
 * @throws {TypeError} for anything that is not a valid address, range or name, and for a list
 *   that covers every IPv4 or IPv6 address.
 */
export function compileTrustProxy(factory: string, value: unknown): TrustProxyFunction {
  if (typeof value === 'function') {
    const fn = value as (address: string | undefined, hopIndex: number) => unknown;
    const compiled: TrustProxyFunction = (address, hopIndex) => fn(address, hopIndex) === true;
    probedAtFirstUse.add(compiled);
    return compiled;
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

/**
 * The addresses a matcher is asked about, per address family: both ends and a documentation
 * address in the middle (RFC 5737, RFC 3849), none of which is a proxy. A matcher that trusts
 * all three of a family is taken to trust the whole family.
 */
const FAMILY_PROBES: readonly (readonly string[])[] = [
  ['0.0.0.0', '192.0.2.1', '255.255.255.255'],
  ['::', '2001:db8::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
];

/**
 * Whether an address matcher trusts a whole address family — `::ffff:0.0.0.0/96`, `0.0.0.0/1`
 * with `128.0.0.0/1`, `() => true`, a hand-written hop count `(ip, i) => i < 1` — judged by
 * asking it about {@link FAMILY_PROBES} at hop index 0. A function that trusts all but a few
 * addresses is not caught: a probe is a guard against the common mistakes, not a proof.
 */
function trustsWholeFamily(fn: (address: string, hopIndex: number) => unknown): boolean {
  return FAMILY_PROBES.some((probes) => probes.every((address) => fn(address, 0) === true));
}

/** Functions already probed (a new setting or option, a new function), with the verdict. */
const broadFunctions = new WeakMap<object, boolean>();

/** {@link trustsWholeFamily}, asked once per function. */
function judgedBroad(fn: object): boolean {
  let broad = broadFunctions.get(fn);
  if (broad === undefined) {
    broad = trustsWholeFamily(fn as (address: string, hopIndex: number) => unknown);
    broadFunctions.set(fn, broad);
  }
  return broad;
}

/** Compiled `trustProxy` functions, probed at their first request rather than at creation. */
const probedAtFirstUse = new WeakSet<TrustProxyFunction>();

/**
 * How far the Express app's `trust proxy` setting reaches, as far as a certificate header is
 * concerned: `'nobody'` (unset, `false`, a hop count of 0), `'everyone'` (`true`, any hop count
 * above 0 — Express compiles `n` to `(address, i) => i < n`, which says yes about the immediate
 * peer whoever it is — or an address list or a function that trusts a whole address family,
 * probed once), or `'some'` (an address list, or a function, both honoured).
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
  return judgedBroad(fn) ? 'everyone' : 'some';
}

/** The inherited `trust proxy fn`s, wrapped so that a peer without an address is never asked. */
const addressOnly = new WeakMap<object, TrustProxyFunction>();

/**
 * An inherited `trust proxy fn` that never trusts a peer without an address (a Unix socket):
 * Express's own functions are written for IP addresses, and only an explicit `trustProxy`
 * function may speak for such a peer. The same wrapper for the same function, so that a
 * per-connection answer stays cached.
 */
function inheritedTrust(fn: object): TrustProxyFunction {
  let wrapped = addressOnly.get(fn);
  if (wrapped === undefined) {
    const app = fn as (address: string, hopIndex: number) => unknown;
    wrapped = (address, hopIndex) => address !== undefined && app(address, hopIndex) === true;
    addressOnly.set(fn, wrapped);
  }
  return wrapped;
}

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
 * `trustProxy` option → that function, unless it is a function that trusts a whole address
 * family (probed once, at the first request: `'trust_proxy_too_broad'`); otherwise the app's
 * `trust proxy` setting, unless it trusts nobody or everybody (see {@link appTrustScope}) — an
 * inherited setting that trusts every peer is not trust — and never for a peer without an
 * address. The caller asks the returned function about the peer (hop index 0).
 *
 * @param app the app's `trust proxy` setting and compiled `trust proxy fn`, or `undefined`
 *   without an app.
 */
export function resolveTrust(
  config: TrustConfig,
  app: { readonly setting: unknown; readonly fn: unknown } | undefined,
): ResolvedTrust {
  if (config.trustAnyProxy) return TRUST_ANY;
  if (config.trust !== undefined) {
    if (probedAtFirstUse.has(config.trust) && judgedBroad(config.trust)) return TOO_BROAD;
    return { kind: 'function', fn: config.trust };
  }
  if (app === undefined) return NO_TRUSTED_PROXY;
  const scope = appTrustScope(app.setting, app.fn);
  if (scope === 'nobody') return NO_TRUSTED_PROXY;
  if (scope === 'everyone') return TOO_BROAD;
  return { kind: 'function', fn: inheritedTrust(app.fn as object) };
}
