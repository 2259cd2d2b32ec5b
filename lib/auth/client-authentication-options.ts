/**
 * The options of `mtlsClientAuthentication()`, validated once: the methods, the chain
 * validator, the `jwks_uri` fetcher and inline JWK Set cache, and the bounded client registry.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @packageDocumentation
 */
import type { CertificateInput, ClientCertificate } from '../certificate';
import { traceDependency } from '../diagnostics';
import { UnavailableError } from '../errors';
import { accept, reject, type Decision } from '../decision';
import { LruCache } from '../internal/lru-cache';
import { booleanOption, checkOptions, enumOption, integerOption } from '../internal/options';
import { describeUntrusted } from '../internal/sanitize';
import { withTimeout } from '../internal/with-timeout';
import { createChainValidator, type RevocationOptions } from './chain';
import {
  ALL_METHODS,
  decideClientAuthentication,
  type ClientAuthenticationDecision,
  type ClientAuthenticationSettings,
  type MtlsClientAuthenticationMethod,
  type RegisteredKeySource,
} from './client-authentication-decision';
import { compileJwks, type RegisteredKeys } from './client-jwks';
import { ClientRegistrationError, type OAuthClientMetadata } from './client-metadata';
import { JwksUriFetcher } from './jwks-uri-fetcher';

export type { MtlsClientAuthenticationMethod } from './client-authentication-decision';

const FACTORY = 'mtlsClientAuthentication';

/**
 * Looks up a client's registered metadata by `client_id`. Resolves to the metadata, or to
 * `undefined` (or `null`) when no such client exists.
 */
export type GetClient = (
  clientId: string,
) => OAuthClientMetadata | null | undefined | PromiseLike<OAuthClientMetadata | null | undefined>;

/**
 * How `jwks_uri` documents are fetched for `self_signed_tls_client_auth` clients.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.2.2 | RFC 8705 §2.2.2}
 */
export interface JwksUriOptions {
  /** Milliseconds allowed for one download. Default: `5000`. */
  readonly timeout?: number | undefined;
  /** Largest JWK Set accepted, in bytes. Default: `102400` (100 KiB). */
  readonly maxBytes?: number | undefined;
  /** Seconds a fetched JWK Set is used before it is fetched again. Default: `300`. */
  readonly cacheTtl?: number | undefined;
  /**
   * Shortest interval, in seconds, between two downloads of one URI: a certificate not found in
   * the cached set triggers a refetch at most this often, and a failed download is not retried
   * sooner (requests in between fail at once). Default: `30`.
   */
  readonly cooldown?: number | undefined;
  /** Most JWK Sets kept. Default: `1000`. */
  readonly cacheSize?: number | undefined;
  /**
   * Accept `http:` URIs. Only for tests against a loopback server: a JWK Set fetched without TLS
   * can be replaced by anyone on the path. Default: `false` (only `https:`).
   */
  readonly dangerouslyAllowHttp?: boolean | undefined;
}

/**
 * Options of `mtlsClientAuthentication()`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 */
