import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ForwardedCertificateError } from '../../../lib/forwarding/decode-error';
import { X5T_S256, type PkiName } from '../../helpers/fixtures';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

/** One vector of `fixtures/forwarding/derived/vectors.json` (made by Python, not by us). */
export interface DerivedVector {
  readonly format: string;
  readonly header: string;
  readonly value: string;
  readonly leaf: PkiName;
  readonly chain: readonly PkiName[];
  readonly second_from_right?: PkiName;
}

/** The derived vectors by name. */
export const DERIVED = JSON.parse(
  readFileSync(join(FIXTURES, 'forwarding', 'derived', 'vectors.json'), 'utf8'),
) as Readonly<Record<string, DerivedVector>>;

/** A text fixture under `fixtures/forwarding/`, without its final line feed. */
export function forwardingFixture(path: string): string {
  return readFileSync(join(FIXTURES, 'forwarding', path), 'utf8').replace(/\n$/, '');
}

/** RFC 9440 Appendix A thumbprints, as computed by openssl (rfc9440/thumbprints.txt). */
export const RFC9440_X5T = {
  leaf: 'v68ffgcPn6jdYpBfFY2nP4ShE2Yk-6_Mk5PI9yh6aes',
  intermediate: '6H31tD6_m4nKKyu_MaTnrVpA1ATPuy_MGkA8JlEoWtw',
  root: 'QjrpXcQc0m2pAhrU5jibqnfghYYHY1qwhekeXR2Ue4M',
} as const;

/** A capture of the real proxies (`fixtures/proxy-captures/<proxy>.json`), by header. */
export interface ProxyCapture {
  readonly header: string;
  readonly format?: string;
  readonly server?: string;
  readonly wire?: boolean;
  readonly values: Readonly<Record<string, string | null>>;
}

/** The captures of one real proxy. */
export function proxyCaptures(proxy: 'nginx' | 'haproxy' | 'caddy' | 'apache'): ProxyCapture[] {
  const file = JSON.parse(
    readFileSync(join(FIXTURES, 'proxy-captures', `${proxy}.json`), 'utf8'),
  ) as { captures: ProxyCapture[] };
  return file.captures;
}

/** The x5t#S256 values openssl computed for the shared PKI. */
export const X5T = X5T_S256;

/** The x5t#S256 of decoded DER bytes (measured here, compared with openssl's literals). */
export function x5t(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/** The `reason` of the ForwardedCertificateError `fn` throws, `'other'` for another error. */
export function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ForwardedCertificateError ? error.reason : 'other';
  }
  return undefined;
}
