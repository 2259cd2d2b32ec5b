import { decodeStrictCertificatePem, type PemError } from '../internal/pem';
import { ForwardedCertificateError } from './decode-error';
import { percentDecode } from './percent-decode';

/**
 * Decodes a header value that must consist of PEM `CERTIFICATE` blocks and whitespace only: the
 * strict mode of the one PEM reader, with its failures as forwarding errors.
 *
 * @param maxBlocks the most blocks accepted; one more is `chain_too_long`, before it is decoded.
 * @throws {ForwardedCertificateError} `pem` or `chain_too_long`.
 * @see {@link https://www.rfc-editor.org/rfc/rfc7468#section-5.1 | RFC 7468 §5.1}
 */
export function decodePemSequence(text: string, maxBlocks: number): Buffer[] {
  try {
    return decodeStrictCertificatePem(text, maxBlocks);
  } catch (error) {
    const failure = error as PemError;
    throw new ForwardedCertificateError(
      failure.reason === 'too_many_blocks' ? 'chain_too_long' : 'pem',
      failure.message,
    );
  }
}

/**
 * Decodes PEM `CERTIFICATE` blocks after {@link percentDecode} when `percentEncoded` (nginx's
 * `$ssl_client_escaped_cert`, AWS ALB, XFCC), else as they are (Apache): the URL-escaping layer
 * is a separate step on top of {@link decodePemSequence}.
 *
 * @throws {ForwardedCertificateError} `percent_encoding`, `pem` or `chain_too_long`.
 */
export function decodeEscapedPemSequence(
  text: string,
  maxBlocks: number,
  percentEncoded: boolean,
): Buffer[] {
  return decodePemSequence(percentEncoded ? percentDecode(text) : text, maxBlocks);
}

/** A codec decoder of PEM blocks, URL-escaped or not (the bound is the value's `maxCertificates`). */
export function pemBlockDecoder(
  percentEncoded: boolean,
): (value: string, limits: { readonly maxCertificates: number }) => Buffer[] {
  return (value, limits) => decodeEscapedPemSequence(value, limits.maxCertificates, percentEncoded);
}
