/**
 * The token-verification options shared by the token middlewares
 * (`requireCertificateBoundToken()` and its DPoP-aware sibling), validated and built once into a
 * cached {@link TokenVerifier}.
 *
 * @packageDocumentation
 */
import { verifyOffThread } from '../internal/verify-off-thread';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { KeyObject } from 'node:crypto';
import { checkOptions, booleanOption, integerOption, didYouMean } from '../internal/options';
import {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  KNOWN_ALGORITHMS,
  algorithmsForKey,
} from './algorithms';
import { createIntrospectionVerifier } from './introspection';
import { jwksKeySource } from './jwks-key-source';
import { createJwtVerifier, normalizeMediaType } from './jwt-verifier';
import {
  allowedAlgorithms,
  staticKeySource,
  toPublicKey,
  toSecretKey,
  type KeySource,
  type PublicKeyInput,
  type SecretInput,
} from './key-source';
import type { TokenVerifier } from './token-verification';
import { secureUrlOption } from './url-option';
import { cachingVerifier } from './verified-token-cache';

/**
 * Settings of the JWKS fetcher (`jwks-rsa`) used with `jwksUri`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7517#section-5 | RFC 7517 §5}
 */
export interface JwksOptions {
  /** Milliseconds before a JWKS fetch counts as failed (→ 503). Default `5000`. */
  readonly timeout?: number | undefined;
  /** Milliseconds a fetched key is kept. Default `600000` (10 minutes). */
  readonly cacheMaxAge?: number | undefined;
  /** The most keys kept. Default `16`. */
  readonly cacheMaxEntries?: number | undefined;
  /** The most JWKS fetches per minute, refetches for unknown `kid`s included. Default `10`. */
  readonly requestsPerMinute?: number | undefined;
  /** The agent of the requests (for example an `https.Agent` with a private `ca`). */
  readonly agent?: HttpAgent | HttpsAgent | undefined;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * Settings of RFC 7662 token introspection, used instead of local JWT verification (opaque
 * tokens).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7662#section-2 | RFC 7662 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.2 | RFC 8705 §3.2}
 */
export interface IntrospectionOptions {
  /** The introspection endpoint (https:, or http: on loopback). Required. */
  readonly endpoint: string;
  /** The resource server's client id at the authorization server. Required. */
  readonly clientId: string;
  /**
   * The client secret, sent with `client_secret_basic`. Without it, `client_id` goes in the body
   * and the client authenticates with the `agent`'s certificate (`tls_client_auth`).
   */
  readonly clientSecret?: string | undefined;
  /** The agent of the requests: an `https.Agent` with `key`/`cert` for mTLS, and/or a `ca`. */
  readonly agent?: HttpAgent | HttpsAgent | undefined;
  /** Milliseconds before the request counts as failed (→ 503). Default `5000`. */
  readonly timeout?: number | undefined;
  /** The largest response accepted, in bytes. Default `65536`. */
  readonly maxResponseBytes?: number | undefined;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * How access tokens are verified: as JWTs (exactly one key source: `jwksUri`, `publicKey` or
 * `secret`) or by RFC 7662 `introspection`, with a cache of verified tokens.
 */
export interface TokenVerifierOptions {
  /**
   * Accepted `iss` value(s). Required for JWTs unless `dangerouslyAllowAnyIssuer: true`; with
   * introspection, optional (checked when given).
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-4 | RFC 9068 §4}
   */
  readonly issuer?: string | readonly string[] | undefined;
  /**
   * Accepted `aud` value(s) (this resource server's identifier). Required for JWTs unless
   * `dangerouslyAllowAnyAudience: true`; with introspection, optional (checked when given).
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-4 | RFC 9068 §4}
   */
  readonly audience?: string | readonly string[] | undefined;
  /** Turns the issuer check off (JWTs). Default `false`. */
  readonly dangerouslyAllowAnyIssuer?: boolean | undefined;
  /** Turns the audience check off (JWTs). Default `false`. */
  readonly dangerouslyAllowAnyAudience?: boolean | undefined;
  /** The authorization server's JWKS URL (https:, or http: on loopback). */
  readonly jwksUri?: string | undefined;
  /** Fetching and caching of `jwksUri`. */
  readonly jwksOptions?: JwksOptions | undefined;
  /** A static verification key: PEM (SPKI, PKCS#1, certificate), DER SPKI, KeyObject or JWK. */
  readonly publicKey?: PublicKeyInput | undefined;
  /**
   * An HMAC secret (at least 32 bytes). Opting in to symmetric tokens: with it only `HS256`,
   * `HS384`, `HS512` are accepted, and never with the other key sources.
   */
  readonly secret?: SecretInput | undefined;
  /**
   * Accepted JWS algorithms. Default: `RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512
   * EdDSA` (with `secret`: `HS256 HS384 HS512`). `none` is never accepted, and each key verifies
   * only its own family (RSA → RS/PS, EC → the ES of its curve, OKP → EdDSA, secret → HS).
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc8725#section-3.1 | RFC 8725 §3.1}
   */
  readonly algorithms?: readonly string[] | undefined;
  /**
   * The required JOSE `typ`, for example `'at+jwt'` (RFC 9068 §2.1; `application/at+jwt` also
   * matches). Default: not checked.
   */
  readonly typ?: string | undefined;
  /** Claims that must be present. Default `['exp']` for JWTs, `[]` with introspection. */
  readonly requiredClaims?: readonly string[] | undefined;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `maxTokenAge`. Default `5`. */
  readonly clockTolerance?: number | undefined;
  /** The greatest accepted token age in seconds since `iat`. Default: no limit. */
  readonly maxTokenAge?: number | undefined;
  /** Verify tokens with RFC 7662 introspection instead of as JWTs. */
  readonly introspection?: IntrospectionOptions | undefined;
  /** The most verified tokens kept in the cache; `0` turns it off. Default `1000`. */
  readonly cacheMaxEntries?: number | undefined;
  /** The longest a verified token stays cached, in seconds (never past its `exp`). Default `300`. */
  readonly cacheMaxTtl?: number | undefined;
}

/** The names of {@link TokenVerifierOptions}, for a middleware's list of known options. */
export const TOKEN_VERIFIER_OPTIONS: readonly (keyof TokenVerifierOptions)[] = [
  'issuer',
  'audience',
  'dangerouslyAllowAnyIssuer',
  'dangerouslyAllowAnyAudience',
  'jwksUri',
  'jwksOptions',
  'publicKey',
  'secret',
  'algorithms',
  'typ',
  'requiredClaims',
  'clockTolerance',
  'maxTokenAge',
  'introspection',
  'cacheMaxEntries',
  'cacheMaxTtl',
];

const JWKS_OPTIONS: readonly (keyof JwksOptions)[] = [
  'timeout',
  'cacheMaxAge',
  'cacheMaxEntries',
  'requestsPerMinute',
  'agent',
  'headers',
];

const INTROSPECTION_OPTIONS: readonly (keyof IntrospectionOptions)[] = [
  'endpoint',
  'clientId',
  'clientSecret',
  'agent',
  'timeout',
  'maxResponseBytes',
  'headers',
];

/** The verifier a token middleware uses, built once. */
export interface ResolvedTokenVerifier {
  readonly verifier: TokenVerifier;
  readonly mode: 'jwt' | 'introspection';
}

function stringList(
  factory: string,
  name: string,
  value: unknown,
  allowEmpty = false,
): string[] | undefined {
  if (value === undefined) return undefined;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (
    (!allowEmpty && list.length === 0) ||
    !list.every((item) => typeof item === 'string' && item !== '')
  ) {
    throw new TypeError(`${factory}: "${name}" must be a non-empty string or array of strings.`);
  }
  return list as string[];
}

export function stringOption(factory: string, name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${factory}: "${name}" must be a non-empty string.`);
  }
  return value;
}

function headersOption(
  factory: string,
  name: string,
  value: unknown,
): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Object.values(value).every((v) => typeof v === 'string')
  ) {
    throw new TypeError(`${factory}: "${name}" must be an object of string header values.`);
  }
  return { ...(value as Record<string, string>) };
}

function agentOption(
  factory: string,
  name: string,
  value: unknown,
): HttpAgent | HttpsAgent | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || !('addRequest' in value)) {
    throw new TypeError(`${factory}: "${name}" must be an http.Agent or https.Agent.`);
  }
  return value as unknown as HttpAgent;
}

function algorithmsOption(factory: string, value: unknown, symmetric: boolean): readonly string[] {
  const family: readonly string[] = symmetric ? HMAC_ALGORITHMS : ASYMMETRIC_ALGORITHMS;
  const list = stringList(factory, 'algorithms', value);
  if (list === undefined) return family;
  for (const alg of list) {
    if (alg.toLowerCase() === 'none') {
      throw new TypeError(`${factory}: "algorithms" must not contain "none" (unsigned tokens).`);
    }
    if (!(KNOWN_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new TypeError(
        `${factory}: unknown algorithm "${alg}".${didYouMean(alg, KNOWN_ALGORITHMS)} Known: ${KNOWN_ALGORITHMS.join(', ')}.`,
      );
    }
    if (!family.includes(alg)) {
      throw new TypeError(
        symmetric
          ? `${factory}: with "secret", "algorithms" may contain only ${HMAC_ALGORITHMS.join(', ')} (got "${alg}").`
          : `${factory}: "${alg}" is an HMAC algorithm; it needs "secret", never a public key or JWKS.`,
      );
    }
  }
  return list;
}

function checkOnlyIn(
  factory: string,
  mode: string,
  options: Partial<TokenVerifierOptions>,
  names: readonly (keyof TokenVerifierOptions)[],
): void {
  for (const name of names) {
    if (options[name] !== undefined) {
      throw new TypeError(`${factory}: "${name}" has no effect with ${mode}; remove it.`);
    }
  }
}

function resolveIntrospection(
  factory: string,
  options: Partial<TokenVerifierOptions>,
  value: unknown,
  time: { clockTolerance: number; maxTokenAge: number | undefined },
  acceptDpopTokenType: boolean,
): TokenVerifier {
  checkOnlyIn(factory, '"introspection"', options, [
    'algorithms',
    'typ',
    'jwksOptions',
    'dangerouslyAllowAnyIssuer',
    'dangerouslyAllowAnyAudience',
  ]);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(
      `${factory}: "introspection" must be an object ({ endpoint, clientId, … }).`,
    );
  }
  const intro = checkOptions(
    `${factory} introspection`,
    value as IntrospectionOptions,
    INTROSPECTION_OPTIONS,
  );
  const endpoint = secureUrlOption(factory, 'introspection.endpoint', intro.endpoint);
  const clientId = stringOption(factory, 'introspection.clientId', intro.clientId);
  if (clientId === undefined) {
    throw new TypeError(`${factory}: "introspection.clientId" is required.`);
  }
  return createIntrospectionVerifier({
    endpoint,
    clientId,
    clientSecret: stringOption(factory, 'introspection.clientSecret', intro.clientSecret),
    agent: agentOption(factory, 'introspection.agent', intro.agent),
    timeout: integerOption(factory, 'introspection.timeout', intro.timeout, 5000, 1),
    maxResponseBytes: integerOption(
      factory,
      'introspection.maxResponseBytes',
      intro.maxResponseBytes,
      65536,
      1,
    ),
    headers: headersOption(factory, 'introspection.headers', intro.headers),
    issuers: stringList(factory, 'issuer', options.issuer),
    audiences: stringList(factory, 'audience', options.audience),
    requiredClaims: stringList(factory, 'requiredClaims', options.requiredClaims, true) ?? [],
    time,
    acceptDpopTokenType,
  });
}

function resolveJwt(
  factory: string,
  options: Partial<TokenVerifierOptions>,
  time: { clockTolerance: number; maxTokenAge: number | undefined },
): TokenVerifier {
  const anyIssuer = booleanOption(
    factory,
    'dangerouslyAllowAnyIssuer',
    options.dangerouslyAllowAnyIssuer,
    false,
  );
  const anyAudience = booleanOption(
    factory,
    'dangerouslyAllowAnyAudience',
    options.dangerouslyAllowAnyAudience,
    false,
  );
  const issuers = stringList(factory, 'issuer', options.issuer);
  const audiences = stringList(factory, 'audience', options.audience);
  if ((issuers === undefined) !== anyIssuer) {
    throw new TypeError(
      anyIssuer
        ? `${factory}: "issuer" and "dangerouslyAllowAnyIssuer" contradict each other; keep one.`
        : `${factory}: "issuer" is required (the authorization server's issuer identifier), or set "dangerouslyAllowAnyIssuer: true".`,
    );
  }
  if ((audiences === undefined) !== anyAudience) {
    throw new TypeError(
      anyAudience
        ? `${factory}: "audience" and "dangerouslyAllowAnyAudience" contradict each other; keep one.`
        : `${factory}: "audience" is required (this resource server's identifier), or set "dangerouslyAllowAnyAudience: true".`,
    );
  }
  const symmetric = options.secret !== undefined;
  const policyAlgorithms = algorithmsOption(factory, options.algorithms, symmetric);
  let keys: KeySource;
  let algorithms: ReadonlySet<string>;
  if (options.jwksUri !== undefined) {
    const uri = secureUrlOption(factory, 'jwksUri', options.jwksUri);
    const jwks = checkOptions(`${factory} jwksOptions`, options.jwksOptions, JWKS_OPTIONS);
    keys = jwksKeySource({
      jwksUri: uri.href,
      timeout: integerOption(factory, 'jwksOptions.timeout', jwks.timeout, 5000, 1),
      cacheMaxAge: integerOption(factory, 'jwksOptions.cacheMaxAge', jwks.cacheMaxAge, 600_000, 1),
      cacheMaxEntries: integerOption(
        factory,
        'jwksOptions.cacheMaxEntries',
        jwks.cacheMaxEntries,
        16,
        1,
      ),
      requestsPerMinute: integerOption(
        factory,
        'jwksOptions.requestsPerMinute',
        jwks.requestsPerMinute,
        10,
        1,
      ),
      agent: agentOption(factory, 'jwksOptions.agent', jwks.agent),
      headers: headersOption(factory, 'jwksOptions.headers', jwks.headers),
      algorithms: policyAlgorithms,
    });
    algorithms = new Set(policyAlgorithms);
  } else {
    if (options.jwksOptions !== undefined) {
      throw new TypeError(`${factory}: "jwksOptions" has no effect without "jwksUri"; remove it.`);
    }
    let key: KeyObject;
    let keyAlg: string | undefined;
    if (symmetric) {
      key = toSecretKey(factory, options.secret);
    } else {
      ({ key, alg: keyAlg } = toPublicKey(factory, options.publicKey as PublicKeyInput));
    }
    algorithms = allowedAlgorithms(key, policyAlgorithms, keyAlg);
    if (algorithms.size === 0) {
      throw new TypeError(
        `${factory}: the configured key can verify none of the accepted algorithms (it verifies: ${algorithmsForKey(key).join(', ') || 'nothing; RSA keys need 2048 bits or more'}).`,
      );
    }
    keys = staticKeySource(key, algorithms);
  }
  const typ = stringOption(factory, 'typ', options.typ);
  // Signatures of new tokens are verified on libuv's thread pool where a core is spare.
  const offThread = verifyOffThread(factory);
  return createJwtVerifier(
    keys,
    {
      issuers,
      audiences,
      algorithms,
      typ: typ === undefined ? undefined : normalizeMediaType(typ),
      requiredClaims: stringList(factory, 'requiredClaims', options.requiredClaims, true) ?? [
        'exp',
      ],
      ...time,
    },
    offThread,
  );
}

/**
 * Validates the token-verification options (already checked for unknown names by the factory)
 * and builds the cached verifier. `factory` names the middleware in every message.
 * `acceptDpopTokenType`: the middleware takes DPoP-bound tokens, so an introspection answer of
 * `token_type: "DPoP"` (with `cnf.jkt`) is not refused (RFC 9449 §6.2).
 *
 * @throws {TypeError} on any missing, contradictory or unsafe option.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-6.2 | RFC 9449 §6.2}
 */
export function resolveTokenVerifier(
  factory: string,
  options: Partial<TokenVerifierOptions>,
  acceptDpopTokenType = false,
): ResolvedTokenVerifier {
  const sources = (['jwksUri', 'publicKey', 'secret', 'introspection'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (sources.length !== 1) {
    throw new TypeError(
      sources.length === 0
        ? `${factory}: a key source is required: "jwksUri", "publicKey", "secret" or "introspection".`
        : `${factory}: use only one key source (got ${sources.map((s) => `"${s}"`).join(' and ')}).`,
    );
  }
  const maxTokenAge =
    options.maxTokenAge === undefined
      ? undefined
      : integerOption(factory, 'maxTokenAge', options.maxTokenAge, 0, 1);
  const time = {
    clockTolerance: integerOption(factory, 'clockTolerance', options.clockTolerance, 5),
    maxTokenAge,
  };
  const mode = options.introspection === undefined ? 'jwt' : 'introspection';
  const inner =
    mode === 'introspection'
      ? resolveIntrospection(factory, options, options.introspection, time, acceptDpopTokenType)
      : resolveJwt(factory, options, time);
  return {
    verifier: cachingVerifier(inner, {
      maxEntries: integerOption(factory, 'cacheMaxEntries', options.cacheMaxEntries, 1000),
      maxTtl: integerOption(factory, 'cacheMaxTtl', options.cacheMaxTtl, 300, 1) * 1000,
      time,
    }),
    mode,
  };
}
