/**
 * `mtlsClientAuthentication()`: OAuth client authentication with certificates at a token
 * endpoint (RFC 8705 §2). The Express adapter: it reads `req`, calls the pure matching code and
 * the chain validator, and reports failures through `next(err)`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @packageDocumentation
 */
import { startDebugOutput } from '../debug';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type CertificateInput, type ClientCertificate } from '../certificate';
import {
  DIAGNOSTICS_CHANNELS,
  decisionClock,
  publish,
  publishDecision,
  traceDependency,
} from '../diagnostics';
import { InvalidClientError, MisconfiguredError, MtlsError, UnavailableError } from '../errors';
import { toMtlsError } from '../error-mapping';
import { warnOnce } from '../warnings';
import { LruCache } from '../internal/lru-cache';
import { booleanOption, checkOptions, enumOption, integerOption } from '../internal/options';
import { bodyParserRan, hasRequestBody } from '../internal/request-body';
import { wasCertificateProcessed } from '../internal/request-state';
import { withTimeout } from '../internal/with-timeout';
import type { OAuthClientAuthentication } from '../request-types';
import { createChainValidator, type ChainValidator, type RevocationOptions } from './chain';
import {
  compileJwks,
  matchRegisteredKeys,
  type KeyMatch,
  type RegisteredKeys,
} from './client-jwks';
import { ClientRegistrationError, type OAuthClientMetadata } from './client-metadata';
import { JwksFetchError, JwksUriFetcher } from './jwks-uri-fetcher';
import { subjectRequirement } from './tls-client-auth-subject';
import { describeUntrusted, escapeUntrusted } from '../internal/sanitize';

const FACTORY = 'mtlsClientAuthentication';

/** The RFC 8705 §2 client authentication methods. */
export type MtlsClientAuthenticationMethod = 'tls_client_auth' | 'self_signed_tls_client_auth';

const ALL_METHODS: readonly MtlsClientAuthenticationMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
];

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
 * Options of {@link mtlsClientAuthentication}.
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

const BODY_TYPES = ['application/x-www-form-urlencoded', 'application/json', '+json'];

/** What a diagnostics event on `DIAGNOSTICS_CHANNELS.oauthClient` carries. */
interface OAuthClientEvent {
  outcome: 'authenticated' | 'rejected' | 'skipped' | 'unavailable' | 'misconfigured';
  clientId?: string | undefined;
  method?: string | undefined;
  reason?: string | undefined;
  detail?: string | undefined;
  thumbprint?: string | undefined;
  subject?: string | undefined;
  match?: KeyMatch | 'subject' | undefined;
}

/** A request this middleware leaves to others. */
class Skip {
  constructor(readonly detail: string) {}
}

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

/** A `client_id` (client-controlled) as written into messages ({@link describeUntrusted}). */
/** The `client_id` of the body as the client sent it (escaped by whoever writes it out). */
function rawClientId(req: Request): string | undefined {
  const body: unknown = req.body;
  const value: unknown =
    body !== null && typeof body === 'object'
      ? (body as Record<string, unknown>).client_id
      : undefined;
  return typeof value === 'string' ? value : undefined;
}

function quote(clientId: string): string {
  return describeUntrusted(clientId, CLIENT_ID_LENGTH);
}

