import {
  htuMatches,
  normalizeHtu,
  parsePublicUrl,
  requestHtu,
  type HtuRequest,
} from '../../lib/dpop/htu';

const REQUEST: HtuRequest = {
  target: '/resource?x=1',
  host: 'api.example.com',
  encrypted: true,
  trustForwarded: false,
};

function htu(changes: Partial<HtuRequest>): string | undefined {
  return requestHtu({ ...REQUEST, ...changes });
}

describe('normalizeHtu (RFC 3986 §6.2.2, §6.2.3)', () => {
  it.each<[string, string]>([
    ['https://api.example.com/resource', 'https://api.example.com/resource'],
    ['HTTPS://API.EXAMPLE.COM/resource', 'https://api.example.com/resource'],
    ['https://api.example.com:443/resource', 'https://api.example.com/resource'],
    ['http://api.example.com:80/resource', 'http://api.example.com/resource'],
    ['https://api.example.com:0443/r', 'https://api.example.com/r'],
    ['https://api.example.com:80/resource', 'https://api.example.com:80/resource'],
    ['http://api.example.com:443/resource', 'http://api.example.com:443/resource'],
    ['https://api.example.com', 'https://api.example.com/'],
    ['https://api.example.com?q#f', 'https://api.example.com/'],
    ['https://api.example.com/r?query=1&a=b#frag', 'https://api.example.com/r'],
    ['https://api.example.com/r#frag?not-query', 'https://api.example.com/r'],
    ['https://api.example.com/%7euser/%2fx%3a', 'https://api.example.com/~user/%2Fx%3A'],
    ['https://api.example.com/%41%2D%2e%5F%7E', 'https://api.example.com/A-._~'],
    ['https://api.example.com/a/./b/../c', 'https://api.example.com/a/c'],
    ['https://api.example.com/a/%2E%2E/c', 'https://api.example.com/c'],
    ['https://api.example.com/../../x', 'https://api.example.com/x'],
    ['https://api.example.com/a/b/..', 'https://api.example.com/a/'],
    ['https://api.example.com/a/.', 'https://api.example.com/a/'],
    ['https://api.example.com//double', 'https://api.example.com//double'],
    ['https://api.example.com/a/', 'https://api.example.com/a/'],
    ['https://[2001:DB8:0:0:0:0:0:1]:443/r', 'https://[2001:db8::1]/r'],
    ['https://192.0.2.1:8443/r', 'https://192.0.2.1:8443/r'],
    ['http://[0:0::1]/r', 'http://[::1]/r'],
    ['https://api.example.com./r', 'https://api.example.com./r'],
    ['https://v1.0x1.example/r', 'https://v1.0x1.example/r'],
    ["https://api.example.com/a:b@c!$&'()*+,;=", "https://api.example.com/a:b@c!$&'()*+,;="],
  ])('%s → %s', (input, expected) => {
    expect(normalizeHtu(input)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['a number', 42],
    ['undefined', undefined],
    ['an empty string', ''],
    ['a relative path', '/resource'],
    ['a scheme-relative reference', '//api.example.com/resource'],
    ['another scheme', 'wss://api.example.com/resource'],
    ['a URN', 'urn:example:resource'],
    ['no authority slashes', 'https:api.example.com/r'],
    ['user information', 'https://user@api.example.com/r'],
    ['a password', 'https://u:p@api.example.com/r'],
    ['an empty host', 'https:///r'],
    ['an empty port', 'https://api.example.com:/r'],
    ['port 0', 'https://api.example.com:0/r'],
    ['port 65536', 'https://api.example.com:65536/r'],
    ['a six-digit port', 'https://api.example.com:000443/r'],
    ['a non-numeric port', 'https://api.example.com:https/r'],
    ['two colons', 'https://api.example.com:443:443/r'],
    ['a percent-encoded host', 'https://api%2Eexample.com/r'],
    ['an internationalised host', 'https://bücher.example/r'],
    ['a host with a sub-delimiter', 'https://api.example.com!/r'],
    ['an IPv6 zone', 'https://[fe80::1%25eth0]/r'],
    ['IPvFuture', 'https://[v1.fe80::a]/r'],
    ['an unclosed IPv6 literal', 'https://[2001:db8::1/r'],
    ['text after an IPv6 literal', 'https://[2001:db8::1]x/r'],
    ['an IPv4 address in brackets', 'https://[192.0.2.1]/r'],
    ['a space', 'https://api.example.com/a b'],
    ['a tab', 'https://api.example.com/a\tb'],
    ['a backslash', 'https://api.example.com\\evil.example/r'],
    ['a non-ASCII path', 'https://api.example.com/café'],
    ['a bad percent escape', 'https://api.example.com/%zz'],
    ['a truncated percent escape', 'https://api.example.com/%4'],
    ['a quote', 'https://api.example.com/"'],
    ['a numeric host (WHATWG reads 0.0.0.0)', 'https://0/r'],
    ['a 32-bit integer host', 'https://2130706433/r'],
    ['a hexadecimal IPv4 spelling', 'https://0x7f.1/r'],
    ['a three-part IPv4 spelling', 'https://1.2.3/r'],
    ['an IPv4 address with a leading zero', 'https://01.2.3.4/r'],
    ['an IPv4 address out of range', 'https://256.1.1.1/r'],
  ])('refuses %s', (_name, input) => {
    expect(normalizeHtu(input)).toBeUndefined();
  });
});

describe('requestHtu', () => {
  it('is https:// Host path on a TLS connection, http:// otherwise, without the query', () => {
    expect(htu({})).toBe('https://api.example.com/resource');
    expect(htu({ encrypted: false })).toBe('http://api.example.com/resource');
    expect(htu({ target: '/a#b' })).toBe('https://api.example.com/a');
  });

  it('keeps a non-default port of the Host header and drops a default one', () => {
    expect(htu({ host: 'api.example.com:8443' })).toBe('https://api.example.com:8443/resource');
    expect(htu({ host: 'API.example.com:443' })).toBe('https://api.example.com/resource');
    expect(htu({ host: '[::1]:3000', encrypted: false })).toBe('http://[::1]:3000/resource');
  });

  it.each<[string, Partial<HtuRequest>]>([
    ['no Host', { host: undefined }],
    ['an empty Host', { host: '' }],
    ['a Host with a path and query (the Auth0 1.9.1 bypass)', { host: 'api.example.com/admin?' }],
    ['a Host with a fragment', { host: 'api.example.com#' }],
    ['a Host with user information', { host: 'evil@api.example.com' }],
    ['a Host with a space', { host: 'api.example.com evil' }],
    ['a Host list', { host: 'api.example.com, evil.example' }],
    ['a Host with a bad port', { host: 'api.example.com:x' }],
    ['an absolute-form target', { target: 'https://evil.example/resource' }],
    ['an asterisk-form target', { target: '*' }],
    ['an empty target', { target: '' }],
    ['a target with a space', { target: '/a b' }],
    ['a target with a bad escape', { target: '/%' }],
  ])('refuses %s, never guessing', (_name, changes) => {
    expect(htu(changes)).toBeUndefined();
  });

  it('reads X-Forwarded-Proto and -Host only from a trusted proxy', () => {
    const forwarded = { forwardedProto: 'https', forwardedHost: 'public.example.com' };
    expect(htu({ ...forwarded, encrypted: false })).toBe('http://api.example.com/resource');
    expect(htu({ ...forwarded, encrypted: false, trustForwarded: true })).toBe(
      'https://public.example.com/resource',
    );
    expect(htu({ forwardedProto: 'HTTP', trustForwarded: true })).toBe(
      'http://api.example.com/resource',
    );
    expect(htu({ forwardedHost: 'public.example.com:8443', trustForwarded: true })).toBe(
      'https://public.example.com:8443/resource',
    );
  });

  it('believes the nearest proxy: the last element of a forwarded list', () => {
    expect(
      htu({
        trustForwarded: true,
        forwardedProto: 'http, https',
        forwardedHost: 'evil.example, public.example.com',
      }),
    ).toBe('https://public.example.com/resource');
  });

  it.each<[string, Partial<HtuRequest>]>([
    ['a forwarded proto that is not http(s)', { forwardedProto: 'wss' }],
    ['an empty forwarded proto', { forwardedProto: '' }],
    ['a forwarded list ending empty', { forwardedProto: 'https,' }],
    ['a forwarded host with a path', { forwardedHost: 'public.example.com/admin' }],
    ['an empty forwarded host', { forwardedHost: '' }],
  ])('refuses %s from a trusted proxy', (_name, changes) => {
    expect(htu({ ...changes, trustForwarded: true })).toBeUndefined();
  });

  it('with publicUrl, ignores Host and forwarded headers and appends the path to the base', () => {
    const base = parsePublicUrl('https://API.example.com:443/v1/', 'dpop.publicUrl');
    expect(base).toEqual({ origin: 'https://api.example.com', prefix: '/v1' });
    const request: HtuRequest = {
      ...REQUEST,
      host: 'evil.example/x?',
      trustForwarded: true,
      forwardedHost: 'evil.example',
    };
    expect(requestHtu(request, base)).toBe('https://api.example.com/v1/resource');
    expect(requestHtu({ ...request, target: '//evil.example/x' }, base)).toBe(
      'https://api.example.com/v1//evil.example/x',
    );
    expect(requestHtu({ ...request, target: 'http://evil.example/x' }, base)).toBeUndefined();
    const root = parsePublicUrl('http://localhost:3000', 'dpop.publicUrl');
    expect(requestHtu(request, root)).toBe('http://localhost:3000/resource');
    expect(requestHtu({ ...request, target: '/a%zz' }, root)).toBeUndefined();
  });
  it('refuses a request path with a dot segment, raw or percent-encoded (the router would not resolve it)', () => {
    for (const target of [
      '/files/../admin',
      '/files/%2E%2E/admin',
      '/%2e%2e/other-service/pay',
      '/a/.%2e/b',
      '/a/./b',
      '/a/%2E',
      '/..',
    ]) {
      expect(htu({ target })).toBeUndefined();
      const base = parsePublicUrl('https://api.example.com/api', 'dpop.publicUrl');
      expect(requestHtu({ ...REQUEST, target }, base)).toBeUndefined();
    }
    expect(htu({ target: '/a/..b/.c/x..' })).toBe('https://api.example.com/a/..b/.c/x..');
  });

  it('refuses a request path with a percent-encoded unreserved character (%61 reads as "a" to RFC 3986, not to the router)', () => {
    for (const target of ['/api/%61dmin', '/api/%41', '/%7Euser', '/a%2Db', '/a%5f', '/x%30']) {
      expect(htu({ target })).toBeUndefined();
    }
    expect(htu({ target: '/a%20b/%2F/%C3%A9' })).toBe('https://api.example.com/a%20b/%2F/%C3%A9');
  });
});

describe('parsePublicUrl', () => {
  it.each<unknown>([
    undefined,
    42,
    '',
    'api.example.com',
    '/v1',
    'ftp://api.example.com',
    'https://api.example.com/v1?x=1',
    'https://api.example.com/#f',
    'https://user@api.example.com',
    'https://api.example.com:0',
    'https://api example.com',
  ])('throws a TypeError for %j', (value) => {
    expect(() => parsePublicUrl(value, 'dpop.publicUrl')).toThrow(TypeError);
    expect(() => parsePublicUrl(value, 'dpop.publicUrl')).toThrow(
      /^dpop.publicUrl must be an absolute http: or https: URL without credentials, query or fragment/,
    );
  });
});

describe('htuMatches', () => {
  const expected = 'https://api.example.com/resource';
  it.each<[string, unknown, boolean]>([
    ['the same URI', expected, true],
    ['with a query and fragment (FAPI 2.0 positive case)', `${expected}?a=1#x`, true],
    ['in another case and with the default port', 'HTTPS://Api.Example.Com:443/resource', true],
    ['with an encoded unreserved character', 'https://api.example.com/r%65source', true],
    ['with a trailing slash', `${expected}/`, false],
    ['with another path case', 'https://api.example.com/Resource', false],
    ['for http', 'http://api.example.com/resource', false],
    ['missing', undefined, false],
    ['an object', { href: expected }, false],
  ])('%s → %s', (_name, claim, matches) => {
    expect(htuMatches(claim, expected)).toBe(matches);
  });
});
