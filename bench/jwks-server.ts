/**
 * A local JWKS endpoint (127.0.0.1, a free port), as the authorization server would serve it.
 * Every server under test fetches the key once and keeps it.
 *
 * @packageDocumentation
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Jwks } from './tokens';

/** A running JWKS server. */
export interface JwksServer {
  readonly uri: string;
  close(): Promise<void>;
}

/** Serves `jwks` at `/jwks`. */
export function startJwksServer(jwks: Jwks): Promise<JwksServer> {
  const body = JSON.stringify(jwks);
  const server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        uri: `http://127.0.0.1:${port}/jwks`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}
