import { isLoopbackHost, secureUrlOption } from '../../lib/binding/url-option';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'api.localhost', '127.0.0.1', '127.9.8.7', '[::1]', '::1'])(
    'knows %s is loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each(['example.com', '10.0.0.1', '[::2]', '[::ffff:127.0.0.1]', 'localhost.example.com'])(
    'knows %s is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('secureUrlOption', () => {
  it('accepts https URLs and http URLs on loopback', () => {
    expect(secureUrlOption('f()', 'jwksUri', 'https://as.example.com/jwks').href).toBe(
      'https://as.example.com/jwks',
    );
    expect(secureUrlOption('f()', 'jwksUri', 'http://127.0.0.1:8080/jwks').port).toBe('8080');
    expect(secureUrlOption('f()', 'jwksUri', 'http://[::1]/jwks').hostname).toBe('[::1]');
    expect(secureUrlOption('f()', 'jwksUri', 'http://localhost/jwks').hostname).toBe('localhost');
  });

  it.each([
    [undefined, 'f(): "jwksUri" must be an absolute URL.'],
    [42, 'f(): "jwksUri" must be an absolute URL.'],
    ['/jwks', 'f(): "jwksUri" must be an absolute URL.'],
    [
      'http://as.example.com/jwks',
      'f(): "jwksUri" must use https: (http: is allowed only on loopback hosts).',
    ],
    [
      'ftp://127.0.0.1/jwks',
      'f(): "jwksUri" must use https: (http: is allowed only on loopback hosts).',
    ],
    [
      'https://user:pw@as.example.com/jwks',
      'f(): "jwksUri" must not contain credentials or a fragment.',
    ],
    ['https://as.example.com/jwks#x', 'f(): "jwksUri" must not contain credentials or a fragment.'],
  ])('refuses %j', (value, message) => {
    expect(() => secureUrlOption('f()', 'jwksUri', value)).toThrow(new TypeError(message));
  });
});
