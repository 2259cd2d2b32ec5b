/**
 * What the adapters that read `req.body` need to know about it: whether the request carries a
 * body at all, and whether a body parser ran. Express 4 (body-parser 1) sets `req.body` to `{}`
 * for every request; Express 5 (body-parser 2) leaves it `undefined` when the request has no body,
 * but still creates the property. So a request without a body is a client's affair (there is no
 * parameter in it: a 4xx), while a body nobody parsed is the operator's (a 500); a parser that
 * never ran at all is still noticed on body-less requests, by a warning (`MTLS_NO_BODY_PARSER`).
 */
import type { IncomingMessage } from 'node:http';

/**
 * Whether the request carries body octets: with neither `Transfer-Encoding` nor a non-zero
 * `Content-Length` it has none.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9112#section-6.3 | RFC 9112 §6.3}
 */
export function hasRequestBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (
    req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0)
  );
}

/**
 * Whether a body parser ran for `req`: body-parser 1 sets `req.body`, body-parser 2 creates the
 * property even when it leaves it `undefined`. Neither Node nor Express defines it otherwise.
 */
export function bodyParserRan(req: IncomingMessage): boolean {
  return 'body' in req;
}
