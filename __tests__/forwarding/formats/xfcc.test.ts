import { ClientCertificate } from '../../../lib';
import { xfccFormat } from '../../../lib/forwarding/formats/xfcc';
import { der, pem } from '../../helpers/fixtures';
import { sanCertificate } from '../../helpers/san-certificate';
import { DERIVED, forwardingFixture, reasonOf } from '../support/vectors';

const LIMITS = { maxCertificates: 10, xfccHops: 1 };
const A = DERIVED['xfcc-envoy-client-a']!;
const TWO = DERIVED['xfcc-two-elements-b-then-a']!;
const AZURE = DERIVED['xfcc-azure-container-apps-trailing-semicolon']!;
const TRICKY = DERIVED['xfcc-unquoted-uri-with-separators']!;
const ESCAPED_A = encodeURIComponent(pem('client-a'));
const HASH_A = '83c51f5506a15b3e569a3b74a30da97f3931c4b96d1c112353ab8fcbdd7729fc';

describe('xfcc format (Envoy x-forwarded-client-cert)', () => {
  it('has the conventional header', () => {
    expect(xfccFormat.header).toBe('x-forwarded-client-cert');
    expect(xfccFormat.decodeChain).toBeUndefined();
  });

  it('decodes an Envoy element: Cert is the leaf, Chain (which repeats the leaf) follows', () => {
    expect(xfccFormat.decode(A.value, LIMITS)).toEqual([
      der('client-a'),
      der('client-a'),
      der('intermediate-ca'),
    ]);
  });

  it('believes the last element by default, and the n-th from the right with xfccHops', () => {
    expect(xfccFormat.decode(TWO.value, LIMITS)?.[0]).toEqual(der('client-a'));
    expect(xfccFormat.decode(TWO.value, { ...LIMITS, xfccHops: 2 })).toEqual([der('client-b')]);
  });

  it('means "no client certificate" when there are fewer elements than xfccHops', () => {
    expect(xfccFormat.decode(A.value, { ...LIMITS, xfccHops: 2 })).toBeUndefined();
  });

  it('decodes the Azure Container Apps shape (trailing ";", Chain without the leaf)', () => {
    expect(xfccFormat.decode(AZURE.value, LIMITS)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
  });

  it('refuses an element whose unquoted URI holds ";" and "," that its certificate lacks', () => {
    expect(reasonOf(() => xfccFormat.decode(TRICKY.value, LIMITS))).toBe('xfcc_ambiguous');
  });

  it('takes the leaf from Chain when Cert is absent', () => {
    const value = `Chain="${encodeURIComponent(pem('client-a-fullchain'))}"`;
    expect(xfccFormat.decode(value, LIMITS)).toEqual([der('client-a'), der('intermediate-ca')]);
  });

  it('accepts an upper-case Hash that matches', () => {
    const value = `Hash=${HASH_A.toUpperCase()};Cert="${ESCAPED_A}"`;
    expect(xfccFormat.decode(value, LIMITS)).toEqual([der('client-a')]);
  });

  it('encodes one element (Hash, Cert, Chain, Subject, URI, DNS), every value quoted', () => {
    const expected = A.value
      .replace('By=spiffe://example.test/edge;', '')
      .replace(`Hash=${HASH_A}`, `Hash="${HASH_A}"`)
      .replace(
        'URI=spiffe://example.test/client-a;DNS=client-a.example.test',
        'URI="spiffe://example.test/client-a";DNS="client-a.example.test"',
      );
    expect(xfccFormat.encode(ClientCertificate.from(pem('client-a-fullchain')))).toEqual({
      value: expected,
    });
  });

  it('encodes an empty quoted URI and no Chain for a leaf without URI SAN or chain', () => {
    const { value } = xfccFormat.encode(ClientCertificate.from(pem('client-b')));
    expect(value).toMatch(
      /^Hash="[0-9a-f]{64}";Cert="[^"]+";Subject="CN=client-b,[^"]*";URI="";DNS="client-b\.example\.test"$/,
    );
    expect(value).not.toContain('Chain=');
  });

  it('escapes " and \\ inside quotes, so separators in SANs read back as they were', () => {
    const leaf = sanCertificate({ cn: 'x', uri: ['a"b\\c,Cert=;d'], dns: ['e;f'] });
    const { value } = xfccFormat.encode(ClientCertificate.from(leaf));
    expect(value).toContain(';URI="a\\"b\\\\c,Cert=;d";DNS="e;f"');
    expect(xfccFormat.decode(value, LIMITS)).toEqual([leaf]);
  });

  it.each([
    [
      'the Envoy doc example (no Cert)',
      forwardingFixture('envoy-doc-examples.txt').split('\n')[0]!,
      'xfcc_missing_cert',
    ],
    [
      'a Hash that does not match the Cert',
      `Hash=${'0'.repeat(64)};Cert="${ESCAPED_A}"`,
      'xfcc_hash_mismatch',
    ],
    ['a Hash that is not hex SHA-256', `Hash=abc;Cert="${ESCAPED_A}"`, 'xfcc_syntax'],
    ['Cert twice', `Cert="${ESCAPED_A}";Cert="${ESCAPED_A}"`, 'xfcc_duplicate_key'],
    ['Chain twice', `Chain="${ESCAPED_A}";chain="${ESCAPED_A}"`, 'xfcc_duplicate_key'],
    ['Hash twice', `Hash=${HASH_A};HASH=${HASH_A};Cert="${ESCAPED_A}"`, 'xfcc_duplicate_key'],
    ['two certificates in Cert', `Cert="${encodeURIComponent(pem('client-a-fullchain'))}"`, 'pem'],
    ['a Cert that is not PEM', 'Cert="hello"', 'pem'],
    ['a broken escape in Cert', 'Cert="%E9"', 'percent_encoding'],
    ['an unterminated quote', `Cert="${ESCAPED_A}`, 'xfcc_syntax'],
  ])('refuses %s', (_what, value, reason) => {
    expect(reasonOf(() => xfccFormat.decode(value, LIMITS))).toBe(reason);
  });

  it('refuses a syntax error even in an element it would not believe', () => {
    expect(reasonOf(() => xfccFormat.decode(`Cert="x,${A.value}`, LIMITS))).toBe('xfcc_syntax');
  });
});
