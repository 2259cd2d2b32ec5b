import { ClientCertificate, thumbprint } from '../lib';
import { pem, X5T_S256 } from './helpers/fixtures';

describe('ClientCertificate', () => {
  it('computes the x5t#S256 thumbprint openssl computes (RFC 8705 §3.1)', () => {
    expect(ClientCertificate.from(pem('client-a')).thumbprint).toBe(X5T_S256['client-a']);
    expect(thumbprint(pem('self-signed'))).toBe(X5T_S256['self-signed']);
  });
});