/**
 * OAuth client authentication at the token endpoint with mutual TLS (RFC 8705 §2).
 *
 * Mount it after a body parser (`express.urlencoded()` or `express.json()`) and
 * `clientCertificate()`. It reads `client_id` from the body, loads the client with `getClient`,
 * and applies the client's registered `token_endpoint_auth_method`:
 *
 * - `tls_client_auth` (PKI): the certificate must chain to `trustAnchors` (signatures,
 *   validity, CA constraints, `clientAuth` EKU, optional revocation) and carry the client's one
 *   registered subject value (`tls_client_auth_subject_dn`, `_san_dns`, `_san_uri`, `_san_ip`
 *   or `_san_email`).
 * - `self_signed_tls_client_auth`: no chain validation; the certificate must be one registered
 *   in the `x5c` of a JWK in the client's `jwks` or `jwks_uri`.
 *
 * On success it sets `req.oauthClient = { clientId, method, certificate, metadata }`. Failures
 * go to `next(err)`: `InvalidClientError` (401, `{"error":"invalid_client"}`, `Cache-Control:
 * no-store`) with a precise `reason` — `client_id_missing`, `client_id_invalid`,
 * `unknown_client`, `certificate_missing`, `certificate_malformed`, `method_not_enabled`,
 * `unsupported_method`, `ambiguous_registration`, `incomplete_registration`,
 * `invalid_registration`, `chain:<reason>`, `subject_mismatch`, `unregistered_certificate`,
 * `jwks_uri_unavailable`, `jwks_uri_invalid`; `UnavailableError` (503) when the client registry
 * fails or times out (`client_registry_unavailable`, `client_registry_timeout`) or revocation
 * status could not be fetched (`chain:revocation_unknown` with a transient cause);
 * `MisconfiguredError` (500) when `clientCertificate()` is missing or a form or JSON body was
 * not parsed (no body parser). A request without a body (Express 5 leaves `req.body`
 * undefined) is `client_id_missing`; if no body parser ran for it at all, the warning
 * `MTLS_NO_BODY_PARSER` tells the operator, once. Each outcome is published on `DIAGNOSTICS_CHANNELS.oauthClient`.
 *
 * @example
 * ```ts
 * app.post('/token',
 *   express.urlencoded({ extended: false }),
 *   clientCertificate({ format: 'nginx', trustProxy: 'loopback' }),
 *   mtlsClientAuthentication({ getClient: (id) => clients.get(id), trustAnchors: [caPem] }),
 *   (req, res) => { … confirmationClaim(req.oauthClient!.certificate) … });
 * ```
 * @throws {TypeError} at creation, on missing, misspelled or invalid options.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
 */
