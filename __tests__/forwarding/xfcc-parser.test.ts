import { parseXfcc } from '../../lib/forwarding/xfcc-parser';
import { forwardingFixture, reasonOf } from './support/vectors';

const ENVOY_DOCS = forwardingFixture('envoy-doc-examples.txt').split('\n');

describe('parseXfcc (Envoy x-forwarded-client-cert grammar)', () => {
  it('parses the Envoy doc example with one element and a quoted Subject', () => {
    expect(parseXfcc(ENVOY_DOCS[0]!)).toEqual([
      [
        { key: 'by', value: 'http://frontend.lyft.com' },
        { key: 'hash', value: '468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688' },
        {
          key: 'subject',
          value: '/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client',
          quoted: true,
        },
        { key: 'uri', value: 'http://testclient.lyft.com' },
      ],
    ]);
  });

  it('parses the Envoy doc example with two elements (one per hop, left to right)', () => {
    const elements = parseXfcc(ENVOY_DOCS[1]!);
    expect(elements).toHaveLength(2);
    expect(elements[0]).toContainEqual({ key: 'uri', value: 'http://testclient.lyft.com' });
    expect(elements[1]).toContainEqual({ key: 'by', value: 'http://backend.lyft.com' });
    expect(elements[1]).toContainEqual({ key: 'uri', value: 'http://frontend.lyft.com' });
  });

  it('parses the Envoy doc example with repeated DNS pairs', () => {
    const [element] = parseXfcc(ENVOY_DOCS[2]!);
    expect(element?.filter((pair) => pair.key === 'dns').map((pair) => pair.value)).toEqual([
      'lyft.com',
      'www.lyft.com',
    ]);
  });

  it('lower-cases keys and keeps values as they are', () => {
    expect(parseXfcc('HASH=AbC;uRi=Spiffe://X')).toEqual([
      [
        { key: 'hash', value: 'AbC' },
        { key: 'uri', value: 'Spiffe://X' },
      ],
    ]);
  });

  it('unescapes \\" and \\\\ inside quoted values, and keeps ";" and "," there', () => {
    expect(parseXfcc('Subject="CN=\\"a\\", O=b;c \\\\ d";Hash=1')).toEqual([
      [
        { key: 'subject', value: 'CN="a", O=b;c \\ d', quoted: true },
        { key: 'hash', value: '1' },
      ],
    ]);
  });

  it('keeps a backslash that escapes nothing', () => {
    expect(parseXfcc('Subject="a\\b"')).toEqual([
      [{ key: 'subject', value: 'a\\b', quoted: true }],
    ]);
  });

  it('keeps ";" and "," inside unquoted URI/By values unless a known key follows', () => {
    expect(parseXfcc('By=http://p/a;b,c;URI=https://c/p;q=1,r;DNS=x')).toEqual([
      [
        { key: 'by', value: 'http://p/a;b,c' },
        { key: 'uri', value: 'https://c/p;q=1,r' },
        { key: 'dns', value: 'x' },
      ],
    ]);
  });

  it('lets an unquoted value absorb separators that no known key follows', () => {
    expect(parseXfcc('Hash=a,,b;;c')).toEqual([[{ key: 'hash', value: 'a,,b;;c' }]]);
  });

  it('accepts empty values (Envoy sends "URI=" for a certificate without URI SAN)', () => {
    expect(parseXfcc('URI=;Hash=ab')).toEqual([
      [
        { key: 'uri', value: '' },
        { key: 'hash', value: 'ab' },
      ],
    ]);
  });

  it('accepts a trailing ";" (Azure Container Apps) and whitespace around separators', () => {
    expect(parseXfcc('Hash=ab;Cert="x"; ')).toEqual([
      [
        { key: 'hash', value: 'ab' },
        { key: 'cert', value: 'x', quoted: true },
      ],
    ]);
    expect(parseXfcc('Cert="x" \t;Hash=ab')).toEqual([
      [
        { key: 'cert', value: 'x', quoted: true },
        { key: 'hash', value: 'ab' },
      ],
    ]);
    expect(parseXfcc('Hash=ab , Hash=cd')).toEqual([
      [{ key: 'hash', value: 'ab ' }],
      [{ key: 'hash', value: 'cd' }],
    ]);
  });

  it.each([
    ['an empty value', ''],
    ['a pair without "="', 'Hash'],
    ['a key starting with a digit', '1=2'],
    ['an empty element', 'Cert="a",,Cert="b"'],
    ['a trailing ","', 'Hash=a,'],
    ['a leading ";"', ';Hash=a'],
    ['an unterminated quote', 'Cert="abc'],
    ['an escaped closing quote only', 'Cert="abc\\"'],
    ['text after a closing quote', 'Cert="abc"def'],
    ['an empty pair', 'Cert="a";;Cert="b"'],
  ])('refuses %s (xfcc_syntax)', (_what, value) => {
    expect(reasonOf(() => parseXfcc(value))).toBe('xfcc_syntax');
  });

  it('scans hostile values in linear time', () => {
    expect(parseXfcc(`URI=${'; '.repeat(100_000)}`)[0]).toHaveLength(1);
    expect(parseXfcc(`Subject="${'\\"'.repeat(100_000)}"`)[0]?.[0]?.value).toHaveLength(100_000);
  });
});
