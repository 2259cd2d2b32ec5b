import { ClientCertificate } from '../../../lib/certificate';
import { certificateInfo } from '../../../lib/x509/certificate-info';
import { crlIssuedBy, crlStatus, parseCrl } from '../../../lib/auth/revocation/crl';
import { decodePem } from '../../../lib/internal/pem';
import { tlv } from '../../helpers/tlv';
import { chainPem } from '../chain/chain-fixtures';
import { revocationFile } from './revocation-servers';

const info = (pem: string) => certificateInfo(ClientCertificate.from(pem), 2048);
const INT = info(revocationFile('rev-int.pem'));
const ROOT = info(revocationFile('rev-root.pem'));
const GOOD = info(revocationFile('rev-good.pem'));
const REVOKED = info(revocationFile('rev-revoked.pem'));
const NOW = Date.parse('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;

function crl(name: string) {
  return parseCrl((decodePem(revocationFile(name))[0] as { der: Buffer }).der);
}

describe('CRLs made by openssl ca -gencrl (RFC 5280 §5)', () => {
  test('decodes issuer, dates and the revoked serial with its reason', () => {
    const list = crl('int.crl');
    expect(list.issuerName).toBe(INT.subjectName);
    expect(list.revoked).toEqual(new Map([[REVOKED.certificate.serialNumber, 'keyCompromise']]));
    expect(list.unusable).toBeUndefined();
    expect(list.algorithm).toMatchObject({ status: 'ok', name: 'ecdsa-with-SHA256' });
  });

  test('verdicts: good, revoked', () => {
    const list = crl('int.crl');
    expect(crlIssuedBy(list, INT)).toBe(true);
    expect(crlStatus(list, GOOD, NOW, 0, HOUR)).toEqual({
      status: 'good',
      detail: `serial ${GOOD.certificate.serialNumber} not on the CRL`,
    });
    expect(crlStatus(list, REVOKED, NOW, 0, HOUR)).toEqual({
      status: 'revoked',
      detail: `serial ${REVOKED.certificate.serialNumber} revoked (keyCompromise) per CRL`,
    });
  });

  test('authenticity: another issuer name, a forged signature, an issuer without cRLSign', () => {
    expect(crlIssuedBy(crl('int.crl'), ROOT)).toBe(false);
    expect(crlIssuedBy(crl('int-forged.crl'), INT)).toBe(false);
    expect(crlIssuedBy(crl('notca.crl'), info(chainPem('int-notca')))).toBe(false);
  });

  test('a CRL without nextUpdate counts only while its thisUpdate is at most maxAge old', () => {
    const list = { ...crl('int.crl'), nextUpdate: undefined };
    expect(crlStatus(list, REVOKED, list.thisUpdate + HOUR, 0, HOUR).status).toBe('revoked');
    expect(crlStatus(list, REVOKED, list.thisUpdate + HOUR + 1, 0, HOUR)).toEqual({
      status: 'unknown',
      detail: `CRL without nextUpdate issued ${new Date(list.thisUpdate).toISOString()}, older than revocation.cacheTtl`,
    });
    expect(crlStatus(list, REVOKED, list.thisUpdate + HOUR + 1, 1, HOUR).status).toBe('revoked');
  });

  test('no answer from a stale CRL, one issued in the future, or one with an unknown critical extension', () => {
    expect(crlStatus(crl('int-expired.crl'), REVOKED, NOW, 0, HOUR).detail).toBe(
      'CRL stale since 2021-01-01T00:00:00.000Z',
    );
    expect(crlStatus(crl('int-future.crl'), REVOKED, NOW, 0, HOUR).detail).toBe(
      'CRL issued in the future',
    );
    const critical = crl('int-critical.crl');
    expect(critical.unusable).toBe('unsupported critical CRL extension 1.3.6.1.4.1.55555.2');
    expect(crlStatus(critical, REVOKED, NOW, 0, HOUR)).toEqual({
      status: 'unknown',
      detail: 'unsupported critical CRL extension 1.3.6.1.4.1.55555.2',
    });
  });

  test.each([
    ['not a SEQUENCE', tlv(0x31)],
    [
      'trailing bytes',
      Buffer.concat([tlv(0x30, tlv(0x30), tlv(0x30), tlv(0x03, [0])), Buffer.from([0])]),
    ],
    ['a signature that is not a BIT STRING', tlv(0x30, tlv(0x30), tlv(0x30), tlv(0x04, [0]))],
    ['a TBSCertList that does not decode', tlv(0x30, tlv(0x30), tlv(0x30), tlv(0x03, [0]))],
  ])('refuses %s', (_name, der) => {
    expect(() => parseCrl(der)).toThrow(/not a CRL/);
  });
});
