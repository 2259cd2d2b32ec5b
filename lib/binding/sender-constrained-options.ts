/**
 * The options of `requireSenderConstrainedToken()` and their validation: the options of
 * `requireCertificateBoundToken()` plus `methods`, `dpop`, `trustProxy`, `profile` and
 * `resourceMetadata`. Everything is checked and precomputed once, so a mistake throws a
 * `TypeError` at startup, never at request time.
 *
 * @packageDocumentation
 */
import type { Request } from 'express';
import { checkOptions, didYouMean, integerOption } from '../internal/options';
import {
  compileTrustProxy,
  type TrustConfig,
  type TrustProxyOption,
} from '../forwarding/trust-proxy';
import { parsePublicUrl, type PublicUrlBase } from '../dpop/htu';
import type { DpopNonceOptions } from '../dpop/nonce';
import { memoryReplayStore } from '../dpop/replay-memory';
import { withReplayTimeout, type ReplayStore } from '../dpop/replay-store';
import { dpopProofSettings, type DpopProofSettings } from '../dpop/verify-proof';
import {
  BOUND_TOKEN_OPTION_NAMES,
  resolveCheckedBoundTokenOptions,
  type CertificateBoundTokenOptions,
  type ResolvedBoundTokenOptions,
} from './bound-token-options';
import type { BindingMethod } from './decide-binding';
import type { CredentialScheme } from './token-errors';
import { secureUrlOption } from './url-option';

const FACTORY = 'requireSenderConstrainedToken()';

/** The token algorithms FAPI 2.0 allows (Security Profile §5.4). */
const FAPI2_TOKEN_ALGORITHMS: readonly string[] = Object.freeze(['PS256', 'ES256', 'EdDSA']);

/**
 * The DPoP options of {@link SenderConstrainedTokenOptions}.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449 | RFC 9449}
 */
export interface DpopOptions {
  /**
   * Accepted proof algorithms (asymmetric only). Default `['ES256', 'PS256', 'EdDSA']`;
   * `Ed25519` is accepted as an alias of `EdDSA`. Announced in the `algs` of `DPoP` challenges.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7.1 | RFC 9449 §7.1}
   */
  readonly algorithms?: readonly string[] | undefined;
  /** How old a proof's `iat` may be, in seconds (an integer ≥ 1). Default `300`. */
  readonly maxAge?: number | undefined;
  /** Clock skew allowed either way around the `iat` window, in seconds. Default: `clockTolerance`. */
  readonly clockTolerance?: number | undefined;
  /**
   * Server nonces (RFC 9449 §8): `{ secrets: [current, ...previous] }` or `{ secret }`, each at
   * least 32 bytes. Stateless (HMAC over a time step): every instance sharing the secrets accepts
   * the others' nonces. Default: off.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-8 | RFC 9449 §8}
   */
  readonly nonce?: DpopNonceOptions | undefined;
  /**
   * Where proof `jti`s are remembered. Default: `memoryReplayStore()`, which protects one
   * process only (it warns once); use `redisReplayStore({ client })` for several instances.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-11.1 | RFC 9449 §11.1}
   */
  readonly replay?: ReplayStore | undefined;
  /**
   * Milliseconds the replay store may take before the request is refused with 503
   * `ERR_MTLS_UNAVAILABLE` (an integer ≥ 1). Default `1000`.
   */
  readonly replayTimeout?: number | undefined;
  /**
   * The public scheme and authority (and path prefix) of this API, for `htu`: a base URL such as
   * `'https://api.example.com'` to which the request path is appended, or `(req) => fullUrl`.
   * Default: the `Host` header, and `X-Forwarded-Proto`/`-Host` only from a trusted proxy
   * (`trustProxy`).
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
   */
  readonly publicUrl?: string | ((req: Request) => string) | undefined;
}

/**
 * Options of `requireSenderConstrainedToken()`: those of `requireCertificateBoundToken()` (exactly
 * one key source: `jwksUri`, `publicKey`, `secret` or `introspection`) plus the ones below.
 */
