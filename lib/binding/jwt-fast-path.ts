/**
 * The fast path of JWT verification: a well-formed RS, PS or ES token whose signature verifies
 * (one node:crypto call) and whose claims all pass is accepted without `jsonwebtoken`, which
 * decodes the token twice and verifies through a streaming `Verify` object. A token that passes
 * every structural check but whose signature does not verify is refused as `jsonwebtoken` would
 * refuse it ("invalid signature": its own checks before the signature are implied by these).
 * Anything else — a malformed token, an unusual key, a claim that fails — answers `undefined`,
 * and `jsonwebtoken` then decides and explains. It only ever accepts tokens `jsonwebtoken`
 * accepts, with the same payload: every condition here is at least as strict as its
 * counterpart there.
 *
 * @packageDocumentation
 */
import { constants, verify, type KeyObject, type VerifyKeyObjectInput } from 'node:crypto';
import type { JwtPayload } from 'jsonwebtoken';

/** What the fast path checks (the verifier's policy). */
export interface FastPathPolicy {
  readonly issuers: readonly string[] | undefined;
  readonly audiences: readonly string[] | undefined;
  readonly clockTolerance: number;
  readonly maxTokenAge: number | undefined;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

const HASHES: Readonly<Record<string, string>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
};

/** ECDSA: the key's curve and the length of a JOSE (IEEE P1363) signature, per algorithm. */
const ECDSA: Readonly<Record<string, { curve: string; length: number }>> = {
  ES256: { curve: 'prime256v1', length: 64 },
  ES384: { curve: 'secp384r1', length: 96 },
  ES512: { curve: 'secp521r1', length: 132 },
};

/** The node:crypto verification input for `alg` with `key`, or `undefined` if not handled. */
function keyInput(alg: string, key: KeyObject): VerifyKeyObjectInput | undefined {
  if (key.type !== 'public') return undefined;
  const family = alg.slice(0, 2);
  if (family === 'RS' && key.asymmetricKeyType === 'rsa') return { key };
  if (family === 'PS' && key.asymmetricKeyType === 'rsa') {
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    };
  }
  const ecdsa = ECDSA[alg];
  if (
    ecdsa !== undefined &&
    key.asymmetricKeyType === 'ec' &&
    key.asymmetricKeyDetails?.namedCurve === ecdsa.curve
  ) {
    return { key, dsaEncoding: 'ieee-p1363' };
  }
  return undefined;
}

/** Whether every time, audience and issuer check passes (`now` in seconds). */
function claimsPass(payload: JwtPayload, now: number, policy: FastPathPolicy): boolean {
  const { nbf, exp, iat, aud, iss } = payload;
  const tolerance = policy.clockTolerance;
  if (nbf !== undefined && !(typeof nbf === 'number' && nbf <= now + tolerance)) return false;
  if (exp !== undefined && !(typeof exp === 'number' && now < exp + tolerance)) return false;
  if (policy.audiences !== undefined) {
    const audiences = policy.audiences;
    const values: readonly unknown[] = Array.isArray(aud) ? aud : [aud];
    if (!values.some((value) => typeof value === 'string' && audiences.includes(value))) {
      return false;
    }
  }
  if (policy.issuers !== undefined && !(typeof iss === 'string' && policy.issuers.includes(iss))) {
    return false;
  }
  const maxAge = policy.maxTokenAge;
  return maxAge === undefined || (typeof iat === 'number' && now < iat + maxAge + tolerance);
}

/** A token ready for the signature check: everything else was checked or decoded. */
interface Prepared {
  readonly hash: string;
  readonly input: VerifyKeyObjectInput;
  readonly data: Buffer;
  readonly signature: Buffer;
  readonly payload: JwtPayload;
}

/**
 * What the fast path concluded: the payload (accept), `false` (the signature does not verify:
 * refuse as `jsonwebtoken` would, "invalid signature"), or `undefined` (ask `jsonwebtoken`).
 */
export type QuickOutcome = JwtPayload | false | undefined;

function prepare(parts: readonly string[], alg: string, key: KeyObject): Prepared | undefined {
  const hash = HASHES[alg];
  const [header, body, signature] = parts as [string, string, string];
  if (hash === undefined || !SEGMENT.test(header) || !SEGMENT.test(body)) return undefined;
  if (!SEGMENT.test(signature)) return undefined;
  const input = keyInput(alg, key);
  if (input === undefined) return undefined;
  const signatureBytes = Buffer.from(signature, 'base64url');
  if (ECDSA[alg] !== undefined && signatureBytes.length !== ECDSA[alg].length) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  return {
    hash,
    input,
    data: Buffer.from(`${header}.${body}`),
    signature: signatureBytes,
    payload,
  };
}

function conclude(prepared: Prepared, valid: unknown, policy: FastPathPolicy): QuickOutcome {
  if (valid !== true) return false;
  const { payload } = prepared;
  return claimsPass(payload, Math.floor(Date.now() / 1000), policy) ? payload : undefined;
}

/**
 * The fast path for `parts` (a JWS compact serialization already split in three, its header
 * checked by the caller: `alg` allowed for `key`), verifying the signature on this thread.
 */
export function acceptQuickly(
  parts: readonly string[],
  alg: string,
  key: KeyObject,
  policy: FastPathPolicy,
): QuickOutcome {
  const prepared = prepare(parts, alg, key);
  if (prepared === undefined) return undefined;
  const { hash, data, input, signature } = prepared;
  return conclude(prepared, verify(hash, data, input, signature), policy);
}

/**
 * The fast path with the signature verified on libuv's thread pool (node:crypto's callback
 * form, as `jose` does), so that the event loop is free for other requests during the ~25 µs
 * of an RSA-2048 verification; `undefined` (ask `jsonwebtoken`) without waiting when the token
 * is not for the fast path. The claims are checked after the signature, at that time.
 */
export function acceptQuicklyOffThread(
  parts: readonly string[],
  alg: string,
  key: KeyObject,
  policy: FastPathPolicy,
): Promise<QuickOutcome> | undefined {
  const prepared = prepare(parts, alg, key);
  if (prepared === undefined) return undefined;
  const { hash, data, input, signature } = prepared;
  return new Promise((resolve) => {
    verify(hash, data, input, signature, (_error, valid) => {
      resolve(conclude(prepared, valid, policy));
    });
  });
}
