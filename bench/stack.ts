/**
 * The middleware stack of a benchmark case (ours, or the peer's), driven in-process: each call
 * builds a real `IncomingMessage`/`ServerResponse` pair on one (keep-alive) loopback socket and
 * hands it to an Express 5 app with the case's middlewares, without the HTTP parser, the
 * response write or the network. It isolates the per-request cost of the middlewares for the
 * micro-benchmarks and the memory measurement.
 *
 * @packageDocumentation
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';
import express, { type RequestHandler } from 'express';
import { repositoryRoot } from './server-process';
import { middlewares } from './servers/ours-server';
import type { ServerConfig } from './servers/server-config';

/** Runs one request through the stack; resolves with 200 or the error's status. */
export type StackCall = (headers: Readonly<Record<string, string>>) => Promise<number>;

/** A socket that says it comes from 127.0.0.1 (a trusted proxy), like nginx on the same host. */
function loopbackSocket(): Socket {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: '127.0.0.1' });
  return socket;
}

/** The peer's middleware, from its CommonJS server file. */
function peerMiddlewares(config: ServerConfig): RequestHandler[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const peer = require(join(repositoryRoot(), 'bench', 'servers', 'peer-server.cjs')) as {
    peerMiddleware: (config: ServerConfig) => RequestHandler;
  };
  return [peer.peerMiddleware(config)];
}

/** The HTTP status an error stands for (ours and the peer's carry `status`). */
function statusOf(error: unknown): number | undefined {
  const status: unknown = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

type Settle = (status: number | Error) => void;

/** Builds the stack of `config` (the same middlewares as the HTTP server of that case). */
export function createStack(config: ServerConfig): StackCall {
  const settlers = new WeakMap<object, Settle>();
  const settle = (req: object, outcome: number | Error): void => {
    settlers.get(req)?.(outcome);
  };
  const app = express();
  const peer = config.kind === 'peer' || config.kind === 'peer-dpop';
  const chain = peer ? peerMiddlewares(config) : middlewares(config);
  for (const middleware of chain) app.use(middleware);
  app.use((req) => {
    settle(req, 200);
  });
  // Express tells error handlers by their four parameters.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  app.use((error: unknown, req: express.Request, _res: express.Response, _next: unknown) => {
    settle(req, statusOf(error) ?? (error instanceof Error ? error : new Error('failed')));
  });
  const socket = loopbackSocket();
  return (headers) => {
    const req = new IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/';
    const all: Record<string, string> = { host: '127.0.0.1', ...headers };
    req.headers = all;
    req.rawHeaders = Object.entries(all).flat();
    const res = new ServerResponse(req);
    return new Promise<number>((resolve, reject) => {
      settlers.set(req, (outcome) => {
        if (typeof outcome === 'number') resolve(outcome);
        else reject(outcome);
      });
      app(req, res);
    });
  };
}
