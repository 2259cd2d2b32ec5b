import { ClientCertificate } from '../../../lib';
import { derBase64Format } from '../../../lib/forwarding/formats/der-base64';
import { der, pem } from '../../helpers/fixtures';
import { DERIVED, proxyCaptures, reasonOf } from '../support/vectors';

const LIMITS = { maxCertificates: 10, xfccHops: 1 };
const haproxy = proxyCaptures('haproxy').find((c) => c.format === 'der-base64')!;
const caddy = proxyCaptures('caddy').find((c) => c.format === 'der-base64')!;

describe('der-base64 format (HAProxy, Caddy, Azure App Service, Cloudflare)', () => {
  it('has the conventional header x-client-cert', () => {
    expect(derBase64Format.header).toBe('x-client-cert');
  });

  it.each(['client-a', 'client-b', 'self-signed'] as const)(
    'decodes what the real HAProxy 2.6 and Caddy 2.6 sent for %s',
    (name) => {
      expect(derBase64Format.decode(haproxy.values[name]!, LIMITS)).toEqual([der(name)]);
      expect(derBase64Format.decode(caddy.values[name]!, LIMITS)).toEqual([der(name)]);
    },
  );

  it('decodes concatenated DER (ssl_c_der followed by ssl_c_chain_der), leaf first', () => {
    const vector = DERIVED['der-base64-concatenated-client-a-fullchain']!;
    expect(derBase64Format.decode(vector.value, LIMITS)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
    expect(
      derBase64Format.decodeChain?.(der('intermediate-ca').toString('base64'), LIMITS),
    ).toEqual([der('intermediate-ca')]);
  });

  it('decodes the X-Client-Cert-Chain the real HAProxy 2.6 sent (ssl_c_chain_der,base64)', () => {
    const chain = proxyCaptures('haproxy').find((c) => c.header === 'x-client-cert-chain')!;
    expect(derBase64Format.decodeChain?.(chain.values['client-a']!, LIMITS)).toEqual([
      der('intermediate-ca'),
    ]);
    expect(chain.values['client-b']).toBe('');
  });

  it('encodes exactly what HAProxy sends, and a chain as concatenated DER', () => {
    expect(derBase64Format.encode(ClientCertificate.from(pem('client-b')))).toEqual({
      value: haproxy.values['client-b'],
    });
    expect(derBase64Format.encode(ClientCertificate.from(pem('client-a-fullchain'))).value).toBe(
      DERIVED['der-base64-concatenated-client-a-fullchain']!.value,
    );
  });

  const valid = haproxy.values['client-a']!;
  it.each([
    ['base64url', valid.replace(/\+/g, '-').replace(/\//g, '_')],
    ['missing padding', valid.replace(/=+$/, '')],
    ['line breaks', `${valid.slice(0, 64)}\n${valid.slice(64)}`],
    ['a PEM armour', pem('client-a')],
  ])('refuses %s (base64)', (_what, value) => {
    expect(reasonOf(() => derBase64Format.decode(value, LIMITS))).toBe('base64');
  });

  it('refuses trailing bytes after the certificate (trailing_bytes)', () => {
    const padded = Buffer.concat([der('client-a'), Buffer.from('junk')]).toString('base64');
    expect(reasonOf(() => derBase64Format.decode(padded, LIMITS))).toBe('trailing_bytes');
  });

  it('refuses base64 that is not a DER certificate (not_a_certificate)', () => {
    expect(reasonOf(() => derBase64Format.decode('aGVsbG8=', LIMITS))).toBe('not_a_certificate');
  });
});
