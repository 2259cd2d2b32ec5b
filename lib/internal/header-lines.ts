import type { IncomingHttpHeaders } from 'node:http';

/**
 * Header names for which Node does not join repeated lines with `, ` (it keeps the first, or
 * joins cookies with `; `): their repetitions are only visible in `rawHeaders`.
 */
const NOT_COMMA_JOINED = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'cookie',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'set-cookie',
  'user-agent',
]);

/**
 * The separate field lines of header `name` (lower case), or `undefined` when absent. Node joins
 * repeated lines with `, `, so `req.headers` alone cannot tell one line from two: when the joined
 * value contains a comma, the lines are recovered from `req.rawHeaders`. Values without a comma —
 * the common case — cost one property read.
 *
 * @see {@link https://nodejs.org/api/http.html#messageheaders | Node: message.headers}
 */
export function headerLines(
  req: { readonly headers: IncomingHttpHeaders; readonly rawHeaders: readonly string[] },
  name: string,
): readonly string[] | undefined {
  const joined = req.headers[name];
  if (joined === undefined) return undefined;
  if (typeof joined === 'string' && !joined.includes(',') && !NOT_COMMA_JOINED.has(name)) {
    return [joined];
  }
  const lines: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i] as string;
    if (key.length === name.length && key.toLowerCase() === name) lines.push(raw[i + 1] as string);
  }
  if (lines.length === 0) return typeof joined === 'string' ? [joined] : joined;
  return lines;
}