export function mtlsClientAuthentication(options: MtlsClientAuthenticationOptions): RequestHandler {
  startDebugOutput();
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
  const getClientTimeout = integerOption(
    FACTORY,
    'getClientTimeout',
    opts.getClientTimeout,
    5000,
    1,
  );
  const allowPublicKeyMatch = booleanOption(
    FACTORY,
    'allowPublicKeyMatch',
    opts.allowPublicKeyMatch,
    false,
  );
  let warnedNoParser = false;

  let validator: ChainValidator | undefined;
  if (methods.includes('tls_client_auth')) {
    if (opts.trustAnchors === undefined) {
      throw new TypeError(
        `${FACTORY}: "trustAnchors" is required for tls_client_auth: the CA certificates (PEM or DER) that issue client certificates. Pass methods: ['self_signed_tls_client_auth'] if you use only self-signed certificates.`,
      );
    }
    validator = createChainValidator(
      {
        trustAnchors: opts.trustAnchors,
        intermediates: opts.intermediates,
        clockTolerance: opts.clockTolerance,
        requireClientAuthEku: opts.requireClientAuthEku,
        revocation: opts.revocation,
      },
      FACTORY,
    );
  }

  const jwksOpts = checkOptions(`${FACTORY}: jwksUri`, opts.jwksUri, JWKS_URI_OPTION_NAMES);
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

  async function loadClient(clientId: string): Promise<OAuthClientMetadata | null | undefined> {
    try {
      return await traceDependency('client_registry', () =>
        withTimeout(
          getClient(clientId),
          getClientTimeout,
          () =>
            new UnavailableError('client_registry_timeout', {
              message: `getClient did not answer within ${getClientTimeout} ms (client ${quote(clientId)})`,
            }),
        ),
      );
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      throw new UnavailableError('client_registry_unavailable', {
        message: `getClient failed for client ${quote(clientId)}`,
        cause: error,
      });
    }
  }

  async function authenticateTlsClientAuth(
    clientId: string,
    metadata: OAuthClientMetadata,
    certificate: ClientCertificate,
    event: OAuthClientEvent,
  ): Promise<void> {
    const requirement = subjectRequirement(metadata);
    const result = await (validator as ChainValidator).validate(certificate);
    if (!result.ok) {
      const reason = `chain:${result.reason}` as const;
      const message = `client ${quote(clientId)}: certificate chain not accepted: ${result.detail}`;
      event.detail = result.detail;
      if (result.transient === true && reason === 'chain:revocation_unknown') {
        throw new UnavailableError(reason, { message });
      }
      throw new InvalidClientError(reason, { message });
    }
    if (!requirement.matches(certificate)) {
      event.detail = `certificate does not carry the registered ${requirement.parameter}`;
      throw new InvalidClientError('subject_mismatch', {
        message: `client ${quote(clientId)}: ${event.detail}`,
      });
    }
    event.match = 'subject';
  }

  function registeredInline(jwks: unknown): RegisteredKeys {
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
  }

  async function authenticateSelfSigned(
    clientId: string,
    metadata: OAuthClientMetadata,
    certificate: ClientCertificate,
    event: OAuthClientEvent,
  ): Promise<void> {
    const jwks: unknown = metadata.jwks;
    const jwksUri: unknown = metadata.jwks_uri;
    const hasJwks = jwks !== undefined && jwks !== null;
    const hasUri = jwksUri !== undefined && jwksUri !== null;
    if (hasJwks && hasUri) {
      throw new ClientRegistrationError(
        'ambiguous_registration',
        'the client registered both jwks and jwks_uri (RFC 7591 §2 allows one)',
      );
    }
    let match: KeyMatch | undefined;
    let problems: readonly string[];
    if (hasJwks) {
      const keys = registeredInline(jwks);
      problems = keys.problems;
      match = matchRegisteredKeys(keys, certificate, allowPublicKeyMatch);
    } else if (hasUri) {
      if (typeof jwksUri !== 'string') {
        throw new ClientRegistrationError('invalid_registration', 'jwks_uri must be a string');
      }
      const fetched = await fetcher.get(jwksUri);
      problems = fetched.value.problems;
      match = matchRegisteredKeys(fetched.value, certificate, allowPublicKeyMatch);
      if (match === undefined && !fetched.fresh) {
        const refreshed = await fetcher.refresh(jwksUri);
        if (refreshed !== undefined) {
          problems = refreshed.problems;
          match = matchRegisteredKeys(refreshed, certificate, allowPublicKeyMatch);
        }
      }
    } else {
      throw new ClientRegistrationError(
        'incomplete_registration',
        'self_signed_tls_client_auth requires jwks or jwks_uri; the client registered neither',
      );
    }
    if (match === undefined) {
      event.detail =
        problems.length === 0
          ? 'certificate not registered in the client JWK Set'
          : `certificate not registered in the client JWK Set (skipped: ${problems.join('; ')})`;
      throw new InvalidClientError('unregistered_certificate', {
        message: `client ${quote(clientId)}: ${event.detail}`,
      });
    }
    event.match = match;
  }

  async function authenticate(
    req: Request,
    event: OAuthClientEvent,
  ): Promise<Skip | OAuthClientAuthentication> {
    const body: unknown = req.body;
    const usableBody = body !== null && typeof body === 'object' && !Buffer.isBuffer(body);
    if (!usableBody && !hasRequestBody(req)) {
      if (!warnedNoParser && !bodyParserRan(req)) {
        warnedNoParser = true;
        warnOnce(
          'MTLS_NO_BODY_PARSER',
          `${FACTORY}(): no body parser ran for a request (it had no body, so it was answered as one without client_id). Mount express.urlencoded({ extended: false }) or express.json() before ${FACTORY}().`,
        );
      }
    } else if (!usableBody && typeof req.is(BODY_TYPES) === 'string') {
      throw new MisconfiguredError(
        `${FACTORY}: the request has a form or JSON body but req.body was not parsed. Mount express.urlencoded({ extended: false }) or express.json() before ${FACTORY}().`,
      );
    }
    const clientId: unknown = usableBody ? (body as Record<string, unknown>).client_id : undefined;
    if (clientId === undefined || clientId === '') {
      if (otherMethods === 'next' && req.headers.authorization !== undefined) {
        return new Skip('no client_id in the body; an Authorization header is present');
      }
      throw new InvalidClientError('client_id_missing', {
        message: 'client_id is required in the request body (RFC 8705 §2)',
      });
    }
    if (typeof clientId !== 'string') {
      throw new InvalidClientError('client_id_invalid', {
        message: 'client_id must be a single string parameter',
      });
    }
    event.clientId = escapeUntrusted(clientId);
    try {
      return await authenticateClient(req, clientId, event);
    } catch (error) {
      throw toError(error, clientId, event);
    }
  }

  async function authenticateClient(
    req: Request,
    clientId: string,
    event: OAuthClientEvent,
  ): Promise<Skip | OAuthClientAuthentication> {
    const metadata = await loadClient(clientId);
    if (metadata === undefined || metadata === null) {
      throw new InvalidClientError('unknown_client', {
        message: `client ${quote(clientId)} is not registered`,
      });
    }
    if (typeof metadata !== 'object') {
      throw new ClientRegistrationError('invalid_registration', 'getClient returned a non-object');
    }
    const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
    event.method = method;
    if (!(ALL_METHODS as readonly string[]).includes(method)) {
      if (otherMethods === 'next') return new Skip(`the client uses ${method}`);
      throw new InvalidClientError('unsupported_method', {
        message: `client ${quote(clientId)} uses token_endpoint_auth_method ${describeUntrusted(method)}, which this endpoint does not accept`,
      });
    }
    const rfc8705Method = method as MtlsClientAuthenticationMethod;
    if (!methods.includes(rfc8705Method)) {
      throw new InvalidClientError('method_not_enabled', {
        message: `client ${quote(clientId)} uses ${method}, which is not in "methods"`,
      });
    }

    const certificate = req.clientCert;
    if (certificate === undefined) {
      throw new InvalidClientError('certificate_missing', {
        message: `client ${quote(clientId)} presented no client certificate`,
      });
    }
    event.thumbprint = certificate.thumbprint;
    event.subject = escapeUntrusted(certificate.subject);
    if (rfc8705Method === 'tls_client_auth') {
      await authenticateTlsClientAuth(clientId, metadata, certificate, event);
    } else {
      await authenticateSelfSigned(clientId, metadata, certificate, event);
    }
    return { clientId, method: rfc8705Method, certificate, metadata };
  }

  function toError(error: unknown, clientId: string, event: OAuthClientEvent): unknown {
    const mapped = toMtlsError(error, { site: 'client_authentication', client: quote(clientId) });
    if (mapped !== error) {
      event.detail = (error as Error).message;
      return mapped;
    }
    if (error instanceof JwksFetchError) {
      event.detail = error.message;
      return new InvalidClientError(error.reason, {
        message: `client ${quote(clientId)}: ${error.message}`,
        cause: error,
      });
    }
    return error;
  }

  return function mtlsClientAuthenticationMiddleware(
    req: Request,
    _res: Response,
    next: NextFunction,
  ): void {
    const started = decisionClock();
    const event: OAuthClientEvent = { outcome: 'rejected' };
    const finish = (outcome: OAuthClientEvent['outcome'], error?: unknown): void => {
      event.outcome = outcome;
      if (error instanceof MtlsError) {
        event.reason ??= error.reason;
        event.detail ??= error.message;
      }
      publishDecision('mtlsClientAuthentication', req, started, {
        error,
        outcome: outcome === 'skipped' ? 'skipped' : undefined,
        authenticated: outcome === 'authenticated',
        clientId: event.clientId === undefined ? undefined : rawClientId(req),
      });
      publish(DIAGNOSTICS_CHANNELS.oauthClient, () => ({ ...event }));
      next(error);
    };
    if (!wasCertificateProcessed(req)) {
      finish(
        'misconfigured',
        new MisconfiguredError(
          `${FACTORY}: clientCertificate() did not run for this request. Mount clientCertificate() before ${FACTORY}().`,
        ),
      );
      return;
    }
    authenticate(req, event).then(
      (result) => {
        if (result instanceof Skip) {
          event.detail = result.detail;
          finish('skipped');
          return;
        }
        req.oauthClient = result;
        finish('authenticated');
      },
      (error: unknown) => {
        const outcome =
          error instanceof UnavailableError
            ? 'unavailable'
            : error instanceof MisconfiguredError
              ? 'misconfigured'
              : 'rejected';
        finish(outcome, error);
      },
    );
  };
}
