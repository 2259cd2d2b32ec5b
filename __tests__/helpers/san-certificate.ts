/**
 * Builds real, self-signed X.509 certificates whose subject CN and SANs hold any text — the
 * certificates a client brings to a proxy that accepts untrusted certificates (Envoy
 * `trust_chain_verification: ACCEPT_UNTRUSTED`, nginx `optional_no_ca`). openssl's `-addext
 * subjectAltName=` splits values at `,`, so the DER is assembled here (test-side encoder,
 * independent of lib/) and signed with the committed `client-b` P-256 key.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { key } from './fixtures';
import { tlv } from './tlv';

const SIGNING_KEY = createPrivateKey(key('client-b'));
const SPKI = createPublicKey(SIGNING_KEY).export({ type: 'spki', format: 'der' });
/** ecdsa-with-SHA256 (1.2.840.10045.4.3.2). */
const ECDSA_SHA256 = tlv(0x30, tlv(0x06, [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
/** subjectAltName (2.5.29.17). */
const SAN_OID = tlv(0x06, [0x55, 0x1d, 0x11]);
/** commonName (2.5.4.3). */
const CN_OID = tlv(0x06, [0x55, 0x04, 0x03]);

/** What the certificate says about itself. */
export interface SanCertificateInit {
  /** Subject and issuer common name (UTF8String). Default: `attacker`. */
  readonly cn?: string;
  /** URI SANs, in order (IA5String bytes, latin1). */
  readonly uri?: readonly string[];
  /** DNS SANs, in order. */
  readonly dns?: readonly string[];
  /** The DER tag of the CN value. Default: 0x0c (UTF8String). */
  readonly cnTag?: number;
  /** Serial number (distinguishes otherwise equal certificates). Default: 1. */
  readonly serial?: number;
}

/** A self-signed certificate (DER) with exactly the given subject CN and SANs. */
export function sanCertificate(init: SanCertificateInit = {}): Buffer {
  const name = tlv(
    0x30,
    tlv(
      0x31,
      tlv(0x30, CN_OID, tlv(init.cnTag ?? 0x0c, Buffer.from(init.cn ?? 'attacker', 'utf8'))),
    ),
  );
  const names = [
    ...(init.uri ?? []).map((uri) => tlv(0x86, Buffer.from(uri, 'latin1'))),
    ...(init.dns ?? []).map((dns) => tlv(0x82, Buffer.from(dns, 'latin1'))),
  ];
  const extensions =
    names.length === 0
      ? []
      : [tlv(0xa3, tlv(0x30, tlv(0x30, SAN_OID, tlv(0x04, tlv(0x30, ...names)))))];
  const tbs = tlv(
    0x30,
    tlv(0xa0, tlv(0x02, [2])),
    tlv(0x02, [init.serial ?? 1]),
    ECDSA_SHA256,
    name,
    tlv(0x30, tlv(0x17, Buffer.from('250101000000Z')), tlv(0x18, Buffer.from('21000101000000Z'))),
    name,
    SPKI,
    ...extensions,
  );
  const signature = sign('sha256', tbs, SIGNING_KEY);
  return tlv(0x30, tbs, ECDSA_SHA256, tlv(0x03, [0], signature));
}
