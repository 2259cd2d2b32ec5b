import { decodeBase64Strict } from '../internal/base64';
import { ForwardedCertificateError } from './decode-error';

const BLOCK =
  /[\t\n\r ]*-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\t\n\r ]*)-----END CERTIFICATE-----/y;
const TRAILING_WHITESPACE = /[\t\n\r ]*$/y;
const WHITESPACE = /[\t\n\r ]/g;

/**
 * Decodes text that must consist of one or more PEM `CERTIFICATE` blocks and nothing else but
 * whitespace (line feeds, or the spaces Apache folds them into). Any other text, another label or
 * a body that is not strictly padded base64 is an error — unlike a lenient PEM reader, which
 * would skip it.
 *
 * @param maxBlocks the most blocks accepted; one more is `chain_too_long`, before it is decoded.
 * @throws {ForwardedCertificateError} `pem` or `chain_too_long`.
 * @see {@link https://www.rfc-editor.org/rfc/rfc7468#section-5.1 | RFC 7468 §5.1}
 */
export function decodePemSequence(text: string, maxBlocks: number): Buffer[] {
  const blocks: Buffer[] = [];
  let position = 0;
  for (;;) {
    BLOCK.lastIndex = position;
    const match = BLOCK.exec(text);
    if (match === null) break;
    if (blocks.length === maxBlocks) {
      throw new ForwardedCertificateError(
        'chain_too_long',
        `more than ${maxBlocks} PEM certificate blocks`,
      );
    }
    const der = decodeBase64Strict((match[1] as string).replace(WHITESPACE, ''));
    if (der === undefined || der.length === 0) {
      throw new ForwardedCertificateError('pem', 'a PEM certificate block is not valid base64');
    }
    blocks.push(der);
    position = BLOCK.lastIndex;
  }
  TRAILING_WHITESPACE.lastIndex = position;
  if (blocks.length === 0 || !TRAILING_WHITESPACE.test(text)) {
    throw new ForwardedCertificateError(
      'pem',
      blocks.length === 0
        ? 'no PEM certificate block where one was expected'
        : 'unexpected text around the PEM certificate blocks',
    );
  }
  return blocks;
}
