/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document a resource server publishes about
 * itself, and the middleware that serves it.
 *
 * @packageDocumentation
 */
import type { RequestHandler } from 'express';
import { checkOptions, integerOption } from '../internal/options';
import { ASYMMETRIC_ALGORITHMS } from './algorithms';
import { senderConstraintOf, type SenderConstraintProfile } from './sender-constraint-profile';
import { secureUrlOption } from './url-option';

const FACTORY = 'protectedResourceMetadata()';

/** The well-known URI suffix of RFC 9728 §3. */
const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** A sender-constraining method a resource server accepts. */
export type SenderConstraintMethod = 'mtls' | 'dpop';

const METHODS: readonly SenderConstraintMethod[] = ['mtls', 'dpop'];

/**
 * The DPoP proof algorithms that may be advertised: the asymmetric JWS algorithms, and `Ed25519`
 * (the fully specified name of EdDSA with Ed25519).
 */
const DPOP_ALGORITHMS: readonly string[] = [...ASYMMETRIC_ALGORITHMS, 'Ed25519'];

/** The DPoP proof algorithms advertised by default (the middleware's default `dpop.algorithms`). */
const DEFAULT_DPOP_ALGORITHMS: readonly string[] = ['ES256', 'PS256', 'EdDSA'];

/** RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Options of {@link protectedResourceMetadata}. */
export interface ProtectedResourceMetadataOptions {
  /**
   * The resource identifier (RFC 9728 §1.2): the https URL clients call, without query or
   * fragment, for example `https://api.example.com` or `https://example.com/api` (http: only on
   * loopback hosts, for development). Required. It decides where the document is served (§3).
   */
  readonly resource: string;
  /**
   * The issuer identifiers of the authorization servers whose tokens this resource accepts
   * (https URLs without query or fragment, RFC 8414 §2). Required, at least one.
   */
  readonly authorizationServers: readonly string[];
  /** The scope values clients request for this resource (RFC 6749 §3.3). Default: omitted. */
  readonly scopesSupported?: readonly string[] | undefined;
  /**
   * The sender constraints accepted, as in `requireSenderConstrainedToken({ methods })`. Default
   * `['mtls', 'dpop']`. Sets `tls_client_certificate_bound_access_tokens` (`mtls` present) and
   * `dpop_bound_access_tokens_required` (`dpop` alone).
   */
  readonly methods?: readonly SenderConstraintMethod[] | undefined;
  /**
   * The DPoP proof algorithms accepted, as in `dpop.algorithms`. Default `['ES256', 'PS256',
   * 'EdDSA']`. Advertised only when `methods` includes `dpop`.
   */
  readonly dpopAlgorithms?: readonly string[] | undefined;
  /** The URL of the resource's own JWK Set (RFC 9728 §2 `jwks_uri`). Default: omitted. */
  readonly jwksUri?: string | undefined;
  /**
   * The path, relative to where the middleware is mounted, that answers with the document.
   * Default: the RFC 9728 §3 location, `/.well-known/oauth-protected-resource` followed by the
   * path of `resource` (`/.well-known/oauth-protected-resource/api` for `https://example.com/api`).
   * Set it when a proxy rewrites paths before the app sees them.
   */
  readonly path?: string | undefined;
  /** Seconds a client may cache the document (`Cache-Control: public, max-age=…`). Default 3600. */
  readonly maxAge?: number | undefined;
  /**
   * The `requireSenderConstrainedToken()` middleware that protects this resource: `methods` and
   * `dpopAlgorithms` are then read from its own options, so the document cannot drift from what
   * the middleware accepts. Not with `methods` or `dpopAlgorithms`. Default: none.
   */
  readonly middleware?: RequestHandler | undefined;
}

/** The metadata document (RFC 9728 §2) that {@link protectedResourceMetadata} serves. */
export interface ProtectedResourceMetadata {
  /** The resource identifier, exactly as configured (§3.3: clients compare it verbatim). */
  readonly resource: string;
  /** The issuer identifiers of the authorization servers. */
  readonly authorization_servers: readonly string[];
  /** The resource's own JWK Set, when configured. */
  readonly jwks_uri?: string;
  /** The scope values, when configured (an empty list is omitted, §3.2). */
  readonly scopes_supported?: readonly string[];
  /** Always `["header"]`: tokens are read from the `Authorization` header. */
  readonly bearer_methods_supported: readonly ['header'];
  /** Whether certificate-bound tokens (RFC 8705) are accepted: `methods` includes `mtls`. */
  readonly tls_client_certificate_bound_access_tokens: boolean;
  /** The DPoP proof algorithms accepted, when `methods` includes `dpop`. */
  readonly dpop_signing_alg_values_supported?: readonly string[];
  /** Whether every token must be DPoP-bound: `methods` is `['dpop']`. */
  readonly dpop_bound_access_tokens_required: boolean;
}

