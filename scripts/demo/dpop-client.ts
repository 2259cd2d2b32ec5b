/**
 * The demo's DPoP client (RFC 9449 §4): an ES256 key from the demo PKI and proofs signed with
 * node:crypto, each with a fresh `jti`. Any DPoP client library does the same.
 *
 * @packageDocumentation
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';

/** A DPoP client. */
export interface DemoDpopClient {
  /** The RFC 7638 thumbprint of the public key: the `cnf.jkt` of tokens bound to it. */
  readonly jkt: string;
  /** A proof for `htm htu`; with `accessToken`, its `ath` (at a resource server). */
  proof(htm: string, htu: string, accessToken?: string): string;
}

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A DPoP client for a PEM P-256 private key.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.2 | RFC 9449 §4.2}
 */
export function createDemoDpopClient(privateKeyPem: string): DemoDpopClient {
  const privateKey = createPrivateKey(privateKeyPem);
  const { crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  const jwk = { kty: 'EC', crv, x, y };
  const jkt = createHash('sha256')
    .update(JSON.stringify({ crv, kty: 'EC', x, y }))
    .digest('base64url');
  const header = segment({ typ: 'dpop+jwt', alg: 'ES256', jwk });
  return {
    jkt,
    proof(htm, htu, accessToken) {
      const claims = {
        jti: randomUUID(),
        htm,
        htu,
        iat: Math.floor(Date.now() / 1000),
        ...(accessToken === undefined
          ? {}
          : { ath: createHash('sha256').update(accessToken).digest('base64url') }),
      };
      const input = `${header}.${segment(claims)}`;
      const signature = sign('sha256', Buffer.from(input), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      });
      return `${input}.${signature.toString('base64url')}`;
    },
  };
}
