import type { Express } from 'express';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { key, pem, type PkiName } from '../helpers/fixtures';

/** A response read to the end. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, like supertest's body
  readonly json: any;
}

/** A request to 127.0.0.1. */
export interface Call {
  readonly port: number;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  /** https: with this TLS server name (default `localhost`); http: when false. */
  readonly tls?: boolean;
  readonly servername?: string;
  /** The client's certificate(s) and key: a shared-PKI name, or PEM text. */
  readonly client?: PkiName | { readonly cert: string; readonly key: string };
  readonly localAddress?: string;
}

/** Sends one request on a fresh connection and reads the whole response. */
export function call(options: Call): Promise<Reply> {
  const secure = options.tls ?? true;
  const client =
    typeof options.client === 'string'
      ? { cert: pem(options.client), key: key(options.client) }
      : options.client;
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: '127.0.0.1',
        port: options.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: {
          host: `${secure ? (options.servername ?? 'localhost') : '127.0.0.1'}:${options.port}`,
          ...options.headers,
        },
        agent: false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        ...(secure
          ? { ca: pem('root-ca'), servername: options.servername ?? 'localhost', ...client }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body,
            text,
            json,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A server listening on 127.0.0.1, with its port and a close() that drops every connection. */
export interface Listening {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1. */
export function listen(server: Server): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => {
              done();
            });
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Serves `app` over plain HTTP on 127.0.0.1. */
export function listenHttp(app: Express): Promise<Listening> {
  return listen(createHttpServer(app));
}

/**
 * Serves `app` over HTTPS on 127.0.0.1 with the shared PKI's server certificate, asking for a
 * client certificate and accepting any (the app decides).
 */
export function listenHttps(app: Express): Promise<Listening> {
  return listen(
    createHttpsServer(
      {
        key: key('server'),
        cert: pem('server-fullchain'),
        requestCert: true,
        rejectUnauthorized: false,
      },
      app,
    ),
  );
}

/** The shared PKI's client-a certificate followed by its intermediate, with its key. */
export const CLIENT_A_WITH_CHAIN = {
  cert: pem('client-a-fullchain'),
  key: key('client-a'),
} as const;
