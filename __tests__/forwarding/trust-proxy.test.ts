import { compileTrustProxy, normalizePeerAddress } from '../../lib/forwarding/trust-proxy';

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
  ])('refuses %s with a TypeError', (_what, value, message) => {
    expect(() => compileTrustProxy('f()', value)).toThrow(TypeError);
    expect(() => compileTrustProxy('f()', value)).toThrow(message);
  });
});
