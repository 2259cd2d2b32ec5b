/**
 * A real loopback HTTP server whose behaviour a test switches at will: answering normally, or
 * down (not listening: connection refused), resetting connections, answering garbage or an HTTP
 * error, or never answering (slow). Used to put dependencies (JWKS, introspection, OCSP, CRL)
 * through faults and back, and to count what they were asked.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the server behaves. */
export type FaultMode = 'ok' | 'down' | 'reset' | 'garbage' | 'error' | 'slow';

/** Every fault mode (all but `ok`). */
export const FAULTS: readonly Exclude<FaultMode, 'ok'>[] = [
  'down',
  'reset',
  'garbage',
  'error',
  'slow',
];

/** A running fault server. */
export interface FaultServer {
  readonly url: string;
  /** Requests received, by the mode in force when they arrived. */
  readonly hits: Record<FaultMode, number>;
  mode(): FaultMode;
  /** Switches the behaviour; `down` stops listening, leaving it re-listens on the same port. */
  setMode(mode: FaultMode): Promise<void>;
  stop(): Promise<void>;
}

/** The normal answer: gets the request and its body. */
export type Answer = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** Starts a fault server on 127.0.0.1 in mode `ok`. */
export async function startFaultServer(answer: Answer): Promise<FaultServer> {
  let current: FaultMode = 'ok';
  const hits: Record<FaultMode, number> = {
    ok: 0,
    down: 0,
    reset: 0,
    garbage: 0,
    error: 0,
    slow: 0,
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const mode = current;
      hits[mode]++;
      switch (mode) {
        case 'ok':
          answer(req, res, Buffer.concat(chunks));
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>');
          return;
        case 'error':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
          return;
        default:
          // slow: never answer (the socket is destroyed on stop or on the next mode change)
          return;
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => {
        resolve();
      });
    });
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    mode: () => current,
    async setMode(mode) {
      if (current === 'slow') for (const socket of sockets) socket.destroy();
      if (mode === 'down' && current !== 'down') await close();
      if (mode !== 'down' && current === 'down') await listen(port);
      current = mode;
    },
    async stop() {
      if (current !== 'down') await close();
      current = 'down';
    },
  };
}
