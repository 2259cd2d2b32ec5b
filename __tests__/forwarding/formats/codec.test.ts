import { ClientCertificate } from '../../../lib';
import { certificateDers } from '../../../lib/forwarding/formats/codec';
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
