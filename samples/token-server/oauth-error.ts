/**
 * RFC 6749 §5.2 token endpoint errors of the sample token server, and the Express error handler
 * that renders them. Client authentication failures (`invalid_client`) come from the library as
 * `MtlsError`s and are rendered by `mtlsErrorHandler()`.
 *
 * @packageDocumentation
 */
import type { ErrorRequestHandler } from 'express';

/** The RFC 6749 §5.2 error codes this token server answers with (besides `invalid_client`). */
export type TokenErrorCode =
  | 'invalid_request'
  | 'unsupported_grant_type'
  | 'unauthorized_client'
  | 'invalid_scope'
  | 'invalid_dpop_proof';

/**
 * A token request the server refuses, other than a client authentication failure: answered
 * `400` (or `status`) with `{"error": code, "error_description": description}`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly error: TokenErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    error: TokenErrorCode,
    description: string,
    status = 400,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
    this.error = error;
    this.status = status;
    this.headers = headers;
  }
}

/** Errors thrown by Express's body parsers carry these. */
interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
}

function isBodyParserError(err: unknown): err is Error & BodyParserError {
  return (
    err instanceof Error &&
    typeof (err as BodyParserError).type === 'string' &&
    typeof (err as BodyParserError).status === 'number'
  );
}

/**
 * Renders {@link TokenError}s, and the body parser's errors as `invalid_request`, with
 * `Cache-Control: no-store` (RFC 6749 §5.1). Anything else is passed on.
 */
export function tokenErrorHandler(): ErrorRequestHandler {
  return function tokenErrorHandlerMiddleware(err: unknown, _req, res, next): void {
    let error: TokenError;
    if (err instanceof TokenError) {
      error = err;
    } else if (isBodyParserError(err)) {
      error = new TokenError('invalid_request', 'the request body cannot be read');
    } else {
      next(err);
      return;
    }
    res
      .status(error.status)
      .set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', ...error.headers })
      .json({ error: error.error, error_description: error.message });
  };
}
