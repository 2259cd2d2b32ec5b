/**
 * From decoded DER to certificates the commands can use: each one fully parsed (structure and
 * OpenSSL), and the leaf joined with the chain presented after it.
 *
 * @packageDocumentation
 */
import { ClientCertificate } from '../index';
import { CliError } from './cli-error';

/**
 * Parses each DER certificate eagerly.
 *
 * @param what how the input is called in messages (a file name, `--ca root.pem`).
 * @throws {CliError} naming the certificate that is not one.
 */
export function parseCertificates(ders: readonly Buffer[], what: string): ClientCertificate[] {
  return ders.map((der, index) => {
    try {
      return ClientCertificate.from(der);
    } catch (error) {
      const which = ders.length === 1 ? '' : ` (certificate ${index + 1} of ${ders.length})`;
      throw new CliError(`${what}${which}: ${(error as Error).message}`);
    }
  });
}

/**
 * The first certificate with the others as its presented `chain`, leaving out a repeat of the
 * leaf at the head of the chain (XFCC's `Chain` and some bundles include it).
 */
export function leafWithChain(certificates: readonly ClientCertificate[]): ClientCertificate {
  const [leaf, ...rest] = certificates as [ClientCertificate, ...ClientCertificate[]];
  const chain = rest[0]?.thumbprint === leaf.thumbprint ? rest.slice(1) : rest;
  return new ClientCertificate(leaf.der, { chain });
}
