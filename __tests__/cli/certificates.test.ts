import { leafWithChain, parseCertificates } from '../../lib/cli/certificates';
import { CliError } from '../../lib/cli/cli-error';
import { der, X5T_S256 } from '../helpers/fixtures';

const NOT_A_CERTIFICATE = Buffer.from('3003020100', 'hex');

describe('parseCertificates()', () => {
  it('parses each DER certificate', () => {
    const parsed = parseCertificates([der('client-a'), der('intermediate-ca')], 'x');
    expect(parsed.map((c) => c.thumbprint)).toEqual([
      X5T_S256['client-a'],
      X5T_S256['intermediate-ca'],
    ]);
  });

  it('names the input, and the certificate when there are several', () => {
    expect(() => parseCertificates([NOT_A_CERTIFICATE], 'in.pem')).toThrow(
      new CliError('in.pem: not an X.509 certificate: expected TBSCertificate'),
    );
    try {
      parseCertificates([der('client-a'), NOT_A_CERTIFICATE, der('root-ca')], 'bundle.pem');
    } catch (error) {
      expect((error as CliError).message).toMatch(
        /^bundle\.pem \(certificate 2 of 3\): not an X\.509 certificate/,
      );
      return;
    }
    throw new Error('expected a CliError');
  });
});

describe('leafWithChain()', () => {
  it('makes the first certificate the leaf and the others its presented chain', () => {
    const [a, i, r] = parseCertificates(
      [der('client-a'), der('intermediate-ca'), der('root-ca')],
      'x',
    );
    const leaf = leafWithChain([a!, i!, r!]);
    expect(leaf.thumbprint).toBe(X5T_S256['client-a']);
    expect(leaf.chain.map((c) => c.thumbprint)).toEqual([
      X5T_S256['intermediate-ca'],
      X5T_S256['root-ca'],
    ]);
  });

  it('drops a repeat of the leaf at the head of the chain (XFCC Chain), only there', () => {
    const [a, i] = parseCertificates([der('client-a'), der('intermediate-ca')], 'x');
    expect(leafWithChain([a!, a!, i!]).chain.map((c) => c.thumbprint)).toEqual([
      X5T_S256['intermediate-ca'],
    ]);
    expect(leafWithChain([a!, i!, a!]).chain).toHaveLength(2);
    expect(leafWithChain([a!]).chain).toEqual([]);
  });
});
