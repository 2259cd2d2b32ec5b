import { MAX_SPIFFE_ID_BYTES, parseSpiffeId } from '../lib/spiffe-id';

describe('parseSpiffeId() (SPIFFE ID §2)', () => {
  it.each([
    ['spiffe://example.org/ns/prod/sa/api', 'example.org', '/ns/prod/sa/api'],
    ['spiffe://example.org', 'example.org', ''],
    ['spiffe://a-b_c.9/A.b-C_9/x', 'a-b_c.9', '/A.b-C_9/x'],
  ])('accepts %s', (text, trustDomain, path) => {
    expect(parseSpiffeId(text)).toEqual({ ok: true, value: { id: text, trustDomain, path } });
  });

  it.each([
    ['https://example.org/api', 'scheme is not spiffe://'],
    ['SPIFFE://example.org/api', 'scheme is not spiffe://'],
    ['spiffe:/example.org/api', 'scheme is not spiffe://'],
    ['spiffe:///api', 'empty trust domain'],
    ['spiffe://', 'empty trust domain'],
    ['spiffe://Example.org/api', 'trust domain has a character'],
    ['spiffe://example.org:443/api', 'trust domain has a character'],
    ['spiffe://user@example.org/api', 'trust domain has a character'],
    ['spiffe://example.org?x', 'trust domain has a character'],
    ['spiffe://example.org/', 'empty path segment or trailing slash'],
    ['spiffe://example.org/api/', 'empty path segment or trailing slash'],
    ['spiffe://example.org//api', 'empty path segment or trailing slash'],
    ['spiffe://example.org/./api', 'path segment "." or ".."'],
    ['spiffe://example.org/a/..', 'path segment "." or ".."'],
    ['spiffe://example.org/api?x=1', 'path has a character'],
    ['spiffe://example.org/api#f', 'path has a character'],
    ['spiffe://example.org/a%2Fb', 'path has a character'],
    ['spiffe://example.org/caf\u00e9', 'path has a character'],
    [`spiffe://example.org/${'a'.repeat(MAX_SPIFFE_ID_BYTES)}`, 'longer than 2048 bytes'],
  ])('refuses %s', (text, detail) => {
    expect(parseSpiffeId(text)).toEqual({ ok: false, detail: expect.stringContaining(detail) });
  });

  it('accepts exactly 2048 bytes', () => {
    const text = `spiffe://example.org/${'a'.repeat(MAX_SPIFFE_ID_BYTES - 'spiffe://example.org/'.length)}`;
    expect(parseSpiffeId(text).ok).toBe(true);
  });
});
