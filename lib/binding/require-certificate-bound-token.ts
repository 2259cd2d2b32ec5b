/**
 * `requireCertificateBoundToken()`: the resource-server middleware of RFC 8705 §3. A thin
 * adapter: it reads the request, calls the pure token decision (`token-decision.ts`), and
 * reports the result with `next(err)`, `req.auth` and diagnostics.
 *
 * @packageDocumentation
 */
import { startDebugOutput } from '../debug';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { decisionClock } from '../diagnostics';
import { clientCertificateNotMounted } from '../auth/mounted-check';
import { resolveBoundTokenOptions, type CertificateBoundTokenOptions } from './bound-token-options';
import { decideToken, type TokenDecisionSettings } from './token-decision';
import { readTokenRequest, tokenReporter } from './token-report';
import { tokenErrors } from './token-errors';

const FACTORY = 'requireCertificateBoundToken()';
const FACTORY_NAME = 'requireCertificateBoundToken';
const NO_PARSER = `${FACTORY}: allowBodyToken is on but no body parser ran for a form request (it had no body, so it was answered as one without a body token). Mount express.urlencoded() before requireCertificateBoundToken().`;
const NOT_PARSED = `${FACTORY}: allowBodyToken is on but the form body was not parsed. Mount express.urlencoded() before requireCertificateBoundToken().`;

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
  const resolved = resolveBoundTokenOptions(options);
  const { mode, realm } = resolved;
  const settings: TokenDecisionSettings = {
    ...resolved,
    errors: tokenErrors({ realm }),
    schemes: ['bearer'],
    understood: ['x5t#S256'],
    methods: ['mtls'],
    notParsedMessage: NOT_PARSED,
  };
  const report = tokenReporter({
    middleware: FACTORY_NAME,
    mode,
    realm,
    noParserMessage: NO_PARSER,
    accepted: (req, _res, { token, payload, thumbprint }) => {
      req.auth = { token, payload, thumbprint };
    },
  });

  return function requireCertificateBoundTokenMiddleware(
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    const started = decisionClock();
    const unmounted = clientCertificateNotMounted(req, FACTORY_NAME);
    if (unmounted !== undefined) {
      report(req, res, next, started, { ok: false, error: unmounted });
      return;
    }
    const decision = decideToken(readTokenRequest(req, resolved.allowQueryToken), settings);
    if (decision instanceof Promise) {
      decision.then(
        (settled) => {
          report(req, res, next, started, settled);
        },
        (error: unknown) => {
          next(error);
        },
      );
    } else {
      report(req, res, next, started, decision);
    }
  };
}
