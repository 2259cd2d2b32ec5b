import {
  request as httpRequest,
  type Agent,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import { connect } from 'node:net';
import type { Express } from 'express';

/** A response as the tests read it. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Starts `app` on an ephemeral port of `host` (or a Unix socket path); returns a stopper. */
export async function listen(
  app: Express,
  where: { host?: string; path?: string } = { host: '127.0.0.1' },
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s: Server =
      where.path === undefined
        ? app.listen(0, where.host ?? '127.0.0.1', () => {
            resolve(s);
          })
        : app.listen(where.path, () => {
            resolve(s);
          });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address !== null ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/**
 * One GET with exact header lines (name/value pairs, repeats allowed), optionally from a chosen
 * local address or over a Unix socket.
 */
export function get(
  target: {
    port?: number;
    host?: string;
    socketPath?: string;
    localAddress?: string;
    agent?: Agent;
  },
  headers: readonly (readonly [string, string])[] = [],
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        method: 'GET',
        path: '/',
        agent: target.agent ?? false,
        ...(target.socketPath === undefined
          ? { host: target.host ?? '127.0.0.1', port: target.port }
          : { socketPath: target.socketPath }),
        ...(target.localAddress === undefined ? {} : { localAddress: target.localAddress }),
        // An array of lines keeps repeats, but then Node adds no Host header of its own.
        headers: [
          'Host',
          target.socketPath === undefined ? `127.0.0.1:${target.port ?? 80}` : 'localhost',
          ...headers.flatMap(([name, value]) => [name, value]),
        ],
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes to 127.0.0.1:`port` and resolves with everything the server answers. */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      resolve(answer);
    });
    socket.on('error', reject);
  });
}
