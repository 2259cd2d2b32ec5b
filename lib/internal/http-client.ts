/**
 * The one outbound HTTP client of the library (JWKS, token introspection, client `jwks_uri`,
 * OCSP and CRL downloads): node:http / node:https, one request, no redirects, a total deadline, a
 * streamed size cap, and one error class whose `kind` says what failed. No Express.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9110#section-15.4 | RFC 9110 §15.4} (3xx: not followed)
 * @packageDocumentation
 */
import {
  request as httpRequest,
  type Agent as HttpAgent,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { describeUntrusted } from './sanitize';

/**
 * Why an outbound request failed:
 * - `invalid_url`: not an absolute `http:` or `https:` URL (nothing was sent);
 * - `network`: no connection, TLS failure, a reset or a close before the whole answer;
 * - `timeout`: the answer was not complete within the deadline, or the caller's signal aborted;
 * - `redirect`: a 3xx answer (redirects are never followed, to any host);
 * - `status`: any other status than the expected one;
 * - `too_large`: the body (declared or streamed) exceeds the size cap;
 * - `content_type`: the `content-type` hook refused the answer.
 */
export type HttpFailureKind =
  'invalid_url' | 'network' | 'timeout' | 'redirect' | 'status' | 'too_large' | 'content_type';

/** An outbound request failed; the one error of {@link fetchBounded}. */
export class HttpClientError extends Error {
  override readonly name = 'HttpClientError';
  readonly kind: HttpFailureKind;
  /** What went wrong without the URL, for a message that names the dependency itself. */
  readonly detail: string;
  /** The answer's status, for `redirect` and `status`. */
  readonly status: number | undefined;

  /**
   * @param detail - The failure without the URL; also the message unless `options.message`.
   */
  constructor(
    kind: HttpFailureKind,
    detail: string,
    options: { readonly message?: string; readonly status?: number; readonly cause?: unknown } = {},
  ) {
    super(options.message ?? detail, 'cause' in options ? { cause: options.cause } : undefined);
    this.kind = kind;
    this.detail = detail;
    this.status = options.status;
  }
}

/** One bounded request. */
export interface BoundedRequest {
  /** An absolute `http:` or `https:` URL. */
  readonly url: string | URL;
  /** Default `GET`. */
  readonly method?: 'GET' | 'POST' | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The request body (POST); its `content-length` is set from it. */
  readonly body?: Uint8Array | string | undefined;
  /**
   * The agent of the request: how TLS settings (a private `ca`, a client certificate and key for
   * mutual TLS) and connection reuse are given. Default: Node's global agent.
   */
  readonly agent?: HttpAgent | HttpsAgent | undefined;
  /** Milliseconds for the whole exchange, connection to last body byte (`timeout`). */
  readonly timeoutMs?: number | undefined;
  /** The caller's own deadline: its abort fails the request as `timeout`. */
  readonly signal?: AbortSignal | undefined;
  /** The largest body accepted, in bytes (`too_large`, announced or streamed). */
  readonly maxBytes: number;
  /** The only status accepted. Default: any 2xx. */
  readonly expectStatus?: number | undefined;
  /** Decides on the answer's `content-type` (absent: `undefined`) before its body is read. */
  readonly acceptContentType?: ((contentType: string | undefined) => boolean) | undefined;
}

/** A successful answer, its whole body read. */
export interface BoundedResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function parseUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch (error) {
    throw new HttpClientError('invalid_url', `invalid URL ${String(url)}`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HttpClientError('invalid_url', `unsupported URL scheme ${parsed.protocol}`);
  }
  return parsed;
}

/**
 * Sends one request and reads its whole answer, within bounds. Redirects are not followed; the
 * status must be `expectStatus` (default: 2xx); the body may not exceed `maxBytes`; `timeoutMs`
 * and `signal` bound the whole exchange. On any failure the socket is destroyed at once (never
 * drained, never returned to the agent) and the promise rejects with an {@link HttpClientError}.
 *
 * @throws {HttpClientError} (as a rejection) for every failure of the exchange.
 * @throws {Error} (as a rejection) what Node's `request()` throws before anything is sent, as it
 *   is: a broken agent, or an agent or header Node refuses, is a configuration error for the
 *   caller to report, not an outage of the server.
 */
export function fetchBounded(request: BoundedRequest): Promise<BoundedResponse> {
  return new Promise<BoundedResponse>((resolve, reject) => {
    const url = parseUrl(request.url);
    const { origin } = url;
    const { maxBytes, signal, timeoutMs } = request;
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(request.body));
    }
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const fail = (error: HttpClientError): void => {
      if (!finish()) return;
      req?.destroy();
      reject(error);
    };
    const tooLarge = (): HttpClientError =>
      new HttpClientError('too_large', `answer larger than ${maxBytes} bytes`, {
        message: `response larger than ${maxBytes} bytes`,
      });
    const network = (error: Error): HttpClientError =>
      new HttpClientError('network', error.message, {
        message: `request to ${origin} failed: ${error.message}`,
        cause: error,
      });
    function onAbort(): void {
      fail(new HttpClientError('timeout', 'aborted', { message: `request to ${origin} aborted` }));
    }

    let req: ReturnType<typeof httpRequest> | undefined;
    if (signal?.aborted === true) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort);
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        fail(
          new HttpClientError('timeout', `no answer within ${timeoutMs} ms`, {
            message: `no answer from ${origin} within ${timeoutMs} ms`,
          }),
        );
      }, timeoutMs);
      timer.unref();
    }
    try {
      req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: request.method ?? 'GET',
        headers,
        ...(request.agent === undefined ? {} : { agent: request.agent }),
      });
    } catch (error) {
      finish();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as it is
      reject(error);
      return;
    }
    req.on('error', (error) => {
      fail(network(error));
    });
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode as number;
      const accepted =
        request.expectStatus === undefined
          ? status >= 200 && status <= 299
          : status === request.expectStatus;
      if (!accepted) {
        const redirect = status >= 300 && status <= 399;
        const note = redirect ? ' (redirects are not followed)' : '';
        fail(
          new HttpClientError(redirect ? 'redirect' : 'status', `answered HTTP ${status}${note}`, {
            message: `HTTP ${status} from ${origin}${note}`,
            status,
          }),
        );
        return;
      }
      const contentType = res.headers['content-type'];
      if (request.acceptContentType?.(contentType) === false) {
        const detail = `unexpected content-type ${describeUntrusted(contentType, 64)}`;
        fail(new HttpClientError('content_type', detail, { message: `${detail} from ${origin}` }));
        return;
      }
      if (Number(res.headers['content-length']) > maxBytes) {
        fail(tooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          fail(tooLarge());
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        finish();
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (error) => {
        fail(network(error));
      });
      res.on('close', () => {
        fail(network(new Error('the connection closed before the whole answer')));
      });
    });
    req.end(request.body);
  });
}
