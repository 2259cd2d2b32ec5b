/**
 * Hand-made DPoP proofs for the unit tests: any header, any payload, signed with a fixture key
 * by node:crypto directly (not by the code under test), so every malformation can be built.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(__dirname, '../../fixtures/dpop');

export interface FixtureKey {
  readonly privateKey: KeyObject;
  readonly jwk: JsonWebKey;
  /** The RFC 7638 thumbprint pinned in fixtures/dpop/README.md (computed by jose). */
  readonly jkt: string;
}

function load(file: string, jkt: string): FixtureKey {
  const pem = readFileSync(join(FIXTURES, file));
  return {
    privateKey: createPrivateKey(pem),
    jwk: createPublicKey(pem).export({ format: 'jwk' }),
    jkt,
  };
}

export const KEYS = {
  ec: load('ec-p256.key', 'sV314ofAhhqA2hSTk2ZKnIzW13Xi9oywBF2Bl-xNQJk'),
  ecOther: load('ec-p256-other.key', 'BLFXEbul486KsdpYr9O6jWYYL64IlB1lUk48Vry2eVI'),
  ec384: load('ec-p384.key', 'vxnRoj9QXcRkxe-MR1f4U_puudYpVMAIPGwqfQ46L7Q'),
  rsa: load('rsa-2048.key', 'X7VM027D-EOPQnjkd6zsW1UEVTXKQaR_hfWq78OIWL4'),
  rsa1024: load('rsa-1024.key', ''),
  ed: load('ed25519.key', 'aD9m_nw0peJe8XA8YLJTSyxHrB0RExPdVpJtW5iGRRw'),
} as const;

export type KeyName = keyof typeof KEYS;

/** RFC 9449 §7.1 (Figure 12): this access token has `ath` {@link RFC9449_ATH}. */
export const RFC9449_TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU';
export const RFC9449_ATH = 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo';

export const HTU = 'https://api.example.com/resource';
/** A fixed clock: 2026-12-07T06:00:00Z, in milliseconds. */
export const NOW = Date.UTC(2026, 11, 7, 6, 0, 0);
export const NOW_S = NOW / 1000;

export function b64(value: unknown): string {
  const bytes = Buffer.isBuffer(value)
    ? value
    : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return bytes.toString('base64url');
}

/** The JWS signature (base64url) of `data` by `key` with `alg`, as JOSE writes it. */
export function signature(data: string, key: KeyObject, alg: string): string {
  const family = alg.slice(0, 2);
  const hash = alg === 'EdDSA' || alg === 'Ed25519' ? null : `sha${alg.slice(2)}`;
  const options =
    family === 'PS'
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }
      : family === 'ES'
        ? { key, dsaEncoding: 'ieee-p1363' as const }
        : { key };
  return sign(hash, Buffer.from(data), options).toString('base64url');
}

export interface ProofOptions {
  readonly key?: KeyName;
  readonly alg?: string;
  /** Members added to (or, with `undefined`, removed from) the default header. */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Members added to (or, with `undefined`, removed from) the default payload. */
  readonly payload?: Readonly<Record<string, unknown>>;
}

function merge(
  base: Record<string, unknown>,
  changes: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const out = { ...base, ...changes };
  return Object.fromEntries(Object.entries(out).filter(([, value]) => value !== undefined));
}

/**
 * A proof for `GET HTU` at {@link NOW} with `ath` of {@link RFC9449_TOKEN}, by the P-256 key
 * unless told otherwise.
 */
export function makeProof(options: ProofOptions = {}): string {
  const key = KEYS[options.key ?? 'ec'];
  const alg = options.alg ?? 'ES256';
  const header = merge({ typ: 'dpop+jwt', alg, jwk: key.jwk }, options.header);
  const payload = merge(
    {
      jti: randomBytes(16).toString('base64url'),
      htm: 'GET',
      htu: HTU,
      iat: NOW_S,
      ath: RFC9449_ATH,
    },
    options.payload,
  );
  const data = `${b64(header)}.${b64(payload)}`;
  return `${data}.${signature(data, key.privateKey, alg)}`;
}

/** A compact JWS from raw parts, signed by the P-256 key over exactly these parts. */
export function signParts(headerPart: string, payloadPart: string, key: KeyName = 'ec'): string {
  const data = `${headerPart}.${payloadPart}`;
  return `${data}.${signature(data, KEYS[key].privateKey, 'ES256')}`;
}
