/**
 * The options of `requireCertificateBoundToken()` and their validation: the token-verification
 * options (`token-verifier-options.ts`) plus the binding and token-location options. Everything
 * is checked and precomputed once, so a mistake throws a `TypeError` at startup, never at
 * request time.
 *
 * @packageDocumentation
 */
import { checkOptions, booleanOption } from '../internal/options';
import type { TokenVerifier } from './token-verification';
import {
  resolveTokenVerifier,
  stringOption,
  TOKEN_VERIFIER_OPTIONS,
  type TokenVerifierOptions,
} from './token-verifier-options';

export type { IntrospectionOptions, JwksOptions } from './token-verifier-options';

const FACTORY = 'requireCertificateBoundToken()';

/**
 * Options of {@link requireCertificateBoundToken}. Exactly one key source is required:
 * `jwksUri`, `publicKey`, `secret` or `introspection`.
 */
export interface CertificateBoundTokenOptions extends TokenVerifierOptions {
  /**
   * Accept tokens without a `cnf` claim. Default `false`: an unbound token is refused (`unbound`).
   * A `cnf` without `x5t#S256` (for example a DPoP `jkt`) is refused even when `true`.
   */
  readonly allowUnboundTokens?: boolean | undefined;
  /**
   * Also accept `access_token` in an `application/x-www-form-urlencoded` body (RFC 6750 §2.2;
   * mount `express.urlencoded()` first). Default `false`.
   */
  readonly allowBodyToken?: boolean | undefined;
  /**
   * Also accept `access_token` in the query string (RFC 6750 §2.3). Tokens in URLs end up in
   * logs and histories. Default `false`.
   */
  readonly dangerouslyAllowQueryToken?: boolean | undefined;
  /** The `realm` of `WWW-Authenticate` challenges. Default `'api'`. */
  readonly realm?: string | undefined;
}

/** The option names of {@link CertificateBoundTokenOptions}, for the factories' unknown-name check. */
export const BOUND_TOKEN_OPTION_NAMES: readonly (keyof CertificateBoundTokenOptions)[] = [
  ...TOKEN_VERIFIER_OPTIONS,
  'allowUnboundTokens',
  'allowBodyToken',
  'dangerouslyAllowQueryToken',
  'realm',
];

/** Everything the middleware needs, resolved once. */
export interface ResolvedBoundTokenOptions {
  readonly verifier: TokenVerifier;
  readonly mode: 'jwt' | 'introspection';
  readonly realm: string;
  readonly allowUnboundTokens: boolean;
  readonly allowBodyToken: boolean;
  readonly allowQueryToken: boolean;
}

/**
 * Validates the options of `requireCertificateBoundToken()` and builds the verifier.
 *
 * @throws {TypeError} on any unknown, misspelled, missing, contradictory or unsafe option.
 */
export function resolveBoundTokenOptions(
  input: CertificateBoundTokenOptions | undefined,
): ResolvedBoundTokenOptions {
  return resolveCheckedBoundTokenOptions(
    FACTORY,
    checkOptions(FACTORY, input, BOUND_TOKEN_OPTION_NAMES),
  );
}

/**
 * The shared part of the token middlewares' option checks, for options already checked for
 * unknown names; `factory` names the middleware in every message. `acceptDpopTokenType`: the
 * middleware takes DPoP-bound tokens (introspection's `token_type: "DPoP"`, RFC 9449 §6.2).
 *
 * @throws {TypeError} on any missing, contradictory or unsafe option.
 */
export function resolveCheckedBoundTokenOptions(
  factory: string,
  options: Partial<CertificateBoundTokenOptions>,
  acceptDpopTokenType = false,
): ResolvedBoundTokenOptions {
  const { verifier, mode } = resolveTokenVerifier(factory, options, acceptDpopTokenType);
  return {
    verifier,
    mode,
    realm: stringOption(factory, 'realm', options.realm) ?? 'api',
    allowUnboundTokens: booleanOption(
      factory,
      'allowUnboundTokens',
      options.allowUnboundTokens,
      false,
    ),
    allowBodyToken: booleanOption(factory, 'allowBodyToken', options.allowBodyToken, false),
    allowQueryToken: booleanOption(
      factory,
      'dangerouslyAllowQueryToken',
      options.dangerouslyAllowQueryToken,
      false,
    ),
  };
}
