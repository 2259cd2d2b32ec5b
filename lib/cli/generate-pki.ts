/**
 * Generation of a throwaway test PKI in memory — a root CA, an intermediate CA, client and
 * server certificates, their private keys and chain files — with node:crypto (WebCrypto) and
 * `@peculiar/x509`, so that no openssl is needed. Writing the files is the command's job.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2 | RFC 5280 §4.2} (extensions)
 * @packageDocumentation
 */
import { randomBytes, webcrypto } from 'node:crypto';
import type * as PeculiarX509 from '@peculiar/x509';
import { encodePem, formatIp, parseIp, peculiarX509 } from '../cli-internal';
import { ClientCertificate } from '../index';

/** The key algorithms offered: EC P-256 with ECDSA-SHA256, or RSA 2048 with PKCS#1 v1.5 SHA-256. */
export type PkiKeyType = 'ec' | 'rsa';

/** Options of {@link generatePki}. */
export interface PkiOptions {
  /** One client certificate per name (CN, file name, and a DNS or email SAN). */
  readonly clients: readonly string[];
  /** The server certificate's DNS names and IP addresses (the first is its CN). */
  readonly hosts: readonly string[];
  /** Days every certificate is valid from `now`. */
  readonly days: number;
  readonly keyType: PkiKeyType;
  /** Start of validity (backdated five minutes for clock skew). */
  readonly now: Date;
}

/** One file of the generated PKI. */
export interface PkiFile {
  /** The file name, relative to the output directory. */
  readonly name: string;
  readonly contents: string;
  /** `'key'` files are private keys (written 0600). */
  readonly kind: 'certificate' | 'chain' | 'key';
}

/** One generated certificate. */
export interface PkiCertificate {
  /** `root-ca`, `intermediate-ca`, a client name, or `server`. */
  readonly name: string;
  readonly role: 'root' | 'intermediate' | 'client' | 'server';
  readonly certificate: ClientCertificate;
  /** Its certificate, key and (leaves) full-chain file names. */
  readonly certificateFile: string;
  readonly keyFile: string;
  readonly fullchainFile: string | null;
}

