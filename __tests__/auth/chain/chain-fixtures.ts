import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CertificateInfo } from '../../../lib/x509/certificate-info';

/** Directory of the committed chain fixtures (see __tests__/fixtures/chains/README.md). */
export const CHAINS_DIR = join(__dirname, '..', '..', 'fixtures', 'chains');

/** The PEM text of a chain fixture, by file name without `.pem` (may hold several blocks). */
export function chainPem(name: string): string {
  return readFileSync(join(CHAINS_DIR, `${name}.pem`), 'utf8');
}

/**
 * x5t#S256 of each fixture, as computed by openssl in make.sh (thumbprints.txt) and nc/make.sh
 * (nc/thumbprints.txt, files named `nc/…`).
 */
export const CHAIN_X5T: ReadonlyMap<string, string> = new Map(
  ['thumbprints.txt', 'nc/thumbprints.txt']
    .map((file) => readFileSync(join(CHAINS_DIR, file), 'utf8'))
    .join('\n')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [file = '', x5t = ''] = line.split(' ');
      return [file.replace(/\.pem$/, ''), x5t] as const;
    }),
);

/**
 * `info` with some members replaced: an object whose prototype is `info`, so that the members
 * `certificateInfo()` computes on access (tbs, names, the public key) still work.
 */
export function overriding(
  info: CertificateInfo,
  members: Partial<CertificateInfo>,
): CertificateInfo {
  return Object.assign(Object.create(info) as CertificateInfo, members);
}
