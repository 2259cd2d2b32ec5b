/**
 * Certificates made with the openssl command line in a temporary directory, for shapes no
 * committed fixture has (many certificates sharing one key, cross-certificate cliques). EC P-256
 * keys unless told: fast to make, fast to verify, small enough to fill a chain within the header
 * limit.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[shared-ski]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = 01:02:03:04
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;

/** A scratch directory where openssl makes keys and certificates (PEM text). */
export class OpensslPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'express-mtls-pki-'));
  private serial = 1;

  constructor() {
    writeFileSync(join(this.dir, 'openssl.cnf'), CONFIG);
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  /** Adds an extension section (`[name]` and its lines) that `certificate()` can use as `profile`. */
  profile(name: string, lines: readonly string[]): string {
    appendFileSync(join(this.dir, 'openssl.cnf'), `[${name}]\n${lines.join('\n')}\n`);
    return name;
  }

  /** Makes an EC key named `name` on `curve` (P-256 unless told); returns its name. */
  key(name: string, curve = 'P-256'): string {
    this.openssl(
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      `ec_paramgen_curve:${curve}`,
      '-out',
      `${name}.key`,
    );
    return name;
  }

  /**
   * A certificate for `subject` with the public key of `key`, issued by `issuer` (the PEM file
   * name of a certificate made here) with `issuerKey`, or self-signed when `issuer` is omitted.
   */
  certificate(options: {
    readonly subject: string;
    readonly key: string;
    readonly issuer?: { readonly certificate: string; readonly key: string };
    /**
     * `shared-ski`: a CA whose key identifier is 01020304 whatever its key, with no AKI; or a
     * section added with `profile()`.
     */
    readonly profile: 'ca' | 'shared-ski' | 'leaf' | (string & Record<never, never>);
  }): string {
    const serial = String(this.serial++);
    const out = `cert-${serial}.pem`;
    const csr = `cert-${serial}.csr`;
    this.openssl(
      'req',
      '-new',
      '-config',
      'openssl.cnf',
      '-key',
      `${options.key}.key`,
      '-subj',
      options.subject,
      '-out',
      csr,
    );
    const signer = options.issuer
      ? ['-CA', options.issuer.certificate, '-CAkey', `${options.issuer.key}.key`]
      : ['-signkey', `${options.key}.key`];
    this.openssl(
      'x509',
      '-req',
      '-in',
      csr,
      ...signer,
      '-set_serial',
      serial,
      '-days',
      '30',
      '-sha256',
      '-extfile',
      'openssl.cnf',
      '-extensions',
      options.profile,
      '-out',
      out,
    );
    return out;
  }

  /** The PEM text of a certificate made here. */
  pem(file: string): string {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  /** Deletes the directory. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
