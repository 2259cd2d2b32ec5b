import { ClientCertificate } from '../../lib';
import { buildCertificate } from '../../lib/forwarding/build-certificate';
import { der, X5T_S256 } from '../helpers/fixtures';
import { reasonOf } from './support/vectors';

const SOURCE = { type: 'header', format: 'nginx', header: 'x-ssl-cert' } as const;

describe('buildCertificate', () => {
  it('wraps the leaf with its chain and source', () => {
    const certificate = buildCertificate([der('client-a'), der('intermediate-ca')], SOURCE, 8);
    expect(certificate).toBeInstanceOf(ClientCertificate);
    expect(certificate.thumbprint).toBe(X5T_S256['client-a']);
    expect(certificate.chain.map((c) => c.thumbprint)).toEqual([X5T_S256['intermediate-ca']]);
    expect(certificate.source).toEqual(SOURCE);
  });

  it('copies the bytes out of a shared buffer', () => {
    const shared = Buffer.concat([der('client-a'), der('intermediate-ca')]);
    const leaf = shared.subarray(0, der('client-a').length);
    const certificate = buildCertificate([leaf], SOURCE, 8);
    expect(certificate.der.buffer).not.toBe(shared.buffer);
    shared.fill(0);
    expect(certificate.thumbprint).toBe(X5T_S256['client-a']);
    expect(certificate.der).toEqual(der('client-a'));
  });

  it('drops a copy of the leaf at the head of the chain (XFCC Chain includes the leaf)', () => {
    const certificate = buildCertificate(
      [der('client-a'), der('client-a'), der('intermediate-ca')],
      SOURCE,
      1,
    );
    expect(certificate.chain.map((c) => c.thumbprint)).toEqual([X5T_S256['intermediate-ca']]);
  });

  it('accepts a chain of exactly maxChainLength and refuses one more (chain_too_long)', () => {
    const ders = [der('client-a'), der('intermediate-ca'), der('root-ca')];
    expect(buildCertificate(ders, SOURCE, 2).chain).toHaveLength(2);
    expect(reasonOf(() => buildCertificate(ders, SOURCE, 1))).toBe('chain_too_long');
  });

  it('refuses bytes after a certificate (trailing_bytes)', () => {
    const padded = Buffer.concat([der('client-a'), Buffer.from([0])]);
    expect(reasonOf(() => buildCertificate([padded], SOURCE, 8))).toBe('trailing_bytes');
    expect(reasonOf(() => buildCertificate([der('client-a'), padded], SOURCE, 8))).toBe(
      'trailing_bytes',
    );
  });

  it.each([
    ['no certificate at all', []],
    ['bytes that are not DER', [Buffer.from('hello')]],
    ['a DER SEQUENCE that is not a certificate', [Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])]],
    ['a chain member that is not a certificate', [der('client-a'), Buffer.from([0x30, 0x00])]],
  ])('refuses %s (not_a_certificate)', (_what, ders) => {
    expect(reasonOf(() => buildCertificate(ders, SOURCE, 8))).toBe('not_a_certificate');
  });
});