export interface MtlsClientAuthenticationOptions {
  /**
   * Loads a client's registered metadata (RFC 7591) by `client_id`: `token_endpoint_auth_method`,
   * one `tls_client_auth_*` subject parameter, or `jwks` / `jwks_uri`. Required. A rejection,
   * a throw or no answer within `getClientTimeout` fails the request with 503.
   */
  readonly getClient: GetClient;
  /**
   * The CAs that may issue `tls_client_auth` certificates (PEM text or DER). Required when
   * `methods` includes `tls_client_auth`. Keep this narrow: any CA listed here can issue a
   * certificate with a registered subject and so impersonate that client (RFC 8705 §7.4).
   *
   * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-7.4 | RFC 8705 §7.4}
   */
  readonly trustAnchors?: readonly CertificateInput[] | undefined;
  /** Untrusted intermediate CA certificates used to build paths. Default: none. */
  readonly intermediates?: readonly CertificateInput[] | undefined;
  /** Seconds of clock skew tolerated on certificate validity. Default: `0`. */
  readonly clockTolerance?: number | undefined;
  /**
   * Require the `clientAuth` extended key usage when a certificate of the path has an EKU.
   * Default: `true`.
   */
  readonly requireClientAuthEku?: boolean | undefined;
  /** CRL / OCSP checking of `tls_client_auth` certificates. Default: off. */
  readonly revocation?: RevocationOptions | undefined;
  /**
   * The RFC 8705 methods this middleware accepts. A client registered with one left out is
   * refused (`method_not_enabled`). Default: both.
   */
  readonly methods?: readonly MtlsClientAuthenticationMethod[] | undefined;
  /**
   * What to do with a request this middleware does not authenticate: a client registered with
   * another `token_endpoint_auth_method` (or none, meaning `client_secret_basic`), or a request
   * without `client_id` in the body that carries an `Authorization` header. `'next'` passes it
   * on untouched, without `req.oauthClient`, so that another authentication middleware can run
   * (the token handler must then check that some client authentication happened); `'reject'`
   * answers 401 `invalid_client`. Default: `'next'`.
   */
  readonly otherMethods?: 'next' | 'reject' | undefined;
  /** Milliseconds `getClient` may take before the request fails with 503. Default: `5000`. */
  readonly getClientTimeout?: number | undefined;
  /**
   * `self_signed_tls_client_auth`: also accept a certificate whose public key equals that of a
   * registered JWK *without* `x5c` (RFC 7638 thumbprint comparison). JWKs with `x5c` always
   * require the very certificate. Default: `false` (RFC 8705 §2.2 matches certificates).
   */
  readonly allowPublicKeyMatch?: boolean | undefined;
  /** Fetching of `jwks_uri`. */
  readonly jwksUri?: JwksUriOptions | undefined;
}

/** The validated options: the decision's settings and the bounded registry lookup. */
export interface CompiledClientAuthentication extends ClientAuthenticationSettings {
  /**
   * Calls `getClient` within `getClientTimeout`; a throw, a rejection or no answer in time is an
   * `UnavailableError` (`client_registry_unavailable`, `client_registry_timeout`).
   */
  loadClient(
    clientId: string,
  ): Promise<Decision<OAuthClientMetadata | null | undefined, UnavailableError>>;
  /** {@link loadClient}, then {@link decideClientAuthentication} on what it found. */
  authenticate(
    clientId: string,
    certificate: ClientCertificate | undefined,
  ): Promise<ClientAuthenticationDecision>;
}

const OPTION_NAMES: readonly (keyof MtlsClientAuthenticationOptions)[] = [
  'getClient',
  'trustAnchors',
  'intermediates',
  'clockTolerance',
  'requireClientAuthEku',
  'revocation',
  'methods',
  'otherMethods',
  'getClientTimeout',
  'allowPublicKeyMatch',
  'jwksUri',
];

const JWKS_URI_OPTION_NAMES: readonly (keyof JwksUriOptions)[] = [
  'timeout',
  'maxBytes',
  'cacheTtl',
  'cooldown',
  'cacheSize',
  'dangerouslyAllowHttp',
];

/** Longest `client_id` written into a message (escaped characters). */
const CLIENT_ID_LENGTH = 64;

function methodsOption(value: unknown): readonly MtlsClientAuthenticationMethod[] {
  if (value === undefined) return ALL_METHODS;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((m) => (ALL_METHODS as readonly unknown[]).includes(m))
  ) {
    throw new TypeError(
      `${FACTORY}: "methods" must be a non-empty array of ${ALL_METHODS.map((m) => `"${m}"`).join(', ')}.`,
    );
  }
  return [...new Set(value as MtlsClientAuthenticationMethod[])];
}

