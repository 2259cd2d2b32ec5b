import express4 from 'express4';
import express5 from 'express';
import {
  appTrustScope,
  compileTrustProxy,
  normalizePeerAddress,
  resolveTrust,
} from '../../lib/forwarding/trust-proxy';

describe('normalizePeerAddress', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:10.1.2.3', '10.1.2.3'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['::ffff:7f00:1', '::ffff:7f00:1'],
    ['', undefined],
    [undefined, undefined],
  ])('%p → %p', (input, expected) => {
    expect(normalizePeerAddress(input)).toBe(expected);
  });
});

describe('compileTrustProxy', () => {
  it('trusts a single address', () => {
    const trust = compileTrustProxy('f()', '10.0.0.2');
    expect(trust('10.0.0.2', 0)).toBe(true);
    expect(trust('10.0.0.3', 0)).toBe(false);
  });

  it('trusts a CIDR range', () => {
    const trust = compileTrustProxy('f()', '10.0.0.0/8');
    expect(trust('10.255.1.1', 0)).toBe(true);
    expect(trust('11.0.0.1', 0)).toBe(false);
  });

  it('understands proxy-addr names', () => {
    expect(compileTrustProxy('f()', 'loopback')('127.0.0.5', 0)).toBe(true);
    expect(compileTrustProxy('f()', 'loopback')('::1', 0)).toBe(true);
    expect(compileTrustProxy('f()', 'linklocal')('169.254.1.1', 0)).toBe(true);
    expect(compileTrustProxy('f()', 'uniquelocal')('192.168.1.1', 0)).toBe(true);
    expect(compileTrustProxy('f()', 'uniquelocal')('8.8.8.8', 0)).toBe(false);
  });

  it('accepts arrays and comma-separated strings', () => {
    for (const option of [['10.0.0.1', 'fd00::/8'], '10.0.0.1, fd00::/8']) {
      const trust = compileTrustProxy('f()', option);
      expect(trust('10.0.0.1', 0)).toBe(true);
      expect(trust('fd12::1', 0)).toBe(true);
      expect(trust('10.0.0.2', 0)).toBe(false);
    }
  });

  it('never trusts a peer without an address (Unix socket) from an address list', () => {
    expect(compileTrustProxy('f()', 'loopback')(undefined, 0)).toBe(false);
  });

  it('delegates to a function, trusting only a literal true', () => {
    const calls: unknown[][] = [];
    const trust = compileTrustProxy('f()', (address: string | undefined, hop: number) => {
      calls.push([address, hop]);
      return address === undefined ? (1 as unknown as boolean) : address === '10.0.0.9';
    });
    expect(trust('10.0.0.9', 0)).toBe(true);
    expect(trust('10.0.0.8', 0)).toBe(false);
    expect(trust(undefined, 0)).toBe(false);
    expect(calls).toEqual([
      ['10.0.0.9', 0],
      ['10.0.0.8', 0],
      [undefined, 0],
    ]);
  });

  it.each([
    ['true', true, /dangerouslyTrustAnyProxy/],
    ['false', false, /"trustProxy" must be/],
    ['a number', 1, /"trustProxy" must be/],
    ['null', null, /"trustProxy" must be/],
    ['an empty string', '', /"trustProxy" must be/],
    ['an array with a number', ['10.0.0.1', 2], /"trustProxy" must be/],
    ['an empty array', [], /empty list/],
    ['an invalid address', '10.0.0.256', /invalid IP address.*CIDR/],
    ['an invalid range', '10.0.0.0/33', /"trustProxy".*CIDR/],
    ['an unknown name', 'localhost', /invalid IP address: localhost/],
    ['every IPv4-mapped address', '::ffff:0.0.0.0/96', /covers every IPv4 or IPv6 address/],
    ['both halves of IPv4', '0.0.0.0/1, 128.0.0.0/1', /dangerouslyTrustAnyProxy: true/],
    ['both halves of IPv6', ['::/1', '8000::/1'], /covers every IPv4 or IPv6 address/],
  ])('refuses %s with a TypeError', (_what, value, message) => {
    expect(() => compileTrustProxy('f()', value)).toThrow(TypeError);
    expect(() => compileTrustProxy('f()', value)).toThrow(message);
  });
});

