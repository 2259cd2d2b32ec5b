/**
 * The demo's throwaway PKI, made by the `openssl` command line (OpenSSL 3 or LibreSSL) in a
 * temporary directory: a root CA, an intermediate CA, two client certificates and a server
 * certificate for `localhost`, `mtls.localhost` and `127.0.0.1`, plus the token server's EC P-256
 * signing key. The thumbprints and subjects the demo checks against are printed by openssl too,
 * never computed by express-mtls.
 *
 * @packageDocumentation
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One certificate of the demo PKI. */
export interface DemoCertificate {
  /** PEM file of the certificate alone. */
  readonly certFile: string;
  /** PEM file of its private key. */
  readonly keyFile: string;
  /** PEM text of the certificate. */
  readonly pem: string;
  /** PEM text of its private key. */
  readonly key: string;
  /** Its subject in RFC 2253 form, as openssl prints it. */
  readonly subject: string;
  /** Its x5t#S256 (base64url SHA-256 of the DER), from openssl's fingerprint. */
  readonly thumbprint: string;
}

/** The whole demo PKI. */
export interface DemoPki {
  readonly dir: string;
  /** `openssl version` output, without the library part (`OpenSSL 3.0.13 30 Jan 2024`). */
  readonly opensslVersion: string;
  readonly root: DemoCertificate;
  readonly intermediate: DemoCertificate;
  readonly clientA: DemoCertificate;
  readonly clientB: DemoCertificate;
  readonly server: DemoCertificate;
  /** Server certificate followed by the intermediate (what a TLS server presents). */
  readonly serverChainFile: string;
  readonly serverChain: string;
  /** Client certificate followed by the intermediate (what client-a presents). */
  readonly clientAChain: string;
  /** PEM PKCS#8 EC P-256 key the token server signs with. */
  readonly signingKey: string;
  /** PEM PKCS#8 EC P-256 keys of the DPoP client, and of another one (a thief's). */
  readonly dpopKey: string;
  readonly dpopOtherKey: string;
}

/** Thrown when `openssl` is missing or fails; the message says which command. */
export class OpensslError extends Error {
  override readonly name = 'OpensslError';
}

const EXTENSIONS = `[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_a]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client-a.demo.test
authorityKeyIdentifier = keyid
[client_b]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client-b.demo.test
authorityKeyIdentifier = keyid
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, DNS:mtls.localhost, IP:127.0.0.1
authorityKeyIdentifier = keyid
`;

/** Valid for two days: long enough for any demo, short enough to be useless afterwards. */
const DAYS = '2';

/**
 * Runs `openssl` with `args` in `cwd`; resolves with its standard output.
 *
 * @throws {OpensslError} when the binary is missing or exits with an error.
 */
export function openssl(binary: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout);
        return;
      }
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new OpensslError(
          missing
            ? `the openssl command was not found ("${binary}"); install OpenSSL (Debian: apt-get install openssl)`
            : `openssl ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`,
        ),
      );
    });
  });
}

/** openssl's `-fingerprint -sha256` output (hex pairs with colons) as an x5t#S256 value. */
export function fingerprintToThumbprint(output: string): string {
  const hex = /=\s*([0-9A-Fa-f:]+)\s*$/.exec(output.trim())?.[1]?.replaceAll(':', '');
  if (hex?.length !== 64) {
    throw new OpensslError(`unexpected openssl fingerprint output: ${output.trim()}`);
  }
  return Buffer.from(hex, 'hex').toString('base64url');
}

/**
 * Makes the demo PKI in `dir` (which must exist and be empty) with the `openssl` binary.
 *
 * @throws {OpensslError} when openssl is missing or a command fails.
 */
export async function createDemoPki(dir: string, binary = 'openssl'): Promise<DemoPki> {
  const run = (...args: string[]): Promise<string> => openssl(binary, args, dir);
  const opensslVersion = (await run('version')).replace(/\s*\(Library:[^)]*\)/, '').trim();
  await writeFile(join(dir, 'openssl.cnf'), EXTENSIONS);
  const names = [
    'root',
    'intermediate',
    'client-a',
    'client-b',
    'server',
    'signing',
    'dpop',
    'dpop-other',
  ];
  await Promise.all(
    names.map((name) =>
      run(
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        `${name}.key`,
      ),
    ),
  );
  await run(
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-sha256',
    '-days',
    DAYS,
    '-subj',
    '/O=express-mtls demo/CN=Demo Root CA',
    '-config',
    'openssl.cnf',
    '-extensions',
    'root',
    '-out',
    'root.pem',
  );
  const sign = async (name: string, issuer: string, section: string, subject: string) => {
    await run(
      'req',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      subject,
      '-config',
      'openssl.cnf',
      '-out',
      `${name}.csr`,
    );
    await run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.pem`,
      '-CAkey',
      `${issuer}.key`,
      '-set_serial',
      `0x${randomBytes(12).toString('hex')}`,
      '-sha256',
      '-days',
      DAYS,
      '-extfile',
      'openssl.cnf',
      '-extensions',
      section,
      '-out',
      `${name}.pem`,
    );
  };
  await sign(
    'intermediate',
    'root',
    'intermediate',
    '/O=express-mtls demo/CN=Demo Intermediate CA',
  );
  await Promise.all([
    sign('client-a', 'intermediate', 'client_a', '/O=express-mtls demo/OU=Payments/CN=client-a'),
    sign('client-b', 'intermediate', 'client_b', '/O=express-mtls demo/OU=Reporting/CN=client-b'),
    sign('server', 'intermediate', 'server', '/O=express-mtls demo/CN=localhost'),
  ]);

  const load = async (name: string): Promise<DemoCertificate> => {
    const certFile = join(dir, `${name}.pem`);
    const [pem, key, subject, fingerprint] = await Promise.all([
      readFile(certFile, 'utf8'),
      readFile(join(dir, `${name}.key`), 'utf8'),
      run('x509', '-in', `${name}.pem`, '-noout', '-subject', '-nameopt', 'RFC2253'),
      run('x509', '-in', `${name}.pem`, '-noout', '-fingerprint', '-sha256'),
    ]);
    return {
      certFile,
      keyFile: join(dir, `${name}.key`),
      pem,
      key,
      subject: subject.trim().replace(/^subject=\s*/, ''),
      thumbprint: fingerprintToThumbprint(fingerprint),
    };
  };
  const [root, intermediate, clientA, clientB, server, signingKey, dpopKey, dpopOtherKey] =
    await Promise.all([
      load('root'),
      load('intermediate'),
      load('client-a'),
      load('client-b'),
      load('server'),
      readFile(join(dir, 'signing.key'), 'utf8'),
      readFile(join(dir, 'dpop.key'), 'utf8'),
      readFile(join(dir, 'dpop-other.key'), 'utf8'),
    ]);
  const serverChainFile = join(dir, 'server-chain.pem');
  const serverChain = server.pem + intermediate.pem;
  await writeFile(serverChainFile, serverChain);
  return {
    dir,
    opensslVersion,
    root,
    intermediate,
    clientA,
    clientB,
    server,
    serverChainFile,
    serverChain,
    clientAChain: clientA.pem + intermediate.pem,
    signingKey,
    dpopKey,
    dpopOtherKey,
  };
}