export interface SenderConstrainedTokenOptions extends CertificateBoundTokenOptions {
  /**
   * The sender constraints accepted. Default `['mtls', 'dpop']`. A token bound by a method not
   * listed is refused (`binding_mismatch`).
   */
  readonly methods?: readonly BindingMethod[] | undefined;
  /** DPoP settings (used when `methods` includes `'dpop'`). */
  readonly dpop?: DpopOptions | undefined;
  /**
   * Which immediate peers may set `X-Forwarded-Proto`/`-Host` for the DPoP `htu`: the same values
   * and default as `clientCertificate({ trustProxy })` (the app's `trust proxy` setting, unless it
   * trusts every peer: a hop count or `true` is not trust). Ignored when `dpop.publicUrl` is set.
   */
  readonly trustProxy?: TrustProxyOption | undefined;
  /**
   * `'fapi2'`: the FAPI 2.0 Security Profile rules for a resource server — tokens only from the
   * `Authorization` header (§5.3.3), only PS256, ES256 and EdDSA for tokens and proofs, RSA of at
   * least 2048 bits (§5.4), and a sender constraint always (§5.3.3). Default: none.
   *
   * @see {@link https://openid.net/specs/fapi-security-profile-2_0-final.html | FAPI 2.0 Security Profile}
   */
  readonly profile?: 'fapi2' | undefined;
  /**
   * This resource's RFC 9728 metadata URL (see `protectedResourceMetadataUrl()`): added as
   * `resource_metadata="…"` to every 401 challenge. Default: none.
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc9728#section-5.1 | RFC 9728 §5.1}
   */
  readonly resourceMetadata?: string | undefined;
}

/** The `htu` base: none (the `Host` header), a checked base URL, or the application's function. */
export type PublicUrlSetting = PublicUrlBase | ((req: Request) => string) | undefined;

/** Everything the middleware needs, resolved once. */
export interface ResolvedSenderConstrainedOptions extends ResolvedBoundTokenOptions {
  readonly methods: readonly BindingMethod[];
  readonly profile: 'fapi2' | undefined;
  readonly resourceMetadata: string | undefined;
  /** The schemes of the 401 challenges: `DPoP` alone when only DPoP-bound tokens can pass. */
  readonly challengeSchemes: readonly CredentialScheme[];
  /** Set when `methods` includes `'dpop'`. */
  readonly dpop:
    | {
        readonly proof: DpopProofSettings;
        /** The configured store behind the 503-on-failure wrapper. */
        readonly replay: ReplayStore;
        readonly publicUrl: PublicUrlSetting;
        readonly trust: TrustConfig;
      }
    | undefined;
}

const OPTION_NAMES: readonly (keyof SenderConstrainedTokenOptions)[] = [
  ...BOUND_TOKEN_OPTION_NAMES,
  'methods',
  'dpop',
  'trustProxy',
  'profile',
  'resourceMetadata',
];

const DPOP_OPTION_NAMES: readonly (keyof DpopOptions)[] = [
  'algorithms',
  'maxAge',
  'clockTolerance',
  'nonce',
  'replay',
  'replayTimeout',
  'publicUrl',
];

const ALL_METHODS: readonly BindingMethod[] = Object.freeze(['mtls', 'dpop']);

function methodsOption(value: unknown): readonly BindingMethod[] {
  if (value === undefined) return ALL_METHODS;
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`${FACTORY}: "methods" must be a non-empty array of 'mtls' and 'dpop'.`);
  }
  for (const method of value as unknown[]) {
    if (typeof method !== 'string' || !(ALL_METHODS as readonly string[]).includes(method)) {
      const name = typeof method === 'string' ? method.slice(0, 32) : `[${typeof method}]`;
      throw new TypeError(
        `${FACTORY}: unknown method "${name}" in "methods"; use 'mtls' and/or 'dpop'.${typeof method === 'string' ? didYouMean(method, ALL_METHODS) : ''}`,
      );
    }
  }
  return Object.freeze(ALL_METHODS.filter((method) => (value as unknown[]).includes(method)));
}

