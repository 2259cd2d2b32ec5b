import { peculiarX509 } from '../../lib/internal/peculiar';
import { der, pem } from '../helpers/fixtures';

describe('peculiarX509', () => {
  it('loads @peculiar/x509 (after reflect-metadata) and parses a certificate', () => {
    const x509 = peculiarX509();
    const certificate = new x509.X509Certificate(der('client-a'));
    // openssl x509 -in client-a.pem -noout -serial
    expect(certificate.serialNumber.toUpperCase()).toBe('3CB90C211033875A43892EF86A42B34BD18807F5');
    expect(new x509.X509Certificate(pem('root-ca')).subject).toBe(
      'C=US, O=express-mtls tests, CN=Test Root CA',
    );
  });

  it('loads once and returns the same module', () => {
    expect(peculiarX509()).toBe(peculiarX509());
  });
});