describe.each([
  ['express 5', express5],
  ['express 4', express4 as unknown as typeof express5],
])("appTrustScope (the app's compiled trust proxy on %s)", (_name, express) => {
  function scope(setting: unknown): string {
    const app = express();
    app.set('trust proxy', setting);
    return appTrustScope(app.get('trust proxy'), app.get('trust proxy fn'));
  }

  it.each<[string, unknown, string]>([
    ['the default', undefined, 'nobody'],
    ['false', false, 'nobody'],
    ['a hop count of 0', 0, 'nobody'],
    ['a negative hop count', -1, 'nobody'],
    ['true', true, 'everyone'],
    ['a hop count of 1', 1, 'everyone'],
    ['a hop count of 3', 3, 'everyone'],
    ['a fractional hop count', 0.5, 'everyone'],
    ['"loopback"', 'loopback', 'some'],
    ['a comma list', '10.0.0.1, 127.0.0.1', 'some'],
    ['a CIDR list', ['10.0.0.0/8', 'fd00::/8'], 'some'],
    ['every IPv4-mapped address', '::ffff:0.0.0.0/96', 'everyone'],
    ['both halves of IPv4', '0.0.0.0/1,128.0.0.0/1', 'everyone'],
    ['a list covering both ends of IPv4 but not its middle', '0.0.0.0/8, 255.0.0.0/8', 'some'],
    ['a function naming its peers', (address: string) => address === '10.0.0.1', 'some'],
    ['a function that says yes to all', () => true, 'everyone'],
    ['a hand-written hop count', (_address: string, hop: number) => hop < 1, 'everyone'],
    ['a function trusting all of IPv6', (address: string) => address.includes(':'), 'everyone'],
    [
      'a function trusting both ends of IPv4 but not its middle',
      (address: string) => address === '0.0.0.0' || address === '255.255.255.255',
      'some',
    ],
  ])('%s → %s', (_what, setting, expected) => {
    expect(scope(setting)).toBe(expected);
    expect(scope(setting)).toBe(expected);
  });

  it('is nobody without a compiled function', () => {
    expect(appTrustScope('loopback', undefined)).toBe('nobody');
    expect(appTrustScope(null, () => true)).toBe('nobody');
  });
});

describe('resolveTrust', () => {
  const option = compileTrustProxy('f()', 'loopback');
  const listed = { setting: '10.0.0.1', fn: compileTrustProxy('f()', '10.0.0.1') };

  it('dangerouslyTrustAnyProxy trusts any peer, whatever the app says', () => {
    expect(resolveTrust({ trust: undefined, trustAnyProxy: true }, undefined)).toEqual({
      kind: 'any',
    });
  });

  it('an explicit trustProxy wins over the app setting', () => {
    expect(
      resolveTrust({ trust: option, trustAnyProxy: false }, { setting: true, fn: () => true }),
    ).toEqual({ kind: 'function', fn: option });
  });

  it('without an option: the app setting, unless it trusts nobody or everybody', () => {
    const config = { trust: undefined, trustAnyProxy: false };
    expect(resolveTrust(config, undefined)).toEqual({ kind: 'none', reason: 'no_trusted_proxy' });
    expect(resolveTrust(config, { setting: false, fn: () => false })).toEqual({
      kind: 'none',
      reason: 'no_trusted_proxy',
    });
    expect(resolveTrust(config, { setting: 1, fn: () => true })).toEqual({
      kind: 'none',
      reason: 'trust_proxy_too_broad',
    });
    expect(resolveTrust(config, { setting: true, fn: () => true })).toEqual({
      kind: 'none',
      reason: 'trust_proxy_too_broad',
    });
    const resolved = resolveTrust(config, listed);
    expect(resolved).toEqual({ kind: 'function', fn: expect.any(Function) });
    const fn = (resolved as { fn: (address: string | undefined, hop: number) => boolean }).fn;
    expect(fn('10.0.0.1', 0)).toBe(true);
    expect(fn('10.0.0.2', 0)).toBe(false);
    expect(resolveTrust(config, listed)).toEqual(resolved);
    expect((resolveTrust(config, listed) as { fn: unknown }).fn).toBe(fn);
  });

  it('an inherited function is never asked about a peer without an address', () => {
    const calls: unknown[] = [];
    const app = {
      setting: 'a function',
      fn: (address: string | undefined) => {
        calls.push(address);
        return address === undefined || address === '10.0.0.1';
      },
    };
    const resolved = resolveTrust({ trust: undefined, trustAnyProxy: false }, app);
    const fn = (resolved as { fn: (address: string | undefined, hop: number) => boolean }).fn;
    expect(fn(undefined, 0)).toBe(false);
    expect(fn('10.0.0.1', 0)).toBe(true);
    expect(calls).toEqual(['0.0.0.0', '::', '10.0.0.1']);
  });

  it('probes an explicit trustProxy function at its first request, not at creation, once', () => {
    const calls: unknown[] = [];
    const trust = compileTrustProxy('f()', (address: string | undefined) => {
      calls.push(address);
      return address !== '10.0.0.7';
    });
    expect(calls).toEqual([]);
    const config = { trust, trustAnyProxy: false };
    const tooBroad = { kind: 'none', reason: 'trust_proxy_too_broad' };
    expect(resolveTrust(config, undefined)).toEqual(tooBroad);
    expect(resolveTrust(config, undefined)).toEqual(tooBroad);
    expect(calls).toEqual(['0.0.0.0', '192.0.2.1', '255.255.255.255']);
  });

  it('honours an explicit trustProxy function that names its peers, Unix sockets included', () => {
    const trust = compileTrustProxy('f()', (address: string | undefined) => address === undefined);
    const resolved = resolveTrust({ trust, trustAnyProxy: false }, undefined);
    expect(resolved).toEqual({ kind: 'function', fn: trust });
    expect(trust(undefined, 0)).toBe(true);
  });
});
