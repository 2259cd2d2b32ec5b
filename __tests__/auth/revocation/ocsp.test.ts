import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientCertificate } from '../../../lib/certificate';
import { certificateInfo, type CertificateInfo } from '../../../lib/x509/certificate-info';
import {
  buildOcspRequest,
  checkOcspResponse,
  type OcspQuery,
} from '../../../lib/auth/revocation/ocsp';
import { tlv } from '../../helpers/tlv';
import { oid } from '../chain/der-builders';
import { REVOCATION_DIR, revocationFile } from './revocation-servers';

/** thisUpdate of the committed responses (openssl ocsp -resp_text); nextUpdate is a day later. */
const PRODUCED = Date.parse('2026-11-25T22:06:17Z');
const NOW = PRODUCED + 60_000;
const HOUR = 3_600_000;
/** thisUpdate of no-next-update.der (openssl ocsp without -ndays: no nextUpdate). */
const PRODUCED_WITHOUT_NEXT = Date.parse('2026-12-07T16:20:24Z');
/** The nonce openssl put in req-good-nonce.der / good-nonce.der. */
const OPENSSL_NONCE = Buffer.from('40A35E03644E6C2F6F9B83F6D46E8F76', 'hex');

const info = (name: string) =>
  certificateInfo(ClientCertificate.from(revocationFile(`${name}.pem`)), 2048);
const GOOD = info('rev-good');
const REVOKED = info('rev-revoked');
const ISSUER = info('rev-int');
const NO_NONCE: OcspQuery = { der: Buffer.alloc(0), nonce: undefined };

function response(name: string): Buffer {
  return readFileSync(join(REVOCATION_DIR, 'ocsp', name));
}

function check(der: Buffer, now = NOW, query = NO_NONCE, subject = GOOD) {
  return checkOcspResponse(der, query, subject, ISSUER, now, 0, 2048, HOUR);
}

describe('OCSP request (RFC 6960 §4.1)', () => {
  test('is byte-identical to the one openssl ocsp -no_nonce builds', () => {
    const ours = buildOcspRequest(GOOD, ISSUER, false);
    expect(ours.nonce).toBeUndefined();
    expect(ours.der).toEqual(response('req-good.der'));
  });

  test('carries a 32-octet nonce when asked (RFC 9654)', () => {
    const ours = buildOcspRequest(GOOD, ISSUER, true);
    expect(ours.nonce).toHaveLength(32);
    expect(
      ours.der.includes(Buffer.concat([Buffer.from([0x04, 0x20]), ours.nonce as Buffer])),
    ).toBe(true);
  });

  test('a serial with the high bit set gets a leading zero octet', () => {
    const subject = { certificate: { serialNumber: 'FF01' } } as unknown as CertificateInfo;
    expect(buildOcspRequest(subject, ISSUER, false).der.subarray(-5).toString('hex')).toBe(
      '020300ff01',
    );
  });
});

describe('OCSP responses made by openssl', () => {
  test('good, signed by the delegated responder (certificate included)', () => {
    expect(check(response('good.der'))).toEqual({
      status: 'good',
      detail: `OCSP: serial ${GOOD.certificate.serialNumber} good`,
      expires: PRODUCED + 86_400_000,
    });
  });

  test('good, signed by the CA itself, responder named or by key hash', () => {
    expect(check(response('by-issuer-name.der')).status).toBe('good');
    expect(check(response('by-issuer-key.der')).status).toBe('good');
  });

  test('the nonce must be echoed', () => {
    expect(
      check(response('good-nonce.der'), NOW, { der: Buffer.alloc(0), nonce: OPENSSL_NONCE }).status,
    ).toBe('good');
    expect(
      check(response('good.der'), NOW, { der: Buffer.alloc(0), nonce: OPENSSL_NONCE }).detail,
    ).toBe('OCSP: nonce missing or different');
    expect(
      check(response('good-nonce.der'), NOW, { der: Buffer.alloc(0), nonce: Buffer.alloc(16) })
        .detail,
    ).toBe('OCSP: nonce missing or different');
  });

  test.each([
    ['signer-no-eku.der', 'OCSP: responder certificate lacks id-kp-OCSPSigning'],
    ['signer-other-ca.der', 'OCSP: responder certificate not issued by the CA'],
    ['signer-expired.der', 'OCSP: responder certificate outside its validity period'],
    ['no-certs.der', 'OCSP: response not signed by the CA or a responder it authorised'],
    ['sha1.der', 'OCSP: signature algorithm ecdsa-with-SHA1 not accepted'],
    ['tampered.der', 'OCSP: bad response signature'],
  ])('%s gives no answer: %s', (file, detail) => {
    expect(check(response(file))).toEqual({ status: 'unknown', detail, expires: undefined });
  });

  test('without nextUpdate: good while thisUpdate is at most revocation.cacheTtl old, then no answer', () => {
    const answer = response('no-next-update.der');
    const good = check(answer, PRODUCED_WITHOUT_NEXT + HOUR);
    expect(good).toMatchObject({ status: 'good', expires: undefined });
    expect(check(answer, PRODUCED_WITHOUT_NEXT + HOUR + 1000)).toEqual({
      status: 'unknown',
      detail: 'OCSP: response without nextUpdate older than revocation.cacheTtl',
    });
    expect(check(answer, PRODUCED_WITHOUT_NEXT + 10 * 365 * 86_400_000).status).toBe('unknown');
  });

  test('stale, not yet issued, or about another certificate: no answer', () => {
    expect(check(response('good.der'), PRODUCED + 2 * 86_400_000).detail).toBe(
      'OCSP: stale response',
    );
    expect(check(response('good.der'), PRODUCED - 60_000).detail).toBe(
      'OCSP: response thisUpdate in the future',
    );
    expect(check(response('good.der'), NOW, NO_NONCE, REVOKED).detail).toBe(
      'OCSP: no answer for this certificate',
    );
  });

  test('a responder certificate that cannot be decoded: no answer, never an exception', () => {
    const bytes = response('good.der');
    const basicConstraints = Buffer.from('0603551d130101ff04023000', 'hex');
    const at = bytes.indexOf(basicConstraints);
    expect(at).toBeGreaterThan(0);
    bytes[at + basicConstraints.length - 2] = 0x31;
    expect(check(bytes).detail).toBe('OCSP: malformed response');
  });

  test('hand-made: unsuccessful status, another response type, garbage', () => {
    expect(check(tlv(0x30, tlv(0x0a, [3]))).detail).toBe('OCSP: responder answered status 3');
    const other = tlv(
      0x30,
      tlv(0x0a, [0]),
      tlv(0xa0, tlv(0x30, oid('1.2.3.4'), tlv(0x04, [0x05, 0x00]))),
    );
    expect(check(other).detail).toBe('OCSP: not a basic OCSP response');
    expect(check(tlv(0x30, tlv(0x0a, [0]))).detail).toBe('OCSP: not a basic OCSP response');
    expect(check(Buffer.from('not der')).detail).toBe('OCSP: malformed response');
  });
});
