/**
 * A resource server on Express that accepts only sender-constrained access tokens:
 * `clientCertificate()` reads the client certificate, `requireCertificateBoundToken()` verifies
 * the JWT against the token server's JWKS and checks `cnf["x5t#S256"]` against the certificate
 * (RFC 8705 §3) — or, with the `dpop` option, `requireSenderConstrainedToken()` accepts tokens
 * bound by mTLS or by DPoP (`cnf.jkt`, RFC 9449 §7) — and `requireScopes()` guards each route.
 *
 * A sample: in your own code import from `'express-mtls'` instead of `'../../lib'`.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import {
  clientCertificate,
  mtlsErrorHandler,
  requireCertificateBoundToken,
  requireScopes,
  requireSenderConstrainedToken,
  type ClientCertificateOptions,
  type DpopOptions,
  type JwksOptions,
} from '../../lib';

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** The token server's issuer identifier. Required. */
  readonly issuer: string;
  /** This API's identifier, expected in the tokens' `aud`. Required. */
  readonly audience: string;
  /** The token server's JWKS URL (https:, or http: on loopback). Required. */
  readonly jwksUri: string;
  /** JWKS fetching options, for example an `https.Agent` with a private `ca`. Default: none. */
  readonly jwksOptions?: JwksOptions | undefined;
  /**
   * How the client certificate reaches the app: `clientCertificate()` options, for example
   * `{ format: 'nginx', trustProxy: '127.0.0.1' }` behind nginx. Default: `{}` (Node's own TLS
   * socket).
   */
  readonly certificate?: ClientCertificateOptions | undefined;
  /**
   * Accept DPoP-bound tokens too (`requireSenderConstrainedToken()` with these DPoP options:
   * `publicUrl`, `replay`, `nonce`, …). Default: mTLS-bound tokens only
   * (`requireCertificateBoundToken()`).
   */
  readonly dpop?: DpopOptions | undefined;
}

/** A payment of the sample's in-memory store. */
export interface Payment {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly client_id: string;
}

const CURRENCY = /^[A-Z]{3}$/;

/** Renders the JSON body parser's client errors (malformed or too large) as `invalid_request`. */
function bodyErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && !res.headersSent) {
    res.status(status).json({ error: 'invalid_request', error_description: 'unreadable body' });
    return;
  }
  next(err);
}

/**
 * Creates the API: an Express app (or the routes added to `app`) with
 *
 * - `GET /health`: no authentication;
 * - `GET /payments` (scope `payments:read`): the caller's payments, its `client_id`, how its
 *   token is bound (`binding`: `mtls` or `dpop`) and the thumbprint it is bound to (`bound_to`:
 *   the certificate's `x5t#S256`, or the DPoP key's `jkt`);
 * - `POST /payments` (scope `payments:write`): records `{ amount, currency }` (JSON), `201`.
 *
 * Every `/payments` request needs a JWT access token (`typ: at+jwt`) from `issuer` for
 * `audience`, bound to the client certificate of the request. Failures are rendered by
 * `mtlsErrorHandler()`: `401 invalid_token` with `WWW-Authenticate` for a missing certificate or
 * another certificate, `403 insufficient_scope`, `400 invalid_request` for a bad payment.
 *
 * @param options - see {@link ApiOptions}.
 * @param app - the app to add the routes to. Default: a new `express()` app.
 * @throws {TypeError} on invalid options (from the library's factories).
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3}
 */
export function createApi(options: ApiOptions, app: Express = express()): Express {
  const given: unknown = options;
  if (typeof given !== 'object' || given === null) {
    throw new TypeError('createApi(): pass an options object.');
  }
  const payments: Payment[] = [];
  const verification = {
    issuer: options.issuer,
    audience: options.audience,
    jwksUri: options.jwksUri,
    jwksOptions: options.jwksOptions,
    typ: 'at+jwt',
  };
  const boundTokens =
    options.dpop === undefined
      ? requireCertificateBoundToken(verification)
      : requireSenderConstrainedToken({ ...verification, dpop: options.dpop });

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const router = express.Router();
  router.use(clientCertificate(options.certificate), boundTokens);
  router.get('/', requireScopes('payments:read'), (req: Request, res: Response) => {
    const clientId = String(req.auth?.payload.client_id);
    res.json({
      client_id: clientId,
      binding: req.auth?.binding ?? 'mtls',
      bound_to: req.auth?.binding === 'dpop' ? req.auth.jkt : req.auth?.thumbprint,
      payments: payments.filter((p) => p.client_id === clientId),
    });
  });
  router.post(
    '/',
    requireScopes('payments:write'),
    express.json({ limit: '4kb' }),
    (req: Request, res: Response) => {
      const body = (req.body ?? {}) as Partial<Record<string, unknown>>;
      const { amount, currency } = body;
      if (
        typeof amount !== 'number' ||
        !Number.isFinite(amount) ||
        amount <= 0 ||
        typeof currency !== 'string' ||
        !CURRENCY.test(currency)
      ) {
        res.status(400).json({
          error: 'invalid_request',
          error_description: 'send {"amount": <positive number>, "currency": "<ISO 4217 code>"}',
        });
        return;
      }
      const payment: Payment = {
        id: randomUUID(),
        amount,
        currency,
        client_id: String(req.auth?.payload.client_id),
      };
      payments.push(payment);
      res.status(201).json(payment);
    },
  );
  app.use('/payments', router);
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(mtlsErrorHandler(), bodyErrorHandler);
  return app;
}
