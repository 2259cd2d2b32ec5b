import { ClientCertificate } from '../../../lib';
import { nginxFormat } from '../../../lib/forwarding/formats/nginx';
import { der, pem } from '../../helpers/fixtures';
import { DERIVED, proxyCaptures, reasonOf } from '../support/vectors';

const LIMITS = { maxCertificates: 10, xfccHops: 1 };
const capture = proxyCaptures('nginx').find(
  (c) => c.format === 'nginx' && c.values['client-a'] !== null,
)!;

describe('nginx format ($ssl_client_escaped_cert)', () => {
  it('has the conventional header x-ssl-cert', () => {
    expect(nginxFormat.header).toBe('x-ssl-cert');
    expect(nginxFormat.chainHeader).toBeUndefined();
  });

  it.each(['client-a', 'client-b', 'self-signed'] as const)(
    'decodes what the real nginx 1.22 sent for %s',
    (name) => {
      expect(nginxFormat.decode(capture.values[name]!, LIMITS)).toEqual([der(name)]);
    },
  );

  it('decodes several URL-escaped blocks, leaf first', () => {
    const vector = DERIVED['nginx-escaped-two-blocks']!;
    expect(nginxFormat.decode(vector.value, LIMITS)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
  });

  it('decodes a chain header with the same encoding', () => {
    expect(nginxFormat.decodeChain?.(encodeURIComponent(pem('intermediate-ca')), LIMITS)).toEqual([
      der('intermediate-ca'),
    ]);
  });

  it('encodes exactly what nginx sends', () => {
    const certificate = ClientCertificate.from(pem('client-b'));
    expect(nginxFormat.encode(certificate)).toEqual({ value: capture.values['client-b'] });
  });

  it('encodes a chain as further blocks', () => {
    const certificate = ClientCertificate.from(pem('client-a-fullchain'));
    expect(nginxFormat.encode(certificate).value).toBe(DERIVED['nginx-escaped-two-blocks']!.value);
  });

  it.each([
    ['a broken escape', '-----BEGIN%20CERTIFICATE-----%0AMII%ZZ', 'percent_encoding'],
    ['form encoding (+ for spaces)', capture.values['client-a']!.replace(/%20/g, '+'), 'pem'],
    ['text after the block', `${capture.values['client-a']!}junk`, 'pem'],
    ['raw base64 without armour', der('client-a').toString('base64'), 'pem'],
  ])('refuses %s', (_what, value, reason) => {
    expect(reasonOf(() => nginxFormat.decode(value, LIMITS))).toBe(reason);
  });
});