/**
 * Where RFC 9728 §3 places the metadata of a resource: the well-known suffix inserted between the
 * host and the path (a resource without path: the suffix alone). Use it as the middleware's
 * `resourceMetadata` option, which adds `resource_metadata="…"` to every 401 challenge (§5.1).
 *
 * @example
 * ```ts
 * protectedResourceMetadataUrl('https://example.com/api');
 * // 'https://example.com/.well-known/oauth-protected-resource/api'
 * ```
 * @throws {TypeError} when `resource` is not a valid resource identifier (as for
 * {@link protectedResourceMetadata}).
 * @see {@link https://www.rfc-editor.org/rfc/rfc9728#section-3 | RFC 9728 §3}
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = resourceUrl('protectedResourceMetadataUrl()', resource);
  return url.origin + wellKnownPath(url);
}

function resourceUrl(factory: string, value: unknown): URL {
  const url = secureUrlOption(factory, 'resource', value);
  if (url.search !== '') {
    throw new TypeError(
      `${factory}: "resource" must not contain a query (RFC 8707 §2, RFC 9728 §1.2).`,
    );
  }
  return url;
}

function wellKnownPath(resource: URL): string {
  return resource.pathname === '/' ? WELL_KNOWN : WELL_KNOWN + resource.pathname;
}

function urlList(name: string, value: unknown, min: number): string[] {
  if (!Array.isArray(value) || value.length < min) {
    throw new TypeError(`${FACTORY}: "${name}" must be an array of URLs (at least ${min}).`);
  }
  return value.map((item: unknown) => {
    const url = secureUrlOption(FACTORY, name, item);
    if (url.search !== '') {
      throw new TypeError(
        `${FACTORY}: "${name}" must hold issuer URLs without query (RFC 8414 §2).`,
      );
    }
    return item as string;
  });
}

function stringList(
  name: string,
  value: unknown,
  valid: (item: string) => boolean,
  hint: string,
): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`${FACTORY}: "${name}" must be a non-empty array; ${hint}`);
  }
  const items = value as unknown[];
  for (const item of items) {
    if (typeof item !== 'string' || !valid(item)) {
      throw new TypeError(`${FACTORY}: "${name}" has an invalid entry; ${hint}`);
    }
  }
  if (new Set(items).size !== items.length) {
    throw new TypeError(`${FACTORY}: "${name}" lists an entry twice.`);
  }
  return items as string[];
}

/** The profile of the `middleware` option, which then replaces `methods` and `dpopAlgorithms`. */
function fromMiddleware(
  o: Partial<ProtectedResourceMetadataOptions>,
): SenderConstraintProfile | undefined {
  if (o.middleware === undefined) return undefined;
  const profile = senderConstraintOf(o.middleware);
  if (profile === undefined) {
    throw new TypeError(
      `${FACTORY}: "middleware" must be a middleware made by requireSenderConstrainedToken().`,
    );
  }
  if (o.methods !== undefined || o.dpopAlgorithms !== undefined) {
    throw new TypeError(
      `${FACTORY}: "middleware" already says the methods and DPoP algorithms; remove "methods" and "dpopAlgorithms".`,
    );
  }
  return profile;
}

/**
 * Builds the document and its path once, from checked options.
 *
 * @throws {TypeError} on any invalid option.
 */
