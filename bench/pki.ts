/**
 * The benchmark's PKI, made in memory: an RSA-2048 root and intermediate (as most enterprise
 * client-certificate CAs are), client leaves issued by the intermediate, a leaf from an unrelated
 * CA, and a pool of distinct leaves for the cold cases. The few named certificates are made with
 * `@peculiar/x509`; pool leaves are stamped from a template leaf (a new serial number, re-signed
 * with node:crypto), which costs one RSA signature each instead of a whole certificate build.
 *
 * @packageDocumentation
 */
import { createPrivateKey, sign, webcrypto, type KeyObject } from 'node:crypto';
import { ClientCertificate } from '../lib/certificate';
import { certificateLayout } from '../lib/internal/der';
import { peculiarX509 } from '../lib/internal/peculiar';

const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

/** A CA: its certificate and signing key. */
export interface BenchCa {
  readonly certificate: ClientCertificate;
  readonly keys: CryptoKeyPair;
  /** The subject name as `@peculiar/x509` writes it (to name it as an issuer). */
  readonly name: string;
}

/** The certificates the benchmark needs. */
export interface BenchPki {
  readonly root: BenchCa;
  readonly intermediate: BenchCa;
  /** The client whose certificate the good request presents. */
  readonly clientA: ClientCertificate;
  /** Another client of the same CA: presented with client A's token, the binding must fail. */
  readonly clientB: ClientCertificate;
  /** A client of an unrelated CA (the full stack must refuse it even with a bound token). */
  readonly stranger: ClientCertificate;
  /** Makes `count` distinct leaves (from the intermediate), with serial numbers from `first`. */
  readonly pool: (count: number, first?: number) => ClientCertificate[];
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

async function rsaKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
}

/** A 16-byte positive serial number in hex: a tag byte, then `n` big-endian. */
function serialHex(tag: number, n: number): string {
  return tag.toString(16).padStart(2, '0') + n.toString(16).padStart(30, '0');
}

async function makeCa(
  name: string,
  keys: CryptoKeyPair,
  issuer: BenchCa | undefined,
  serial: string,
): Promise<BenchCa> {
  const x509 = peculiarX509();
  const subject = `CN=${name}, O=express-mtls bench`;
  const extensions = [
    new x509.BasicConstraintsExtension(true, issuer === undefined ? undefined : 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const cert =
    issuer === undefined
      ? await x509.X509CertificateGenerator.createSelfSigned({
          serialNumber: serial,
          name: subject,
          notBefore,
          notAfter,
          keys,
          signingAlgorithm: RSA,
          extensions,
        })
      : await x509.X509CertificateGenerator.create({
          serialNumber: serial,
          subject,
          issuer: issuer.name,
          notBefore,
          notAfter,
          publicKey: keys.publicKey,
          signingKey: issuer.keys.privateKey,
          signingAlgorithm: RSA,
          extensions: [
            ...extensions,
            await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
          ],
        });
  return {
    certificate: ClientCertificate.from(Buffer.from(cert.rawData)),
    keys,
    name: cert.subject,
  };
}

async function makeLeaf(
  name: string,
  publicKey: webcrypto.CryptoKey,
  issuer: BenchCa,
  serial: string,
): Promise<ClientCertificate> {
  const x509 = peculiarX509();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${name}, O=express-mtls bench`,
    issuer: issuer.name,
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: `${name}.clients.example.test` },
        { type: 'url', value: `spiffe://example.test/client/${name}` },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return ClientCertificate.from(Buffer.from(cert.rawData));
}

/**
 * Re-issues `template` with a new serial number: same length, so only the serial bytes and the
 * signature change. RSA PKCS#1 v1.5 signatures have the modulus' length, so the layout holds.
 */
export function stampLeaf(template: Buffer, serial: number, signingKey: KeyObject): Buffer {
  const der = Buffer.from(template);
  const layout = certificateLayout(der);
  const serialBytes = Buffer.from(serialHex(0x42, serial), 'hex');
  if (layout.serial.end - layout.serial.valueStart !== serialBytes.length) {
    throw new Error('the template serial number must be 16 bytes long');
  }
  serialBytes.copy(der, layout.serial.valueStart);
  const signature = sign('sha256', der.subarray(layout.tbs.start, layout.tbs.end), signingKey);
  if (layout.signature.end - layout.signature.valueStart !== signature.length + 1) {
    throw new Error('the template signature has another length');
  }
  signature.copy(der, layout.signature.valueStart + 1);
  return der;
}

/** Creates the benchmark PKI (about half a second: four RSA key pairs). */
export async function createBenchPki(): Promise<BenchPki> {
  const x509 = peculiarX509();
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const [rootKeys, intermediateKeys, otherKeys, leafKeys] = await Promise.all([
    rsaKeys(),
    rsaKeys(),
    rsaKeys(),
    rsaKeys(),
  ]);
  const root = await makeCa('Bench Root CA', rootKeys, undefined, serialHex(0x10, 1));
  const intermediate = await makeCa(
    'Bench Intermediate CA',
    intermediateKeys,
    root,
    serialHex(0x10, 2),
  );
  const other = await makeCa('Unrelated Root CA', otherKeys, undefined, serialHex(0x10, 3));
  const clientA = await makeLeaf('client-a', leafKeys.publicKey, intermediate, serialHex(0x20, 1));
  const clientB = await makeLeaf('client-b', leafKeys.publicKey, intermediate, serialHex(0x20, 2));
  const stranger = await makeLeaf('stranger', leafKeys.publicKey, other, serialHex(0x20, 3));
  const jwk = await webcrypto.subtle.exportKey('jwk', intermediateKeys.privateKey);
  const signingKey = createPrivateKey({
    key: jwk as import('node:crypto').JsonWebKey,
    format: 'jwk',
  });
  const template = await makeLeaf('pooled', leafKeys.publicKey, intermediate, serialHex(0x42, 0));
  return {
    root,
    intermediate,
    clientA,
    clientB,
    stranger,
    pool: (count, first = 1) =>
      Array.from(
        { length: count },
        (_, i) => new ClientCertificate(stampLeaf(template.der, first + i, signingKey)),
      ),
  };
}