/** The `jwks_uri` fetcher and the cache of compiled inline `jwks`. */
function keySource(value: JwksUriOptions | undefined): RegisteredKeySource {
  const jwksOpts = checkOptions(`${FACTORY}: jwksUri`, value, JWKS_URI_OPTION_NAMES);
  const name = (option: string): string => `jwksUri.${option}`;
  const fetcher = new JwksUriFetcher<RegisteredKeys>(
    {
      timeout: integerOption(FACTORY, name('timeout'), jwksOpts.timeout, 5000, 1),
      maxBytes: integerOption(FACTORY, name('maxBytes'), jwksOpts.maxBytes, 102400, 1),
      cacheTtl: integerOption(FACTORY, name('cacheTtl'), jwksOpts.cacheTtl, 300) * 1000,
      cooldown: integerOption(FACTORY, name('cooldown'), jwksOpts.cooldown, 30) * 1000,
      cacheSize: integerOption(FACTORY, name('cacheSize'), jwksOpts.cacheSize, 1000),
      allowHttp: booleanOption(
        FACTORY,
        name('dangerouslyAllowHttp'),
        jwksOpts.dangerouslyAllowHttp,
        false,
      ),
    },
    compileJwks,
  );
  const inlineJwks = new LruCache<string, RegisteredKeys>(1000);
  return {
    inline(jwks) {
      let key: string;
      try {
        key = JSON.stringify(jwks);
      } catch {
        throw new ClientRegistrationError('invalid_registration', 'jwks is not JSON');
      }
      let keys = inlineJwks.get(key);
      if (keys === undefined) {
        keys = compileJwks(jwks);
        inlineJwks.set(key, keys);
      }
      return keys;
    },
    fetch: (uri) => fetcher.get(uri),
    refresh: (uri) => fetcher.refresh(uri),
  };
}

/**
 * Validates `mtlsClientAuthentication()`'s options and builds what every request uses.
 *
 * @throws {TypeError} on missing, misspelled or invalid options.
 */
export function compileClientAuthenticationOptions(
  options: MtlsClientAuthenticationOptions,
): CompiledClientAuthentication {
  const opts = checkOptions(FACTORY, options, OPTION_NAMES);
  if (typeof opts.getClient !== 'function') {
    throw new TypeError(
      `${FACTORY}: "getClient" is required: a function (clientId) => metadata | undefined (or a Promise of it).`,
    );
  }
  const getClient: GetClient = opts.getClient;
  const methods = methodsOption(opts.methods);
  const otherMethods = enumOption(
    FACTORY,
    'otherMethods',
    opts.otherMethods,
    ['next', 'reject'],
    'next',
  );
  const timeout = integerOption(FACTORY, 'getClientTimeout', opts.getClientTimeout, 5000, 1);
  const allowPublicKeyMatch = booleanOption(
    FACTORY,
    'allowPublicKeyMatch',
    opts.allowPublicKeyMatch,
    false,
  );
  if (methods.includes('tls_client_auth') && opts.trustAnchors === undefined) {
    throw new TypeError(
      `${FACTORY}: "trustAnchors" is required for tls_client_auth: the CA certificates (PEM or DER) that issue client certificates. Pass methods: ['self_signed_tls_client_auth'] if you use only self-signed certificates.`,
    );
  }
  const validator = methods.includes('tls_client_auth')
    ? createChainValidator(
        {
          trustAnchors: opts.trustAnchors as readonly CertificateInput[],
          intermediates: opts.intermediates,
          clockTolerance: opts.clockTolerance,
          requireClientAuthEku: opts.requireClientAuthEku,
          revocation: opts.revocation,
        },
        FACTORY,
      )
    : undefined;
  const keys = keySource(opts.jwksUri);

  async function loadClient(
    clientId: string,
  ): Promise<Decision<OAuthClientMetadata | null | undefined, UnavailableError>> {
    const quoted = describeUntrusted(clientId, CLIENT_ID_LENGTH);
    try {
      return accept(
        await traceDependency('client_registry', () =>
          withTimeout(
            getClient(clientId),
            timeout,
            () =>
              new UnavailableError('client_registry_timeout', {
                message: `getClient did not answer within ${timeout} ms (client ${quoted})`,
              }),
          ),
        ),
      );
    } catch (error) {
      if (error instanceof UnavailableError) return reject(error);
      return reject(
        new UnavailableError('client_registry_unavailable', {
          message: `getClient failed for client ${quoted}`,
          cause: error,
        }),
      );
    }
  }

  const compiled: CompiledClientAuthentication = {
    methods,
    otherMethods,
    allowPublicKeyMatch,
    validator,
    keys,
    loadClient,
    async authenticate(clientId, certificate) {
      const metadata = await loadClient(clientId);
      if (!metadata.ok) return { ...metadata, report: {} };
      return decideClientAuthentication(
        { clientId, metadata: metadata.value, certificate },
        compiled,
      );
    },
  };
  return compiled;
}