export function compileProtectedResourceMetadata(options: ProtectedResourceMetadataOptions): {
  readonly document: ProtectedResourceMetadata;
  readonly path: string;
  readonly maxAge: number;
} {
  const o = checkOptions(FACTORY, options, [
    'resource',
    'authorizationServers',
    'scopesSupported',
    'methods',
    'dpopAlgorithms',
    'jwksUri',
    'path',
    'maxAge',
    'middleware',
  ]);
  const described = fromMiddleware(o);
  const resource = resourceUrl(FACTORY, o.resource);
  const authorizationServers = urlList('authorizationServers', o.authorizationServers, 1);
  const scopes =
    o.scopesSupported === undefined
      ? undefined
      : stringList(
          'scopesSupported',
          o.scopesSupported,
          (s) => SCOPE_TOKEN.test(s),
          'each a scope token (RFC 6749 §3.3: printable ASCII without space, " or \\).',
        );
  const methods =
    o.methods === undefined
      ? (described?.methods ?? METHODS)
      : stringList(
          'methods',
          o.methods,
          (m) => (METHODS as readonly string[]).includes(m),
          'each "mtls" or "dpop".',
        );
  const dpop = methods.includes('dpop');
  const algorithms =
    o.dpopAlgorithms === undefined
      ? (described?.dpopAlgorithms ?? DEFAULT_DPOP_ALGORITHMS)
      : stringList(
          'dpopAlgorithms',
          o.dpopAlgorithms,
          (a) => DPOP_ALGORITHMS.includes(a),
          `each one of ${DPOP_ALGORITHMS.join(', ')} (asymmetric only).`,
        );
  if (o.dpopAlgorithms !== undefined && !dpop) {
    throw new TypeError(`${FACTORY}: "dpopAlgorithms" needs "dpop" in "methods".`);
  }
  if (o.jwksUri !== undefined) secureUrlOption(FACTORY, 'jwksUri', o.jwksUri);
  const jwksUri = o.jwksUri;
  const path: unknown = o.path ?? wellKnownPath(resource);
  if (
    typeof path !== 'string' ||
    !path.startsWith('/') ||
    path.startsWith('//') ||
    /[?#\s]/.test(path)
  ) {
    throw new TypeError(
      `${FACTORY}: "path" must be a path starting with "/", without query, fragment or spaces.`,
    );
  }
  const document: ProtectedResourceMetadata = {
    resource: o.resource as string,
    authorization_servers: authorizationServers,
    ...(jwksUri === undefined ? {} : { jwks_uri: jwksUri }),
    ...(scopes === undefined ? {} : { scopes_supported: scopes }),
    bearer_methods_supported: ['header'],
    tls_client_certificate_bound_access_tokens: methods.includes('mtls'),
    ...(dpop ? { dpop_signing_alg_values_supported: algorithms } : {}),
    dpop_bound_access_tokens_required:
      dpop && methods.length === 1 && described?.allowUnbound !== true,
  };
  return { document, path, maxAge: integerOption(FACTORY, 'maxAge', o.maxAge, 3600) };
}

/**
 * Serves the resource's RFC 9728 metadata document: `GET` and `HEAD` on
 * `/.well-known/oauth-protected-resource` (followed by the resource's path, §3) answer `200` with
 * the JSON below and `Cache-Control: public, max-age=3600`; any other method or path goes to
 * `next()`. Mount it with `app.use(...)` at the root of the app. Options are checked, and the
 * document built, once here.
 *
 * The document: `resource`, `authorization_servers`, `jwks_uri` (when given), `scopes_supported`
 * (when given), `bearer_methods_supported: ["header"]`,
 * `tls_client_certificate_bound_access_tokens` (true when `methods` includes `mtls`),
 * `dpop_signing_alg_values_supported` (when `methods` includes `dpop`) and
 * `dpop_bound_access_tokens_required` (true when `methods` is `['dpop']`).
 *
 * @example
 * ```ts
 * app.use(
 *   protectedResourceMetadata({
 *     resource: 'https://api.example.com',
 *     authorizationServers: ['https://as.example.com'],
 *     scopesSupported: ['accounts:read'],
 *   }),
 * );
 * ```
 * @throws {TypeError} on an unknown option; a `resource`, authorization server or `jwksUri` that
 * is not an absolute https: URL (http: only on loopback hosts) or has a fragment or credentials
 * (or, except `jwksUri`, a query); an empty or invalid list; an unknown method or a symmetric
 * algorithm; or a `path` that is not an absolute path.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9728#section-2 | RFC 9728 §2} (the fields)
 * @see {@link https://www.rfc-editor.org/rfc/rfc9728#section-3 | RFC 9728 §3} (the location)
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-5.1 | RFC 9449 §5.1}
 */
export function protectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): RequestHandler {
  const { document, path, maxAge } = compileProtectedResourceMetadata(options);
  const body = JSON.stringify(document);
  const cacheControl = `public, max-age=${maxAge}`;
  return function protectedResourceMetadataMiddleware(req, res, next) {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== path) {
      next();
      return;
    }
    res
      .status(200)
      .set({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': cacheControl })
      .send(body);
  };
}
