/**
 * The demo's HTTP client: one request per connection (no TLS session or certificate carried from
 * one step to the next), to a loopback address with the TLS server name and `Host` of the URL
 * shown in the transcript (`mtls.localhost` resolves nowhere, so the address is given apart).
 *
 * @packageDocumentation
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One request. */
export interface DemoRequest {
  readonly method?: string;
  /** The URL shown, such as `https://mtls.localhost:8443/token`. */
  readonly url: string;
  /** Where to connect instead of resolving the URL's host. Default: `127.0.0.1`. */
  readonly address?: string;
  /** The local address to connect from (an untrusted peer: `127.0.0.2`). */
  readonly localAddress?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** CA certificate(s) the server certificate must chain to (https:). */
  readonly ca?: string;
  /** The client certificate (PEM, followed by intermediates) and key, for mutual TLS. */
  readonly cert?: string;
  readonly key?: string;
  readonly signal?: AbortSignal;
}

/** The response, with the body parsed as JSON when it is JSON. */
export interface DemoResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
}

/** Sends `options` and resolves with the whole response; rejects on network errors. */
export function send(options: DemoRequest): Promise<DemoResponse> {
  const url = new URL(options.url);
  const secure = url.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: options.method ?? 'GET',
        host: options.address ?? '127.0.0.1',
        port: url.port,
        path: `${url.pathname}${url.search}`,
        headers: { host: url.host, ...options.headers },
        agent: false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        ...(secure
          ? {
              servername: url.hostname,
              ...(options.ca === undefined ? {} : { ca: options.ca }),
              ...(options.cert === undefined ? {} : { cert: options.cert }),
              ...(options.key === undefined ? {} : { key: options.key }),
            }
          : {}),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
