/**
 * A small OAuth 2.0 authorization server on Express that issues sender-constrained access tokens:
 * the client credentials grant, `tls_client_auth` and `self_signed_tls_client_auth` client
 * authentication, RFC 9068 JWT access tokens bound to the client certificate (`cnf["x5t#S256"]`,
 * RFC 8705) or, when the token request carries a DPoP proof, to the proof's key (`cnf.jkt`,
 * RFC 9449 §5), a JWKS endpoint and RFC 8414 metadata with `mtls_endpoint_aliases`.
 *
 * A sample, not a product: clients are a static list, there is no consent, no refresh token and
 * no key rotation. In your own code import from `'express-mtls'` instead of `'../../lib'`.
 *
 * @packageDocumentation
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import jwt from 'jsonwebtoken';
import {
  clientCertificate,
  confirmationClaim,
  mtlsClientAuthentication,
  mtlsErrorHandler,
  memoryReplayStore,
  mtlsMetadata,
  type CertificateInput,
  type ClientCertificateOptions,
  type MtlsClientAuthenticationMethod,
  type OAuthClientMetadata,
  type ReplayStore,
} from '../../lib';
import {
  checkTokenEndpointProof,
  DpopProofError,
  TOKEN_ENDPOINT_DPOP_ALGORITHMS,
} from './dpop-proof';
import { TokenError, tokenErrorHandler } from './oauth-error';
import { loadSigningKey, type SigningKey } from './signing-key';

/** A registered client: RFC 7591 metadata with its `client_id`. */
export interface TokenServerClient extends OAuthClientMetadata {
  readonly client_id: string;
  /** `tls_client_auth` or `self_signed_tls_client_auth`. */
  readonly token_endpoint_auth_method: MtlsClientAuthenticationMethod;
  /** The scopes the client may obtain, space-separated (RFC 7591 §2). Default: none. */
  readonly scope?: string | undefined;
  /** The grants the client may use (RFC 7591 §2). Default: `['client_credentials']`. */
  readonly grant_types?: readonly string[] | undefined;
}

