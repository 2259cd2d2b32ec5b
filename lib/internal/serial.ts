/**
 * The one representation of certificate serial numbers, shared by `ClientCertificate`, the CRL
 * and OCSP checks and the CLI. Serials are compared by their integer value, never by the raw
 * two's-complement octets, so that a padded, negative or zero serial means the same thing in a
 * certificate, a CRL entry and an OCSP CertID.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.2 | RFC 5280 §4.1.2.2}
 */
import { DerError } from './der';

/**
 * The canonical text of a serial number from the content octets of its DER INTEGER (two's
 * complement, big-endian), as `openssl x509 -serial` prints it: upper-case hexadecimal in whole
 * octets without separators and without leading zero octets; zero is `00`; a negative serial
 * (which RFC 5280 forbids but asks relying parties to handle gracefully) is `-` followed by its
 * magnitude in the same form (`-0123` for −0x123). Non-minimal encodings (a redundant `00` or
 * `FF` octet) give the same text as the minimal one.
 *
 * @throws {DerError} when `content` is empty (not an INTEGER).
 * @see {@link https://www.itu.int/rec/T-REC-X.690 | X.690 §8.3}
 */
export function serialNumberText(content: Uint8Array): string {
  if (content.length === 0) throw new DerError('empty INTEGER');
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.length);
  let value = BigInt(`0x${bytes.toString('hex')}`);
  if (((bytes[0] as number) & 0x80) !== 0) value -= 1n << BigInt(bytes.length * 8);
  const magnitude = (value < 0n ? -value : value).toString(16).toUpperCase();
  return `${value < 0n ? '-' : ''}${magnitude.length % 2 === 0 ? magnitude : `0${magnitude}`}`;
}

/**
 * The minimal DER INTEGER content octets (two's complement) of a serial in the form
 * {@link serialNumberText} returns: the inverse of that function.
 *
 * @throws {DerError} when `text` is not in that form.
 */
export function serialNumberContent(text: string): Buffer {
  const match = /^(-?)((?:[0-9A-F]{2})+)$/.exec(text);
  if (!match) throw new DerError('not a serial number');
  const magnitude = BigInt(`0x${match[2] as string}`);
  const value = match[1] === '-' ? -magnitude : magnitude;
  let octets = 1;
  while (value < -(1n << BigInt(octets * 8 - 1)) || value >= 1n << BigInt(octets * 8 - 1)) {
    octets++;
  }
  const twos = value < 0n ? (1n << BigInt(octets * 8)) + value : value;
  return Buffer.from(twos.toString(16).padStart(octets * 2, '0'), 'hex');
}
