import { DerError, readTlv } from '../internal/der';
import { ForwardedCertificateError } from './decode-error';

const SEQUENCE = 0x30;

/**
 * Splits bytes holding one or more concatenated DER certificates (leaf first) — the shape of
 * HAProxy's `ssl_c_der` followed by `ssl_c_chain_der`. Only the outer TLV of each is read here;
 * each is checked as a certificate later.
 *
 * @param maxCertificates the most certificates accepted; one more is `chain_too_long`.
 * @throws {ForwardedCertificateError} `not_a_certificate`, `trailing_bytes` or `chain_too_long`.
 * @see {@link https://www.itu.int/rec/T-REC-X.690 | ITU-T X.690 §8.1} (TLV encoding)
 */
export function splitDerSequence(bytes: Buffer, maxCertificates: number): Buffer[] {
  const certificates: Buffer[] = [];
  let offset = 0;
  do {
    let end: number;
    try {
      const tlv = readTlv(bytes, offset, bytes.length);
      if (tlv.tag !== SEQUENCE) throw new DerError('not a SEQUENCE');
      end = tlv.end;
    } catch {
      throw offset === 0
        ? new ForwardedCertificateError('not_a_certificate', 'the bytes are not a DER certificate')
        : new ForwardedCertificateError('trailing_bytes', 'unexpected bytes after a certificate');
    }
    if (certificates.length === maxCertificates) {
      throw new ForwardedCertificateError(
        'chain_too_long',
        `more than ${maxCertificates} concatenated certificates`,
      );
    }
    certificates.push(bytes.subarray(offset, end));
    offset = end;
  } while (offset < bytes.length);
  return certificates;
}
