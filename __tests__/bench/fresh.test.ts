import { freshener, freshHeaders } from '../../bench/fresh';

describe('fresh header strings', () => {
  it('hands out the same content on every call', () => {
    const value = `${'%2B'.repeat(500)}end`;
    const next = freshener(value);
    expect([next(), next(), next()]).toEqual([value, value, value]);
    expect(freshener('')()).toBe('');
  });

  it('refuses a value that is not Latin-1 text, instead of altering it', () => {
    expect(() => freshener('thumbprint \u2713')).toThrow(RangeError);
    expect(() => freshener('thumbprint \u2713')).toThrow('a header value must be Latin-1 text');
  });

  it('hands out a new header object with every value on every call', () => {
    const headers = { 'x-ssl-cert': 'a%20b', authorization: 'Bearer t' };
    const next = freshHeaders(headers);
    const first = next();
    const second = next();
    expect(first).toEqual(headers);
    expect(second).toEqual(headers);
    expect(first).not.toBe(second);
    first['x-ssl-cert'] = 'changed';
    expect(next()).toEqual(headers);
  });
});
