/**
 * The benchmark's authorization server, reduced to what a resource server sees: an RS256 key
 * pair, its JWKS, and access tokens (RFC 9068 `at+jwt`) bound to a certificate with
 * `cnf["x5t#S256"]` (RFC 8705) or to a DPoP key with `cnf.jkt` (RFC 9449). Tokens are signed with node:crypto directly, so that minting a pool of
 * tens of thousands costs one RSA signature each.
 *
 * @packageDocumentation
 */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { confirmationClaim, type ClientCertificate } from '../lib/certificate';

/** The issuer and audience every benchmark token carries. */
export const ISSUER = 'https://as.bench.example.test';
export const AUDIENCE = 'https://api.bench.example.test';
const KID = 'bench-rs256';

/** A JWKS as served at `jwks_uri`. */
export interface Jwks {
  readonly keys: readonly Record<string, unknown>[];
}

/** Signs bound access tokens. */
export interface TokenIssuer {
  readonly jwks: Jwks;
  /** The verification key. */
  readonly publicKey: KeyObject;
  /** An access token for `clientId`, bound to `certificate`, valid for `lifetime` seconds. */
  mint(certificate: ClientCertificate, clientId: string, lifetime?: number): string;
  /** An access token for `clientId`, DPoP-bound (`cnf.jkt`) to the key with thumbprint `jkt`. */
  mintDpop(jkt: string, clientId: string, lifetime?: number): string;
}

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Creates an RS256 token issuer with a fresh RSA-2048 key. */
export function createTokenIssuer(): TokenIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return createTokenIssuerWithKey(privateKey, publicKey);
}

function createTokenIssuerWithKey(privateKey: KeyObject, publicKey: KeyObject): TokenIssuer {
  const header = segment({ alg: 'RS256', typ: 'at+jwt', kid: KID });
  const mintWith = (cnf: object, clientId: string, lifetime: number): string => {
    const now = Math.floor(Date.now() / 1000);
    const payload = segment({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: clientId,
      client_id: clientId,
      scope: 'read write',
      iat: now,
      exp: now + lifetime,
      jti: randomUUID(),
      cnf,
    });
    const input = `${header}.${payload}`;
    return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  };
  return {
    publicKey,
    jwks: {
      keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }],
    },
    mint: (certificate, clientId, lifetime = 3600) =>
      mintWith(confirmationClaim(certificate), clientId, lifetime),
    mintDpop: (jkt, clientId, lifetime = 3600) => mintWith({ jkt }, clientId, lifetime),
  };
}
