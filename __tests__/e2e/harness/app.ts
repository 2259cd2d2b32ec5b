import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import { isMtlsError } from '../../../lib';

/** What the e2e app answers: what reached Express, and what the middleware made of it. */
export interface EchoResponse {
  /** The immediate TCP peer (the proxy, or curl when the app is hit directly). */
  readonly peer: string | undefined;
  /** Every received value of each watched header, lower-case names (absent ones omitted). */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  /** `req.clientCert` as set by the middleware, or `null`. */
  readonly certificate: {
    readonly thumbprint: string;
    readonly subject: string;
    readonly chainLength: number;
  } | null;
}

/** An `MtlsError` as the e2e app renders it (code and reason included, unlike production). */
export interface EchoError {
  readonly code: string;
  readonly reason: string | null;
}

/** A running e2e app. */
export interface RunningApp {
  readonly port: number;
  /** `127.0.0.1:<port>`, the upstream address for proxy configs. */
  readonly upstream: string;
  close(): Promise<void>;
}

const renderErrors: ErrorRequestHandler = (err, _req, res, next) => {
  if (!isMtlsError(err)) {
    next(err);
    return;
  }
  const body: EchoError = { code: err.code, reason: err.reason ?? null };
  res.status(err.status).set(err.headers).json(body);
};

/**
 * Starts an Express app on 127.0.0.1 (a kernel-chosen port). Each route (a path prefix, longest
 * first) runs its middleware and then echoes, as {@link EchoResponse}, the watched headers it
 * received and `req.clientCert`; `MtlsError`s are rendered as {@link EchoError}.
 */
export function startEchoApp(
  createApp: () => Express,
  routes: Readonly<Record<string, readonly RequestHandler[]>>,
  watchedHeaders: readonly string[],
): Promise<RunningApp> {
  const app = createApp();
  app.disable('x-powered-by');
  const echo: RequestHandler = (req, res) => {
    const headers: Record<string, readonly string[]> = {};
    for (const name of watchedHeaders) {
      const values = req.headersDistinct[name.toLowerCase()];
      if (values !== undefined) headers[name.toLowerCase()] = values;
    }
    const cert = req.clientCert;
    const body: EchoResponse = {
      peer: req.socket.remoteAddress,
      headers,
      certificate:
        cert === undefined
          ? null
          : { thumbprint: cert.thumbprint, subject: cert.subject, chainLength: cert.chain.length },
    };
    res.set('Cache-Control', 'no-store').json(body);
  };
  const paths = Object.keys(routes).sort((a, b) => b.length - a.length);
  for (const path of paths) app.use(path, ...(routes[path] ?? []), echo);
  app.use(renderErrors);
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(0, '127.0.0.1');
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        upstream: `127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}
