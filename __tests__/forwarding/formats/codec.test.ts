import { ClientCertificate } from '../../../lib';
import { FORMATS } from '../../../lib/forwarding/formats';
import { certificateDers, decodeWholeValue } from '../../../lib/forwarding/formats/codec';
import { der, pem } from '../../helpers/fixtures';

describe('certificateDers', () => {
  it('lists the leaf DER then its chain', () => {
    expect(certificateDers(ClientCertificate.from(pem('client-a-fullchain')))).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
    expect(certificateDers(ClientCertificate.from(pem('client-b')))).toEqual([der('client-b')]);
  });
});

describe('decodeWholeValue', () => {
  const LIMITS = { maxCertificates: 10, xfccHops: 1 };
  const sf = (name: 'client-a' | 'intermediate-ca'): string => `:${der(name).toString('base64')}:`;

  it("reads a whole value of a 'list' format as its list (RFC 9440 Client-Cert-Chain)", () => {
    const list = `${sf('client-a')}, ${sf('intermediate-ca')}`;
    expect(decodeWholeValue(FORMATS.rfc9440, list, LIMITS)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
    expect(() => FORMATS.rfc9440.decode(list, LIMITS)).toThrow();
  });

  it('reads any other format as a leaf-header value', () => {
    const value = encodeURIComponent(pem('client-a-fullchain'));
    expect(decodeWholeValue(FORMATS.nginx, value, LIMITS)).toEqual([
      der('client-a'),
      der('intermediate-ca'),
    ]);
    const xfcc = FORMATS.xfcc.encode(ClientCertificate.from(pem('client-a'))).value;
    expect(decodeWholeValue(FORMATS.xfcc, xfcc, { ...LIMITS, xfccHops: 2 })).toBeUndefined();
  });
});
