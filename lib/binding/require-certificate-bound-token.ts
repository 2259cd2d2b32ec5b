/**
 * `requireCertificateBoundToken()`: the resource-server middleware of RFC 8705 §3. A thin
 * adapter: it reads the request, calls the pure extraction, verification and binding code, and
 * reports failures with `next(err)`.
 *
 * @packageDocumentation
 */
import { startDebugOutput } from '../debug';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DIAGNOSTICS_CHANNELS, decisionClock, publish, publishDecision } from '../diagnostics';
import {
  InvalidRequestError,
  InvalidTokenError,
  MisconfiguredError,
  TokenMissingError,
  UnavailableError,
  type TokenRejectionReason,
  type MtlsError,
} from '../errors';
import { warnOnce } from '../warnings';
import { bodyParserRan, hasRequestBody } from '../internal/request-body';
import { wasCertificateProcessed } from '../internal/request-state';
import { extractBearerToken, type BearerTokenLocation } from './bearer-token';
import { resolveBoundTokenOptions, type CertificateBoundTokenOptions } from './bound-token-options';
import { readConfirmation, thumbprintsEqual } from './confirmation';
import { setRequestRealm } from './request-realm';
import type { TokenVerification } from './token-verification';
import { escapeUntrusted } from '../internal/sanitize';

const FACTORY = 'requireCertificateBoundToken()';
const FACTORY_NAME = 'requireCertificateBoundToken';
const FORM = 'application/x-www-form-urlencoded';
const NO_LINES: readonly string[] = Object.freeze([]);
const NO_PARSER = `${FACTORY}: allowBodyToken is on but no body parser ran for a form request (it had no body, so it was answered as one without a body token). Mount express.urlencoded() before requireCertificateBoundToken().`;
const NOT_PARSED = `${FACTORY}: allowBodyToken is on but the form body was not parsed. Mount express.urlencoded() before requireCertificateBoundToken().`;

function authorizationLines(req: Request): readonly string[] {
  const value = req.headers.authorization;
  if (value === undefined) return NO_LINES;
  const raw = req.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count > 1 ? Array<string>(count).fill(value) : [value];
}

function ownParameter(container: unknown, name: string): unknown {
  const object = Object(container) as Record<string, unknown>;
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

function isFormRequest(req: Request): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  const type = req.headers['content-type'];
  return type?.split(';', 1)[0]?.trim().toLowerCase() === FORM;
}

/**
 * Requires a valid access token bound to the client certificate (RFC 8705 §3). Mount it after
 * `clientCertificate()`.
 *
 * The bearer token (RFC 6750: `Authorization` header; body and query only when enabled) is
 * verified as a JWT (`jwksUri`, `publicKey` or `secret`) or by RFC 7662 introspection
 * (`introspection`), and its `cnf["x5t#S256"]` is compared in constant time with
 * `req.clientCert.thumbprint`. On success `req.auth = { token, payload, thumbprint }`
 * (`thumbprint` is `undefined` for an unbound token admitted by `allowUnboundTokens`).
 *
 * Failures, through `next(err)`:
 * - no token → 401 `ERR_MTLS_TOKEN_MISSING`, `WWW-Authenticate: Bearer realm="…"`;
 * - a token sent twice or malformed `Bearer` credentials → 400 `ERR_MTLS_INVALID_REQUEST`;
 * - an invalid, expired, unbound or mismatched token → 401 `ERR_MTLS_INVALID_TOKEN` with
 *   `error="invalid_token"` and the precise `reason` (`malformed`, `signature`, `expired`,
 *   `not_yet_valid`, `issuer`, `audience`, `algorithm`, `type`, `claims`, `too_old`, `inactive`,
 *   `unbound`, `certificate_missing`, `binding_mismatch`);
 * - JWKS or introspection endpoint down, slow or answering garbage → 503 `ERR_MTLS_UNAVAILABLE`;
 * - `clientCertificate()` not mounted before it, or (with `allowBodyToken`) a form body that no
 *   parser read → 500 `ERR_MTLS_MISCONFIGURED`. A form request without a body (no
 *   `Content-Length`, Express 5 leaves `req.body` undefined) carries no body token: it goes on
 *   to the header and query, so it is a 401 when they have none either; if no body parser ran
 *   for it at all, the warning `MTLS_NO_BODY_PARSER` tells the operator, once.
 *
 * Each outcome is published on the `express-mtls:token` diagnostics channel (thumbprints and
 * reason; never the token).
 *
 * @example
 * ```ts
 * app.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
 * app.use(requireCertificateBoundToken({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   jwksUri: 'https://as.example.com/jwks',
 * }));
 * ```
 * @throws {TypeError} from the factory, on invalid or unsafe options.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750 | RFC 6750}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068 | RFC 9068}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7662 | RFC 7662}
 */
