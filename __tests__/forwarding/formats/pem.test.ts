import { ClientCertificate } from '../../../lib';
import { pemFormat } from '../../../lib/forwarding/formats/pem';
import { der, pem } from '../../helpers/fixtures';
import { proxyCaptures, reasonOf } from '../support/vectors';

const LIMITS = { maxCertificates: 10, xfccHops: 1 };
const apache = proxyCaptures('apache').find((c) => c.format === 'pem')!;

describe('pem format (Apache SSL_CLIENT_CERT, space-folded)', () => {
  it('has the conventional header x-ssl-cert and treats "(null)" as no certificate', () => {
    expect(pemFormat.header).toBe('x-ssl-cert');
    expect(pemFormat.absentValues).toEqual(['(null)']);
    expect(apache.values.none).toBe('(null)');
  });

  it.each(['client-a', 'client-b', 'self-signed'] as const)(
    'decodes what the real Apache 2.4 sent for %s',
    (name) => {
      expect(pemFormat.decode(apache.values[name]!, LIMITS)).toEqual([der(name)]);
    },
  );

  it('decodes several space-folded blocks, leaf first', () => {
    const folded = pem('client-a-fullchain').replace(/\n/g, ' ').trim();
    expect(pemFormat.decode(folded, LIMITS)).toEqual([der('client-a'), der('intermediate-ca')]);
    expect(pemFormat.decodeChain?.(folded, LIMITS)).toHaveLength(2);
  });

  it('decodes the legacy nginx $ssl_client_cert as it arrives through a lenient parser', () => {
    const legacy = proxyCaptures('nginx').find((c) => c.wire === true)!;
    const unfolded = legacy.values['client-a']!.replace(/\n/g, '');
    expect(pemFormat.decode(unfolded, LIMITS)).toEqual([der('client-a')]);
  });

  it('encodes exactly what Apache sends', () => {
    expect(pemFormat.encode(ClientCertificate.from(pem('client-b')))).toEqual({
      value: apache.values['client-b'],
    });
  });

  it.each([
    ['URL-escaped PEM', encodeURIComponent(pem('client-a'))],
    ['text around the block', `x ${apache.values['client-a']!}`],
    ['a private key block', '-----BEGIN PRIVATE KEY----- AAAA -----END PRIVATE KEY-----'],
  ])('refuses %s (pem)', (_what, value) => {
    expect(reasonOf(() => pemFormat.decode(value, LIMITS))).toBe('pem');
  });
});
