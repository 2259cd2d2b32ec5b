import { checkHeaderName } from '../../lib/forwarding/header-name';

describe('checkHeaderName', () => {
  it('returns undefined when not given', () => {
    expect(checkHeaderName('f()', 'header', undefined)).toBeUndefined();
  });

  it('lower-cases a valid name', () => {
    expect(checkHeaderName('f()', 'header', 'X-SSL-Client-Cert')).toBe('x-ssl-client-cert');
  });

  it('refuses underscores, with the hyphenated fix', () => {
    expect(() => checkHeaderName('f()', 'header', 'SSL_CLIENT_CERT')).toThrow(
      /f\(\): "header" must be an HTTP header name\. Use "-" instead of "_".*"SSL-CLIENT-CERT"/,
    );
  });

  it.each([[''], ['x ssl'], ['x:ssl'], ['x-ssl\n'], [42], [null], [['x-ssl']]])(
    'refuses %p with a TypeError',
    (value) => {
      expect(() => checkHeaderName('f()', 'chainHeader', value)).toThrow(TypeError);
      expect(() => checkHeaderName('f()', 'chainHeader', value)).toThrow(/"chainHeader"/);
    },
  );
});
