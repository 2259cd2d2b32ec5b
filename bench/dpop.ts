/**
 * The DPoP side of the benchmark (RFC 9449): a client key, proofs signed with node:crypto
 * directly, and the proof supply of a timed run. Every request of a DPoP case carries the same
 * DPoP-bound token (warm) with a proof of its own: ours refuses a `jti` it has seen, so proofs
 * are made before the run (a unique `jti` each) and handed out one per request.
 *
 * @packageDocumentation
 */
import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Expectation, ServerKind } from './cases';

/** A DPoP client: an ES256 key pair, its public JWK and its RFC 7638 thumbprint. */
export interface DpopClient {
  readonly jwk: Readonly<Record<string, string>>;
  /** The RFC 7638 SHA-256 thumbprint of {@link jwk}: the token's `cnf.jkt`. */
  readonly jkt: string;
  /** A proof for `htm htu`, bound to `token` (`ath`), with this `jti` and `iat` (seconds). */
  proof(claims: ProofClaims): string;
}

/** The claims of one proof. */
export interface ProofClaims {
  readonly htm: string;
  readonly htu: string;
  readonly token: string;
  readonly jti: string;
  readonly iat: number;
}

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A DPoP client for a P-256 private key (ES256).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.2 | RFC 9449 §4.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7638#section-3 | RFC 7638 §3}
 */
export function createDpopClient(privateKey: KeyObject): DpopClient {
  const exported = createPublicKey(privateKey).export({ format: 'jwk' });
  const { crv, x, y } = exported as { crv: string; x: string; y: string };
  const jwk = { kty: 'EC', crv, x, y };
  const jkt = createHash('sha256')
    .update(JSON.stringify({ crv, kty: 'EC', x, y }))
    .digest('base64url');
  const header = segment({ typ: 'dpop+jwt', alg: 'ES256', jwk });
  const athCache = new Map<string, string>();
  const ath = (token: string): string => {
    let hash = athCache.get(token);
    if (hash === undefined) {
      hash = createHash('sha256').update(token).digest('base64url');
      athCache.set(token, hash);
    }
    return hash;
  };
  return {
    jwk,
    jkt,
    proof({ htm, htu, token, jti, iat }) {
      const input = `${header}.${segment({ jti, htm, htu, iat, ath: ath(token) })}`;
      const signature = sign('sha256', Buffer.from(input), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      });
      return `${input}.${signature.toString('base64url')}`;
    },
  };
}

/** Makes unique `jti` values: a random prefix per generator, then a counter. */
export function jtiGenerator(): () => string {
  const prefix = randomBytes(9).toString('base64url');
  let counter = 0;
  return () => `${prefix}.${(counter++).toString(36)}`;
}

/** What one run of a DPoP case needs to make its proofs. */
export interface ProofTarget {
  readonly client: DpopClient;
  /** The server's URL: the `htu` (ours and the peer's take it from the `Host` header). */
  readonly htu: string;
  readonly token: string;
  readonly nextJti: () => string;
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

/** A proof for `GET target.htu` with a fresh `jti`, issued now. */
export function freshProof(target: ProofTarget): string {
  return target.client.proof({
    htm: 'GET',
    htu: target.htu,
    token: target.token,
    jti: target.nextJti(),
    iat: Math.floor((target.now ?? Date.now)() / 1000),
  });
}

/** The headers of a DPoP request. */
export function dpopHeaders(token: string, proof: string): Record<string, string> {
  return { authorization: `DPoP ${token}`, dpop: proof };
}

/** The proofs of one timed run, handed out one per request. */
export interface ProofSupply {
  /** The headers of the next request: the token and a proof never sent before. */
  next(): Record<string, string>;
  /** Proofs made before the run. */
  readonly prepared: number;
  /** Requests that found the prepared proofs used up and had one signed on the spot. */
  fallbacks(): number;
}

/**
 * Signs `count` proofs for `target` now (unique `jti`s), then serves them in order. Should the
 * run outlast them, further proofs are signed on the spot (counted in `fallbacks()`, since that
 * adds the load generator's work to the measurement), never reused.
 */
export function prepareProofs(target: ProofTarget, count: number): ProofSupply {
  const proofs: string[] = [];
  for (let i = 0; i < count; i++) proofs.push(freshProof(target));
  let cursor = 0;
  let fallbacks = 0;
  return {
    prepared: count,
    fallbacks: () => fallbacks,
    next() {
      let proof = proofs[cursor];
      if (proof === undefined) {
        fallbacks++;
        proof = freshProof(target);
      } else {
        proofs[cursor] = '';
        cursor++;
      }
      return dpopHeaders(target.token, proof);
    },
  };
}

/**
 * How many proofs to prepare for a run of `seconds` at about `rps` requests per second: a
 * margin of a half and a thousand over the estimate, at most `limit`.
 */
export function proofCount(rps: number, seconds: number, limit = 400_000): number {
  const estimate = Number.isFinite(rps) && rps > 0 ? rps : 10_000;
  return Math.min(limit, Math.ceil(estimate * seconds * 1.5) + 1000);
}

/** The requests of the DPoP pre-check, made for one server. */
export interface DpopCheckMaterial {
  /** The bound token with a fresh proof by its key. */
  readonly good: Record<string, string>;
  /** The good request again, proof and all. */
  readonly replayed: Record<string, string>;
  /** The bound token with a fresh, valid proof by another key. */
  readonly otherKey: Record<string, string>;
  /** The bound token sent with the `Bearer` scheme (and a fresh proof). */
  readonly asBearer: Record<string, string>;
}

/** Makes the pre-check requests for the server at `htu`. */
export function dpopCheckMaterial(
  client: DpopClient,
  other: DpopClient,
  token: string,
  htu: string,
  nextJti: () => string,
): DpopCheckMaterial {
  const good = dpopHeaders(token, freshProof({ client, htu, token, nextJti }));
  const bearerProof = freshProof({ client, htu, token, nextJti });
  return {
    good,
    replayed: { ...good },
    otherKey: dpopHeaders(token, freshProof({ client: other, htu, token, nextJti })),
    asBearer: { authorization: `Bearer ${token}`, dpop: bearerProof },
  };
}

/**
 * What a DPoP server must answer before it is timed, in this order: the good request is
 * accepted; another key's proof and the token as `Bearer` are refused (401; the peer, with
 * DPoP required, refuses the `Bearer` scheme as 400 `invalid_request`). The replayed request is
 * refused (401) by ours; the peer has no `jti` check and accepts it (200), which the pre-check
 * records rather than hides.
 */
export function dpopExpectations(kind: ServerKind, material: DpopCheckMaterial): Expectation[] {
  const ours = kind !== 'peer-dpop';
  return [
    { name: 'DPoP-bound token with a fresh proof', headers: material.good, status: 200 },
    {
      name: ours
        ? 'the same proof replayed'
        : 'the same proof replayed (the peer has no jti check)',
      headers: material.replayed,
      status: ours ? 401 : 200,
    },
    { name: "another key's proof", headers: material.otherKey, status: 401 },
    {
      name: ours
        ? 'DPoP-bound token sent as Bearer'
        : 'DPoP-bound token sent as Bearer (the peer, DPoP required: 400 invalid_request)',
      headers: material.asBearer,
      status: ours ? 401 : 400,
    },
  ];
}