/** Options of {@link createTokenServer}. */
export interface TokenServerOptions {
  /** The issuer identifier (`iss`), also the base of the main host's URLs. Required. */
  readonly issuer: string;
  /**
   * The base URL of the host that requests client certificates, for `mtls_endpoint_aliases`
   * (RFC 8705 §5). Required.
   */
  readonly mtlsBaseUrl: string;
  /** The registered clients. Required, at least one. */
  readonly clients: readonly TokenServerClient[];
  /** The private signing key: RSA ≥ 2048 bits (RS256) or EC P-256 (ES256). Required. */
  readonly signingKey: string | Buffer | KeyObject;
  /** The `aud` of the access tokens: the resource server(s). Required. */
  readonly audience: string | readonly string[];
  /** CAs that issue `tls_client_auth` certificates. Required when a client uses that method. */
  readonly trustAnchors?: readonly CertificateInput[] | undefined;
  /** Untrusted intermediates used to build paths. Default: none. */
  readonly intermediates?: readonly CertificateInput[] | undefined;
  /** Seconds an access token is valid. Default: `300`. */
  readonly accessTokenLifetime?: number | undefined;
  /**
   * How the client certificate reaches the app: `clientCertificate()` options, for example
   * `{ format: 'nginx', trustProxy: '127.0.0.1' }` behind nginx. Default: `{}` (Node's own TLS
   * socket).
   */
  readonly certificate?: ClientCertificateOptions | undefined;
  /**
   * Where the `jti`s of the token endpoint's DPoP proofs are remembered. Default:
   * `memoryReplayStore()` (one process).
   */
  readonly dpopReplay?: ReplayStore | undefined;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const KNOWN_OPTIONS = new Set([
  'issuer',
  'mtlsBaseUrl',
  'clients',
  'signingKey',
  'audience',
  'trustAnchors',
  'intermediates',
  'accessTokenLifetime',
  'certificate',
  'dpopReplay',
]);
const MTLS_METHODS: readonly string[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

interface CheckedOptions {
  readonly issuer: string;
  readonly clients: ReadonlyMap<string, TokenServerClient>;
  readonly signingKey: SigningKey;
  readonly audience: string | string[];
  readonly lifetime: number;
  readonly methods: readonly MtlsClientAuthenticationMethod[];
}

function parseScope(value: string): string[] {
  return value.split(' ');
}

function checkOptions(options: TokenServerOptions): CheckedOptions {
  const given: unknown = options;
  if (typeof given !== 'object' || given === null) {
    throw new TypeError('createTokenServer(): pass an options object.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new TypeError(`createTokenServer(): unknown option "${key}".`);
    }
  }
  for (const name of ['issuer', 'mtlsBaseUrl'] as const) {
    if (typeof options[name] !== 'string' || !URL.canParse(options[name])) {
      throw new TypeError(`createTokenServer(): "${name}" must be an absolute URL.`);
    }
  }
  const audience: unknown = options.audience;
  if (
    !(typeof audience === 'string' && audience !== '') &&
    !(
      Array.isArray(audience) &&
      audience.length > 0 &&
      audience.every((a) => typeof a === 'string' && a !== '')
    )
  ) {
    throw new TypeError('createTokenServer(): "audience" must be a string or a non-empty array.');
  }
  const lifetime = options.accessTokenLifetime ?? 300;
  if (!Number.isInteger(lifetime) || lifetime < 1) {
    throw new TypeError('createTokenServer(): "accessTokenLifetime" must be a positive integer.');
  }
  const list: unknown = options.clients;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError('createTokenServer(): "clients" must be a non-empty array.');
  }
  const clients = new Map<string, TokenServerClient>();
  for (const client of list as TokenServerClient[]) {
    const id: unknown = client.client_id;
    if (typeof id !== 'string' || id === '' || clients.has(id)) {
      throw new TypeError('createTokenServer(): each client needs its own non-empty "client_id".');
    }
    if (!MTLS_METHODS.includes(client.token_endpoint_auth_method)) {
      throw new TypeError(
        `createTokenServer(): client "${id}": token_endpoint_auth_method must be "tls_client_auth" or "self_signed_tls_client_auth".`,
      );
    }
    if (client.scope !== undefined && !parseScope(client.scope).every((s) => SCOPE_TOKEN.test(s))) {
      throw new TypeError(
        `createTokenServer(): client "${id}": "scope" must be space-separated scope tokens.`,
      );
    }
    clients.set(id, client);
  }
  const used = new Set([...clients.values()].map((c) => c.token_endpoint_auth_method));
  if (used.has('tls_client_auth') && options.trustAnchors === undefined) {
    throw new TypeError(
      'createTokenServer(): "trustAnchors" (the CA of your clients) is required for tls_client_auth clients.',
    );
  }
  return {
    issuer: options.issuer,
    clients,
    signingKey: loadSigningKey(options.signingKey),
    audience: typeof audience === 'string' ? audience : [...(audience as string[])],
    lifetime,
    methods: MTLS_METHODS.filter((m) =>
      used.has(m as MtlsClientAuthenticationMethod),
    ) as MtlsClientAuthenticationMethod[],
  };
}

function urlOn(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/**
 * Creates the token server: an Express app (or the routes added to `app`) with
 *
 * - `POST /token`: the client credentials grant (RFC 6749 §4.4), form-encoded; the client
 *   authenticates with its certificate (`mtlsClientAuthentication()`, RFC 8705 §2), and gets an
 *   RFC 9068 JWT access token (`typ: at+jwt`) bound to that certificate (`cnf["x5t#S256"]`,
 *   RFC 8705 §3.1) with `iss`, `sub`, `aud`, `client_id`, `scope`, `jti`, `iat` and `exp`; with
 *   a `DPoP` proof header (RFC 9449 §5), the token is bound to the proof's key instead
 *   (`cnf.jkt`) and `token_type` is `DPoP`;
 * - `GET /jwks`: the public signing key;
 * - `GET /.well-known/oauth-authorization-server`: RFC 8414 metadata with
 *   `tls_client_certificate_bound_access_tokens` and `mtls_endpoint_aliases` (`mtlsMetadata()`).
 *
 * Errors follow RFC 6749 §5.2: `invalid_request` (not a form, a repeated or missing parameter),
 * `unsupported_grant_type`, `unauthorized_client` (grant not registered for the client),
 * `invalid_scope`, `invalid_dpop_proof` (400), and `invalid_client` (401) for every client
 * authentication failure.
 *
 * @param options - see {@link TokenServerOptions}.
 * @param app - the app to add the routes to. Default: a new `express()` app.
 * @throws {TypeError} on invalid options.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705 | RFC 8705}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068 | RFC 9068}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-5 | RFC 9449 §5}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8414#section-2 | RFC 8414 §2}
 */
export function createTokenServer(options: TokenServerOptions, app: Express = express()): Express {
  const { issuer, clients, signingKey, audience, lifetime, methods } = checkOptions(options);
  const metadata = Object.freeze({
    issuer,
    token_endpoint: urlOn(issuer, '/token'),
    jwks_uri: urlOn(issuer, '/jwks'),
    grant_types_supported: ['client_credentials'],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: methods,
    scopes_supported: [
      ...new Set([...clients.values()].flatMap((c) => (c.scope ? parseScope(c.scope) : []))),
    ],
    ...mtlsMetadata({
      issuer,
      mtlsBaseUrl: options.mtlsBaseUrl,
      endpoints: { token_endpoint: '/token' },
    }),
    dpop_signing_alg_values_supported: TOKEN_ENDPOINT_DPOP_ALGORITHMS,
  });
  const tokenEndpoints = [urlOn(issuer, '/token'), urlOn(options.mtlsBaseUrl, '/token')];
  const dpopReplay = options.dpopReplay ?? memoryReplayStore();
  const jwks = Object.freeze({ keys: [signingKey.jwk] });

  app.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(metadata);
  });
  app.get('/jwks', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(jwks);
  });

  const checkRequest = (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.is('application/x-www-form-urlencoded')) {
      next(
        new TokenError(
          'invalid_request',
          'the token request must be application/x-www-form-urlencoded',
        ),
      );
      return;
    }
    const repeated = Object.entries((req.body ?? {}) as Record<string, unknown>).find(
      ([, value]) => typeof value !== 'string',
    );
    if (repeated !== undefined) {
      next(new TokenError('invalid_request', `parameter "${repeated[0]}" is repeated`));
      return;
    }
    const grantType = (req.body as Partial<Record<string, string>>).grant_type;
    if (grantType === undefined || grantType === '') {
      next(new TokenError('invalid_request', 'grant_type is required'));
    } else if (grantType !== 'client_credentials') {
      next(new TokenError('unsupported_grant_type', 'only client_credentials is supported'));
    } else {
      next();
    }
  };

  /** The `cnf` of the token: the proof's key with a DPoP header, else the certificate. */
  const confirmation = async (
    req: Request,
    certificate: Parameters<typeof confirmationClaim>[0],
  ): Promise<{ cnf: object; tokenType: 'Bearer' | 'DPoP' }> => {
    const proofs = req.headersDistinct.dpop;
    if (proofs === undefined) {
      return { cnf: confirmationClaim(certificate), tokenType: 'Bearer' };
    }
    const jkt = await checkTokenEndpointProof({
      proofs,
      method: req.method,
      endpoints: tokenEndpoints,
      replay: dpopReplay,
    });
    return { cnf: { jkt }, tokenType: 'DPoP' };
  };

  const issue = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const authenticated = req.oauthClient;
    const client = authenticated && clients.get(authenticated.clientId);
    if (authenticated === undefined || client === undefined) {
      // Unreachable with otherMethods: 'reject'; fail closed anyway.
      next(new TokenError('invalid_request', 'client authentication is required'));
      return;
    }
    if (!(client.grant_types ?? ['client_credentials']).includes('client_credentials')) {
      next(new TokenError('unauthorized_client', 'the client may not use client_credentials'));
      return;
    }
    const allowed = new Set(client.scope ? parseScope(client.scope) : []);
    const requested = (req.body as Partial<Record<string, string>>).scope;
    let granted = [...allowed];
    if (requested !== undefined && requested !== '') {
      granted = [...new Set(parseScope(requested))];
      if (!granted.every((scope) => SCOPE_TOKEN.test(scope) && allowed.has(scope))) {
        next(new TokenError('invalid_scope', 'the requested scope is not allowed for this client'));
        return;
      }
    }
    let bound: Awaited<ReturnType<typeof confirmation>>;
    try {
      bound = await confirmation(req, authenticated.certificate);
    } catch (error) {
      next(
        error instanceof DpopProofError
          ? new TokenError('invalid_dpop_proof', error.message)
          : error,
      );
      return;
    }
    const scope = granted.join(' ');
    const claims = {
      client_id: client.client_id,
      ...(scope === '' ? {} : { scope }),
      jti: randomUUID(),
      cnf: bound.cnf,
    };
    const accessToken = jwt.sign(claims, signingKey.privateKey, {
      algorithm: signingKey.alg,
      keyid: signingKey.kid,
      header: { alg: signingKey.alg, typ: 'at+jwt' },
      issuer,
      subject: client.client_id,
      audience,
      expiresIn: lifetime,
    });
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json({
      access_token: accessToken,
      token_type: bound.tokenType,
      expires_in: lifetime,
      ...(scope === '' ? {} : { scope }),
    });
  };

  const issueToken = (req: Request, res: Response, next: NextFunction): void => {
    issue(req, res, next).catch(next);
  };

  app.post(
    '/token',
    express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 32 }),
    checkRequest,
    clientCertificate(options.certificate),
    mtlsClientAuthentication({
      getClient: (clientId) => clients.get(clientId),
      trustAnchors: options.trustAnchors,
      intermediates: options.intermediates,
      methods,
      otherMethods: 'reject',
    }),
    issueToken,
  );
  app.all('/token', (_req: Request, _res: Response, next: NextFunction) => {
    next(new TokenError('invalid_request', 'use POST', 405, { Allow: 'POST' }));
  });
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(tokenErrorHandler(), mtlsErrorHandler());
  return app;
}