export function requireCertificateBoundToken(
  options?: CertificateBoundTokenOptions,
): RequestHandler {
  startDebugOutput();
  const { verifier, mode, realm, allowUnboundTokens, allowBodyToken, allowQueryToken } =
    resolveBoundTokenOptions(options);
  let warnedNoParser = false;

  function fail(
    req: Request,
    next: NextFunction,
    error: MtlsError,
    location: BearerTokenLocation | undefined,
    started: number,
    warm?: boolean,
  ): void {
    publishDecision(FACTORY_NAME, req, started, { error, warm });
    publish(DIAGNOSTICS_CHANNELS.token, () => ({
      outcome: error.status >= 500 ? 'error' : 'rejected',
      code: error.code,
      reason: error.reason,
      message: error.message,
      mode,
      location,
      certificateThumbprint: req.clientCert?.thumbprint,
    }));
    next(error);
  }

  function invalidToken(reason: TokenRejectionReason, detail: string): InvalidTokenError {
    return new InvalidTokenError(reason, {
      realm,
      message: `invalid access token: ${reason} (${detail})`,
    });
  }

  function finish(
    req: Request,
    next: NextFunction,
    token: string,
    location: BearerTokenLocation,
    result: TokenVerification,
    started: number,
    warm: boolean,
  ): void {
    if (result.status === 'unavailable') {
      fail(
        req,
        next,
        new UnavailableError(result.reason, { message: result.detail, cause: result.cause }),
        location,
        started,
        warm,
      );
      return;
    }
    if (result.status === 'invalid') {
      fail(req, next, invalidToken(result.reason, result.detail), location, started, warm);
      return;
    }
    const { payload } = result;
    const confirmation = readConfirmation(payload.cnf);
    let bound: string | undefined;
    if (confirmation.kind === 'refused') {
      fail(
        req,
        next,
        invalidToken(confirmation.reason, confirmation.detail),
        location,
        started,
        warm,
      );
      return;
    }
    if (confirmation.kind === 'none') {
      if (!allowUnboundTokens) {
        const detail = 'no cnf claim; certificate-bound tokens are required';
        fail(req, next, invalidToken('unbound', detail), location, started, warm);
        return;
      }
    } else {
      const certificate = req.clientCert;
      if (certificate === undefined) {
        const detail = 'the token is certificate-bound, no client certificate was presented';
        fail(req, next, invalidToken('certificate_missing', detail), location, started, warm);
        return;
      }
      if (!thumbprintsEqual(confirmation.thumbprint, certificate.thumbprint)) {
        const detail = `token bound to ${confirmation.thumbprint}, certificate ${certificate.thumbprint}`;
        fail(req, next, invalidToken('binding_mismatch', detail), location, started, warm);
        return;
      }
      bound = confirmation.thumbprint;
    }
    req.auth = { token, payload, thumbprint: bound };
    setRequestRealm(req, realm);
    publishDecision(FACTORY_NAME, req, started, {
      warm,
      authenticated: bound !== undefined,
      clientId: payload.client_id,
      subject: payload.sub,
    });
    publish(DIAGNOSTICS_CHANNELS.token, () => ({
      outcome: 'accepted',
      mode,
      location,
      certificateThumbprint: req.clientCert?.thumbprint,
      boundThumbprint: bound,
      clientId: escapeUntrusted(payload.client_id),
      subject: escapeUntrusted(payload.sub),
    }));
    next();
  }

  return function requireCertificateBoundTokenMiddleware(
    req: Request,
    _res: Response,
    next: NextFunction,
  ): void {
    const started = decisionClock();
    if (!wasCertificateProcessed(req)) {
      fail(
        req,
        next,
        new MisconfiguredError(
          `${FACTORY}: clientCertificate() did not run for this request. Mount clientCertificate() before requireCertificateBoundToken(); without it a missing certificate cannot be told from a missing middleware.`,
        ),
        undefined,
        started,
      );
      return;
    }
    let body: unknown;
    if (allowBodyToken && isFormRequest(req)) {
      const parsed: unknown = req.body;
      if (parsed !== undefined) {
        body = ownParameter(parsed, 'access_token');
      } else if (hasRequestBody(req)) {
        fail(req, next, new MisconfiguredError(NOT_PARSED), undefined, started);
        return;
      } else if (!warnedNoParser && !bodyParserRan(req)) {
        warnedNoParser = true;
        warnOnce('MTLS_NO_BODY_PARSER', NO_PARSER);
      }
    }
    const extraction = extractBearerToken({
      authorization: authorizationLines(req),
      body,
      query: allowQueryToken ? ownParameter(req.query, 'access_token') : undefined,
    });
    if (extraction.kind === 'missing') {
      fail(req, next, new TokenMissingError({ realm }), undefined, started);
      return;
    }
    if (extraction.kind === 'invalid') {
      fail(
        req,
        next,
        new InvalidRequestError(extraction.description, { realm }),
        undefined,
        started,
      );
      return;
    }
    const { token, location } = extraction;
    const result = verifier.verify(token);
    if (result instanceof Promise) {
      result.then(
        (outcome) => {
          finish(req, next, token, location, outcome, started, false);
        },
        (error: unknown) => {
          next(error);
        },
      );
    } else {
      finish(req, next, token, location, result, started, true);
    }
  };
}
