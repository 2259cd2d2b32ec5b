/**
 * The DPoP proof check of the sample token server's token endpoint (RFC 9449 §4.3, §5), by hand
 * with node:crypto: enough to bind the tokens it issues to the client's key (`cnf.jkt`). A
 * resource server uses `requireSenderConstrainedToken()` instead, which does every check of
 * §4.3 and §7.1 (with `ath`, nonces and a shared replay store).
 *
 * @packageDocumentation
 */
import { constants, createHash, createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import type { ReplayStore } from '../../lib';

/** Proof algorithms the token endpoint accepts (those FAPI 2.0 allows). */
export const TOKEN_ENDPOINT_DPOP_ALGORITHMS: readonly string[] = ['ES256', 'PS256', 'EdDSA'];

/** How old a proof may be, in seconds, and the clock skew allowed either way. */
const MAX_AGE = 300;
const SKEW = 5;
const MAX_PROOF_LENGTH = 8192;

/** Why a proof was refused (never the client's text). */
export class DpopProofError extends Error {
  override readonly name = 'DpopProofError';
}

/** What the token endpoint knows about the request. */
export interface TokenEndpointProofInput {
  /** Every `DPoP` header line of the request (`req.headersDistinct.dpop`). */
  readonly proofs: readonly string[];
  /** The request method. */
  readonly method: string;
  /** The token endpoint's URLs a proof may name in `htu` (the main host's and the mTLS alias). */
  readonly endpoints: readonly string[];
  /** Remembers proof `jti`s for the proof window. */
  readonly replay: ReplayStore;
  /** Epoch milliseconds. Default `Date.now()`. */
  readonly now?: number | undefined;
}

function decode(part: string | undefined): Record<string, unknown> {
  if (part === undefined || !/^[A-Za-z0-9_-]+$/.test(part)) {
    throw new DpopProofError('the proof is not a compact JWS');
  }
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DpopProofError('the proof header or payload is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/** `origin + path` of an absolute http(s) URL, without query and fragment; `undefined` if none. */
function htuOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'https:' || url.protocol === 'http:'
    ? `${url.origin}${url.pathname}`
    : undefined;
}

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK: the required members in lexicographic order.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7638#section-3.2 | RFC 7638 §3.2}
 */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : jwk.kty === 'RSA'
        ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function checkSignature(alg: string, jwk: JsonWebKey, input: string, signature: Buffer): void {
  let key;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new DpopProofError('the proof jwk is not a usable public key');
  }
  const data = Buffer.from(input);
  const ok =
    alg === 'ES256'
      ? key.asymmetricKeyType === 'ec' &&
        jwk.crv === 'P-256' &&
        verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : alg === 'PS256'
        ? key.asymmetricKeyType === 'rsa' &&
          (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 &&
          verify(
            'sha256',
            data,
            { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            signature,
          )
        : key.asymmetricKeyType === 'ed25519' && verify(null, data, key, signature);
  if (!ok) throw new DpopProofError('the proof signature does not verify with its jwk');
}

/**
 * Checks the DPoP proof of a token request and resolves with the RFC 7638 thumbprint of its key
 * (the `cnf.jkt` of the token to issue): one `DPoP` header, `typ` `dpop+jwt`, `alg` ES256, PS256
 * or EdDSA, a public `jwk` (no private member) that verifies the signature, `htm` = the method,
 * `htu` = one of the token endpoint's URLs, `iat` within 300 s (± 5 s), and a `jti` not seen
 * before within that window.
 *
 * @throws {DpopProofError} for any failed check (answer 400 `invalid_dpop_proof`, RFC 9449 §5).
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-5 | RFC 9449 §5}
 */
export async function checkTokenEndpointProof(input: TokenEndpointProofInput): Promise<string> {
  if (input.proofs.length !== 1) throw new DpopProofError('send exactly one DPoP header');
  const proof = input.proofs[0] as string;
  if (proof.length > MAX_PROOF_LENGTH) throw new DpopProofError('the proof is too long');
  const parts = proof.split('.');
  if (parts.length !== 3) throw new DpopProofError('the proof is not a compact JWS');
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decode(parts[0]);
    payload = decode(parts[1]);
  } catch (error) {
    if (error instanceof DpopProofError) throw error;
    throw new DpopProofError('the proof header or payload is not JSON');
  }
  const { typ, alg, jwk } = header;
  if (typ !== 'dpop+jwt') throw new DpopProofError('typ must be dpop+jwt');
  if (typeof alg !== 'string' || !TOKEN_ENDPOINT_DPOP_ALGORITHMS.includes(alg)) {
    throw new DpopProofError(`alg must be one of ${TOKEN_ENDPOINT_DPOP_ALGORITHMS.join(', ')}`);
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new DpopProofError('the proof header needs a jwk');
  }
  const key = jwk as JsonWebKey;
  if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((member) => member in key)) {
    throw new DpopProofError('the proof jwk holds a private key');
  }
  checkSignature(alg, key, `${parts[0]}.${parts[1]}`, Buffer.from(parts[2] ?? '', 'base64url'));
  if (payload.htm !== input.method) throw new DpopProofError('htm is not the request method');
  const htu = htuOf(payload.htu);
  if (htu === undefined || !input.endpoints.some((endpoint) => htuOf(endpoint) === htu)) {
    throw new DpopProofError('htu is not the token endpoint');
  }
  const now = (input.now ?? Date.now()) / 1000;
  const { iat, jti } = payload;
  if (typeof iat !== 'number' || iat < now - MAX_AGE - SKEW || iat > now + SKEW) {
    throw new DpopProofError('iat is missing or outside the accepted window');
  }
  if (typeof jti !== 'string' || jti === '' || jti.length > 256) {
    throw new DpopProofError('jti is missing or too long');
  }
  const jkt = jwkThumbprint(key);
  const replayKey = createHash('sha256').update(`${jkt}.${jti}`).digest('base64url');
  // remembered until the proof's window closes on any clock within SKEW, plus a margin for the
  // time between this check and the store's clock
  const ttlMs = Math.max(0, (iat + MAX_AGE + SKEW - now) * 1000) + SKEW * 1000 + 5000;
  if (!(await input.replay.add(replayKey, ttlMs))) {
    throw new DpopProofError('the proof was used before (jti replayed)');
  }
  return jkt;
}