function fapi2Checks(options: Partial<SenderConstrainedTokenOptions>): string[] | undefined {
  const conflicts = (
    [
      ['allowUnboundTokens', 'FAPI 2.0 requires a sender constraint (§5.3.3)'],
      ['allowBodyToken', 'FAPI 2.0 reads tokens only from the Authorization header'],
      ['dangerouslyAllowQueryToken', 'FAPI 2.0 reads tokens only from the Authorization header'],
    ] as const
  ).filter(([name]) => options[name] === true);
  if (conflicts.length > 0) {
    const [name, why] = conflicts[0] as (typeof conflicts)[number];
    throw new TypeError(`${FACTORY}: profile 'fapi2' cannot be combined with "${name}": ${why}.`);
  }
  if (options.secret !== undefined) {
    throw new TypeError(
      `${FACTORY}: profile 'fapi2' allows only PS256, ES256 and EdDSA tokens; "secret" (HMAC) is not allowed (FAPI 2.0 §5.4).`,
    );
  }
  if (options.algorithms === undefined) {
    // introspection answers carry no JWS: no token algorithm to restrict
    return options.introspection === undefined ? [...FAPI2_TOKEN_ALGORITHMS] : undefined;
  }
  const given: unknown =
    typeof options.algorithms === 'string' ? [options.algorithms] : options.algorithms;
  for (const alg of Array.isArray(given) ? (given as unknown[]) : []) {
    if (typeof alg === 'string' && !FAPI2_TOKEN_ALGORITHMS.includes(alg)) {
      throw new TypeError(
        `${FACTORY}: profile 'fapi2' allows only PS256, ES256 and EdDSA tokens (FAPI 2.0 §5.4); remove "${alg.slice(0, 32)}" from "algorithms".`,
      );
    }
  }
  return given as string[];
}

function publicUrlOption(value: unknown): PublicUrlSetting {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return value as (req: Request) => string;
  return parsePublicUrl(value, `${FACTORY}: "dpop.publicUrl"`);
}

function resolveDpop(
  options: Partial<SenderConstrainedTokenOptions>,
  profile: 'fapi2' | undefined,
  clockTolerance: number,
): ResolvedSenderConstrainedOptions['dpop'] {
  const dpop = checkOptions(`${FACTORY} dpop`, options.dpop, DPOP_OPTION_NAMES);
  const proof = dpopProofSettings({
    algorithms: dpop.algorithms,
    maxAgeSeconds: dpop.maxAge,
    clockToleranceSeconds: integerOption(
      FACTORY,
      'dpop.clockTolerance',
      dpop.clockTolerance,
      clockTolerance,
    ),
    nonce: dpop.nonce,
    profile,
  });
  const replay = dpop.replay ?? memoryReplayStore();
  const timeout = integerOption(FACTORY, 'dpop.replayTimeout', dpop.replayTimeout, 1000, 1);
  return {
    proof,
    replay: withReplayTimeout(replay, timeout),
    publicUrl: publicUrlOption(dpop.publicUrl),
    trust: {
      trust:
        options.trustProxy === undefined
          ? undefined
          : compileTrustProxy(FACTORY, options.trustProxy),
      trustAnyProxy: false,
    },
  };
}

/**
 * Validates the options of `requireSenderConstrainedToken()` and builds the verifier, the proof
 * settings and the replay store.
 *
 * @throws {TypeError} on any unknown, misspelled, missing, contradictory or unsafe option,
 *   including `profile: 'fapi2'` with `allowUnboundTokens`, a body or query token, `secret`, or
 *   an algorithm other than PS256, ES256 and EdDSA.
 */
export function resolveSenderConstrainedOptions(
  input: SenderConstrainedTokenOptions | undefined,
): ResolvedSenderConstrainedOptions {
  const options = checkOptions(FACTORY, input, OPTION_NAMES);
  const profile: unknown = options.profile;
  if (profile !== undefined && profile !== 'fapi2') {
    throw new TypeError(`${FACTORY}: "profile" must be 'fapi2' or left out.`);
  }
  const methods = methodsOption(options.methods);
  const algorithms = profile === 'fapi2' ? fapi2Checks(options) : options.algorithms;
  const common = resolveCheckedBoundTokenOptions(
    FACTORY,
    { ...options, algorithms },
    methods.includes('dpop'),
  );
  const resourceMetadata =
    options.resourceMetadata === undefined
      ? undefined
      : secureUrlOption(FACTORY, 'resourceMetadata', options.resourceMetadata).href;
  if (
    !methods.includes('dpop') &&
    (options.dpop !== undefined || options.trustProxy !== undefined)
  ) {
    throw new TypeError(
      `${FACTORY}: "dpop" and "trustProxy" configure DPoP, which "methods" leaves out; add 'dpop' to "methods" or remove them.`,
    );
  }
  const clockTolerance = integerOption(FACTORY, 'clockTolerance', options.clockTolerance, 5);
  const dpop = methods.includes('dpop');
  const dpopOnly = dpop && !methods.includes('mtls') && !common.allowUnboundTokens;
  return {
    ...common,
    methods,
    profile,
    resourceMetadata,
    challengeSchemes: dpopOnly ? ['dpop'] : dpop ? ['bearer', 'dpop'] : ['bearer'],
    dpop: dpop ? resolveDpop(options, profile, clockTolerance) : undefined,
  };
}
