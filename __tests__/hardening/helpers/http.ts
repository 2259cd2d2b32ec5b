/**
 * Real loopback HTTP for the hardening suites: a server started on 127.0.0.1 (optionally with a
 * larger header limit, so that megabyte header values reach the middleware), a client that reads
 * the whole reply, and a raw-socket client for bytes Node's own client refuses to send.
 */
import type { Express } from 'express';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import { connect, type AddressInfo } from 'node:net';

/** A listening server and how to stop it. */
export interface Listening {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts `app` on 127.0.0.1 (every interface of 127/8 when `host` is `0.0.0.0`). */
export async function serve(
  app: Express,
  options: { readonly maxHeaderSize?: number; readonly host?: string } = {},
): Promise<Listening> {
  const server = createServer(
    options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize },
    app,
  );
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A reply read to the end. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, like supertest's body
  readonly json: any;
}

/** One request. Header values given as arrays are sent as separate field lines. */
export interface Send {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string;
  readonly localAddress?: string;
  readonly agent?: Agent;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Sends one request to 127.0.0.1:`port` and reads the reply. */
export function send(port: number, options: Send = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      headers[name] = typeof value === 'string' ? value : [...value];
    }
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers,
        agent: options.agent ?? false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            text,
            json: parse(text),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A keep-alive agent with one socket, for property runs that send many small requests. */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

/**
 * Writes raw bytes to 127.0.0.1:`port` and reads until the server closes or answers: for header
 * bytes (NUL, bare CR, obs-fold…) that Node's client refuses to send. Returns the status code of
 * the first response line (0 when the server closed without answering) and the whole text.
 */
export function sendRaw(port: number, bytes: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // one response is enough: the request carries "Connection: close"
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1];
      resolve({ status: status === undefined ? 0 : Number(status), text });
    });
    socket.end(bytes);
  });
}

/** Characters Node's HTTP client accepts in a header value (after the parser trims the ends). */
const SENDABLE = /[^\t\x20-\x7e\x80-\xff]/g;

/**
 * What remains of `value` when sent as a header value by Node's client: characters outside
 * `\t`, printable ASCII and Latin-1 removed, surrounding whitespace trimmed (the server's parser
 * trims it too).
 */
export function sendable(value: string): string {
  return value.replace(SENDABLE, '').replace(/^[\t ]+|[\t ]+$/g, '');
}
