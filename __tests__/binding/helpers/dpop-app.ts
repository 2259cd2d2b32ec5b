import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import { mtlsErrorHandler } from '../../../lib/error-handler';
import type { MtlsError } from '../../../lib/errors';
import { certificateFront } from './app';

/** The `algs` parameter of every DPoP challenge with the default algorithms. */
export const DPOP_ALGS = 'algs="ES256 PS256 EdDSA"';

/** The challenge of a refused proof when both schemes are accepted: the error on DPoP only. */
export const PROOF_CHALLENGE = new RegExp(
  `^Bearer realm="api", DPoP realm="api", error="invalid_dpop_proof", error_description="[^"]+", ${DPOP_ALGS}$`,
);

/** A resource server under test, and the errors its middlewares passed to `next(err)`. */
export interface SenderConstrainedApi {
  readonly app: Express;
  readonly errors: MtlsError[];
}

/**
 * A resource server for sender-constrained tokens: `front` (default: clientCertificate()), then
 * `middleware` (the token check), then `/resource` and `/other` answering `req.auth` as JSON,
 * then a recorder of errors and mtlsErrorHandler().
 */
export function senderConstrainedApi(
  makeApp: () => Express,
  middleware: RequestHandler,
  front: RequestHandler[] = [certificateFront()],
): SenderConstrainedApi {
  const errors: MtlsError[] = [];
  const app = makeApp();
  if (front.length > 0) app.use(...front);
  app.use(middleware);
  app.all(['/resource', '/other'], (req, res) => {
    res.json({ auth: req.auth });
  });
  const record: ErrorRequestHandler = (err, _req, _res, next) => {
    errors.push(err as MtlsError);
    next(err);
  };
  app.use(record, mtlsErrorHandler());
  return { app, errors };
}
