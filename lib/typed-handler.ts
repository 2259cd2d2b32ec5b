/**
 * Route handlers that receive the request as the middleware before them left it: after
 * `requireClientCertificate()`, `req.clientCertAuth` is set, after
 * `requireCertificateBoundToken()`, `req.auth` is — typed so, with no `!` and no `?.`.
 *
 * @packageDocumentation
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MisconfiguredError } from './errors';
import type { CertificateBoundAuth, ClientCertificateAuthentication } from './request-types';

/** A request that `requireClientCertificate()` accepted. */
export type ClientCertificateRequest = Request & {
  readonly clientCertAuth: ClientCertificateAuthentication;
};

/** A request that `requireCertificateBoundToken()` accepted. */
export type CertificateBoundRequest = Request & { readonly auth: CertificateBoundAuth };

/** A handler of such a request; it may return a promise (a rejection goes to `next`). */
export type TypedHandler<R extends Request> = (
  req: R,
  res: Response,
  next: NextFunction,
) => unknown;

const SOURCES = {
  clientCertAuth: 'requireClientCertificate()',
  auth: 'requireCertificateBoundToken()',
} as const;

function typed<R extends Request>(
  field: keyof typeof SOURCES,
  handler: TypedHandler<R>,
): RequestHandler {
  if (typeof handler !== 'function') {
    throw new TypeError(`express-mtls: pass a route handler function (req, res, next) => …`);
  }
  return function typedHandler(req, res, next): void {
    if (req[field] === undefined) {
      next(
        new MisconfiguredError(
          `req.${field} is not set: mount ${SOURCES[field]} before this handler (on the same ` +
            `route or app.use() before it)`,
        ),
      );
      return;
    }
    let result: unknown;
    try {
      result = handler(req as R, res, next);
    } catch (error) {
      next(error);
      return;
    }
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, (error: unknown) => {
        next(error);
      });
    }
  };
}

/**
 * A route handler that runs only after `requireClientCertificate()` accepted the request, with
 * `req.clientCertAuth` typed as set. Reached without it (a wiring mistake), the request fails
 * closed with `500 ERR_MTLS_MISCONFIGURED` and the handler does not run.
 *
 * @example
 * app.get('/hello', withClientCertAuth((req, res) => {
 *   res.json({ subject: req.clientCertAuth.certificate.subject });
 * }));
 */
export function withClientCertAuth(
  handler: TypedHandler<ClientCertificateRequest>,
): RequestHandler {
  return typed('clientCertAuth', handler);
}

/**
 * A route handler that runs only after `requireCertificateBoundToken()` accepted the token, with
 * `req.auth` typed as set. Reached without it, the request fails closed with
 * `500 ERR_MTLS_MISCONFIGURED` and the handler does not run.
 *
 * @example
 * app.get('/payments', withAuth((req, res) => {
 *   res.json({ client: req.auth.payload.client_id });
 * }));
 */
export function withAuth(handler: TypedHandler<CertificateBoundRequest>): RequestHandler {
  return typed('auth', handler);
}
