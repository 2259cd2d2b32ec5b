import {
  ClientCertificate,
  type CertificateParseError,
  type CertificateSource,
} from '../certificate';
import { readTlv } from '../internal/der';
import { ForwardedCertificateError } from './decode-error';

function ownCopy(der: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(der.length);
  copy.set(der);
  return copy;
}

function checkNoTrailingBytes(der: Buffer): void {
  let end: number;
  try {
    end = readTlv(der, 0, der.length).end;
  } catch {
    throw new ForwardedCertificateError('not_a_certificate', 'the bytes are not a DER certificate');
  }
  if (end !== der.length) {
    throw new ForwardedCertificateError('trailing_bytes', 'unexpected bytes after a certificate');
  }
}

/**
 * Wraps forwarded DER certificates (leaf first) as a {@link ClientCertificate}: each is checked
 * structurally (one certificate, no trailing bytes) and copied out of any shared buffer, a
 * repeated leaf at the head of the chain is dropped (XFCC's `Chain` includes it), and the chain
 * length is bounded. Only a structural check and one SHA-256 per certificate happen here; the
 * full parse stays lazy.
 *
 * @throws {ForwardedCertificateError} `not_a_certificate`, `trailing_bytes` or `chain_too_long`.
 */
export function buildCertificate(
  ders: readonly Buffer[],
  source: CertificateSource,
  maxChainLength: number,
): ClientCertificate {
  for (const der of ders) checkNoTrailingBytes(der);
  const [leaf, ...rest] = ders;
  if (leaf === undefined) {
    throw new ForwardedCertificateError('not_a_certificate', 'no certificate');
  }
  const chain = rest[0]?.equals(leaf) === true ? rest.slice(1) : rest;
  if (chain.length > maxChainLength) {
    throw new ForwardedCertificateError(
      'chain_too_long',
      `the chain holds ${chain.length} certificates, more than maxChainLength (${maxChainLength})`,
    );
  }
  try {
    return new ClientCertificate(ownCopy(leaf), { chain: chain.map(ownCopy), source });
  } catch (error) {
    throw new ForwardedCertificateError(
      'not_a_certificate',
      (error as CertificateParseError).message,
      {
        cause: error,
      },
    );
  }
}
