import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Directory of the shared, committed test PKI (see __tests__/fixtures/pki/README.md). */
export const PKI_DIR = join(__dirname, '..', 'fixtures', 'pki');

/** Names of the shared PKI's certificates. */
export type PkiName =
  'root-ca' | 'intermediate-ca' | 'client-a' | 'client-b' | 'server' | 'self-signed';

/** The PEM text of a shared PKI certificate. */
export function pem(
  name: PkiName | 'ca-chain' | 'client-a-fullchain' | 'server-fullchain',
): string {
  return readFileSync(join(PKI_DIR, `${name}.pem`), 'utf8');
}

/** The PEM private key of a shared PKI certificate. */
export function key(name: PkiName): string {
  return readFileSync(join(PKI_DIR, `${name}.key`), 'utf8');
}

/** The DER bytes of a shared PKI certificate (decoded from its single PEM block). */
export function der(name: PkiName): Buffer {
  const body = pem(name)
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}

/**
 * x5t#S256 values computed by openssl (thumbprints.txt), pinned as literals so that no test
 * recomputes its own expectation with the code under test.
 */
export const X5T_S256: Readonly<Record<PkiName, string>> = {
  'root-ca': 'wCNp2yf_zH4tulcU-WDM2qx0YWlfn49iVQKoL8QF3MA',
  'intermediate-ca': 'lMQOCdpjrFepS11AmzmhNdGqg8qDggMhy92qEp2iH9w',
  'client-a': 'g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw',
  'client-b': 'bAvhs-i7jTFx5F8eIMzUuP5fiSiAhW6Ati9nxanujDQ',
  server: '7QayYzgighhWEfk6c7bOjvjzzCuiDEWxLeqZNrrUeaY',
  'self-signed': 'yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJA',
};

/** SHA-1 hex fingerprints computed by openssl (the form that is NOT an x5t#S256). */
export const SHA1_HEX: Readonly<Record<PkiName, string>> = {
  'root-ca': '090f977c59f80ec93348c4355aafec8bbb168e45',
  'intermediate-ca': 'd0ca62047e7b41cb79da685bb641180b579a46e0',
  'client-a': 'b93f4add69b1a11b6ab2340357343a162d4ff220',
  'client-b': '0b55861e86c0bc4fc81e1642b57dee0bee3bf853',
  server: '14d5ae96f5a842ef05e180b31e7ccec6c36cada4',
  'self-signed': 'cd93ed2842289a3750842a0ef5cdac40da9c17f6',
};
