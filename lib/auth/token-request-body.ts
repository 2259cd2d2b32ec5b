/**
 * The parsed body of a token request, for `mtlsClientAuthentication()`: a form or JSON body
 * nobody parsed is the operator's mistake (500); a request without a body is the client's
 * (no parameters), with one warning when no body parser ran at all.
 *
 * @packageDocumentation
 */
import type { Request } from 'express';
import { MisconfiguredError } from '../errors';
import { accept, reject, type Decision } from '../decision';
import { bodyParserRan, hasRequestBody } from '../internal/request-body';
import { warnOnce } from '../warnings';

const BODY_TYPES = ['application/x-www-form-urlencoded', 'application/json', '+json'];

/** Whether this middleware instance has warned about a missing body parser. */
export interface BodyParserWarning {
  warned: boolean;
}

/**
 * The parsed body (`undefined` when the request has none), or a `MisconfiguredError` naming the
 * body parser to mount before `factory`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9112#section-6.3 | RFC 9112 §6.3}
 */
export function parsedBody(
  req: Request,
  factory: string,
  state: BodyParserWarning,
): Decision<Readonly<Record<string, unknown>> | undefined, MisconfiguredError> {
  const body: unknown = req.body;
  const usable = body !== null && typeof body === 'object' && !Buffer.isBuffer(body);
  if (usable) return accept(body as Readonly<Record<string, unknown>>);
  const fix = `Mount express.urlencoded({ extended: false }) or express.json() before ${factory}().`;
  if (hasRequestBody(req)) {
    if (typeof req.is(BODY_TYPES) === 'string') {
      return reject(
        new MisconfiguredError(
          `${factory}: the request has a form or JSON body but req.body was not parsed. ${fix}`,
        ),
      );
    }
  } else if (!state.warned && !bodyParserRan(req)) {
    state.warned = true;
    warnOnce(
      'MTLS_NO_BODY_PARSER',
      `${factory}(): no body parser ran for a request (it had no body, so it was answered as one without client_id). ${fix}`,
    );
  }
  return accept(undefined);
}
