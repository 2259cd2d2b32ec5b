import type { ErrorRequestHandler } from 'express';
import { isMtlsError } from './errors';

/**
 * An Express error handler that renders {@link MtlsError}s: status, their headers (such as
 * `WWW-Authenticate`), `Cache-Control: no-store`, and the generic JSON body
 * (`{"error":…,"error_description":…}`). Other errors are passed on untouched.
 *
 * Mount it after your routes: `app.use(mtlsErrorHandler())`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3 | RFC 6750 §3}
 */
export function mtlsErrorHandler(): ErrorRequestHandler {
  return function mtlsErrorHandlerMiddleware(err: unknown, _req, res, next): void {
    if (!isMtlsError(err) || res.headersSent) {
      next(err);
      return;
    }
    res.status(err.status);
    res.set('Cache-Control', 'no-store');
    res.set(err.headers);
    res.json(err.body);
  };
}