/** The generated PKI. */
export interface Pki {
  readonly files: readonly PkiFile[];
  readonly certificates: readonly PkiCertificate[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** For example `EC P-256`. */
  readonly keyDescription: string;
}

/** The organization name of every generated certificate. */
export const PKI_ORGANIZATION = 'express-mtls test PKI';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}$`);
const NUMERIC_TOP_LABEL = /(?:^|\.)\d+$/;
const SKEW_MS = 5 * 60 * 1000;

/** Whether `name` can be a client name (it becomes a file name and the CN). */
export function isValidClientName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Whether `host` is an IP address or a DNS name (a leading `*.` allowed; a numeric last label,
 * which would read as a malformed IPv4 address, is not).
 */
export function isValidHost(host: string): boolean {
  return (
    parseIp(host) !== undefined ||
    (host.length <= 253 && HOSTNAME.test(host) && !NUMERIC_TOP_LABEL.test(host))
  );
}

/** The files a PKI with these client names consists of, in writing order. */
export function plannedFiles(clients: readonly string[]): string[] {
  return [
    'root-ca.pem',
    'root-ca.key',
    'intermediate-ca.pem',
    'intermediate-ca.key',
    'ca-chain.pem',
    ...clients.flatMap((name) => [`${name}.pem`, `${name}.key`, `${name}-fullchain.pem`]),
    'server.pem',
    'server.key',
    'server-fullchain.pem',
  ];
}

type GeneralName = PeculiarX509.JsonGeneralNames[number];

function altName(value: string): GeneralName {
  const ip = parseIp(value);
  if (ip !== undefined) return { type: 'ip', value: formatIp(ip) as string };
  return value.includes('@') ? { type: 'email', value } : { type: 'dns', value };
}

interface Issued {
  readonly name: PeculiarX509.JsonName;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly certificate: PeculiarX509.X509Certificate;
  readonly keyId: string;
}

/**
 * Generates the PKI: a root CA (`pathlen:1`), an intermediate CA (`pathlen:0`) signed by it,
 * and, signed by the intermediate, one client certificate per name (EKU `clientAuth`) and one
 * server certificate for `hosts` (EKU `serverAuth`). CA certificates carry critical
 * `basicConstraints` and `keyUsage` (`keyCertSign`, `cRLSign`); leaves carry critical
 * `basicConstraints` `CA:FALSE`, critical `keyUsage` (`digitalSignature`, plus
 * `keyEncipherment` for RSA), SANs; every certificate a subject key identifier and every
 * non-root one an authority key identifier. Serial numbers are 128 random bits.
 */
export async function generatePki(options: PkiOptions): Promise<Pki> {
  const x509 = peculiarX509();
  const crypto: unknown = webcrypto;
  const keyAlgorithm =
    options.keyType === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        };
  const notBefore = new Date(Math.floor((options.now.getTime() - SKEW_MS) / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + SKEW_MS + options.days * 86_400_000);
  const { KeyUsageFlags: usage } = x509;

  const issue = async (
    commonName: string,
    issuer: Issued | undefined,
    extensions: PeculiarX509.Extension[],
  ): Promise<Issued> => {
    const keys = await webcrypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
    const name: PeculiarX509.JsonName = [{ O: [PKI_ORGANIZATION] }, { CN: [commonName] }];
    const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto);
    const serial = randomBytes(16);
    serial[0] = ((serial[0] as number) & 0x7f) | 0x40;
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serial.toString('hex'),
        subject: name,
        issuer: (issuer ?? { name }).name,
        notBefore,
        notAfter,
        signingAlgorithm: keyAlgorithm,
        publicKey: keys.publicKey,
        signingKey: (issuer ?? { keys }).keys.privateKey,
        extensions: [
          ...extensions,
          ski,
          ...(issuer === undefined
            ? []
            : [new x509.AuthorityKeyIdentifierExtension(issuer.keyId, false)]),
        ],
      },
      crypto,
    );
    return { name, keys, certificate, keyId: ski.keyId };
  };

  const caUsage = new x509.KeyUsagesExtension(usage.keyCertSign | usage.cRLSign, true);
  const root = await issue('express-mtls test root CA', undefined, [
    new x509.BasicConstraintsExtension(true, 1, true),
    caUsage,
  ]);
  const intermediate = await issue('express-mtls test intermediate CA', root, [
    new x509.BasicConstraintsExtension(true, 0, true),
    caUsage,
  ]);
  const leaf = (commonName: string, purpose: string, names: readonly string[]): Promise<Issued> =>
    issue(commonName, intermediate, [
      new x509.BasicConstraintsExtension(false, undefined, true),
      options.keyType === 'ec'
        ? new x509.KeyUsagesExtension(usage.digitalSignature, true)
        : new x509.KeyUsagesExtension(usage.digitalSignature | usage.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([purpose], false),
      new x509.SubjectAlternativeNameExtension(names.map(altName), false),
    ]);
  const clients = await Promise.all(
    options.clients.map((name) => leaf(name, x509.ExtendedKeyUsage.clientAuth, [name])),
  );
  const server = await leaf(
    options.hosts[0] as string,
    x509.ExtendedKeyUsage.serverAuth,
    options.hosts,
  );

  const pem = (issued: Issued): string => encodePem(Buffer.from(issued.certificate.rawData));
  const files: PkiFile[] = [];
  const certificates: PkiCertificate[] = [];
  const add = async (name: string, role: PkiCertificate['role'], issued: Issued): Promise<void> => {
    const key = await webcrypto.subtle.exportKey('pkcs8', issued.keys.privateKey);
    const leafRole = role === 'client' || role === 'server';
    files.push(
      { name: `${name}.pem`, contents: pem(issued), kind: 'certificate' },
      { name: `${name}.key`, contents: encodePem(Buffer.from(key), 'PRIVATE KEY'), kind: 'key' },
    );
    if (leafRole) {
      files.push({
        name: `${name}-fullchain.pem`,
        contents: pem(issued) + pem(intermediate),
        kind: 'chain',
      });
    }
    certificates.push({
      name,
      role,
      certificate: new ClientCertificate(Buffer.from(issued.certificate.rawData)),
      certificateFile: `${name}.pem`,
      keyFile: `${name}.key`,
      fullchainFile: leafRole ? `${name}-fullchain.pem` : null,
    });
  };
  await add('root-ca', 'root', root);
  await add('intermediate-ca', 'intermediate', intermediate);
  files.push({ name: 'ca-chain.pem', contents: pem(intermediate) + pem(root), kind: 'chain' });
  for (const [index, client] of clients.entries()) {
    await add(options.clients[index] as string, 'client', client);
  }
  await add('server', 'server', server);
  return {
    files,
    certificates,
    notBefore,
    notAfter,
    keyDescription: options.keyType === 'ec' ? 'EC P-256' : 'RSA 2048',
  };
}
