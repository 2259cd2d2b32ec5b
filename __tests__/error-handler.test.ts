import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import { mtlsErrorHandler } from '../lib/error-handler';
import {
  InvalidClientError,
  InvalidTokenError,
  MisconfiguredError,
  UnavailableError,
  type MtlsError,
} from '../lib/errors';
import { EXPRESS_VERSIONS } from './helpers/express-versions';

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Serves `app` on 127.0.0.1, makes one GET, and stops the server. */
async function getOnce(app: Express, path = '/'): Promise<Reply> {
  const server = await new Promise<Server>((resolve) => {
    const s: Server = app.listen(0, '127.0.0.1', () => {
      resolve(s);
    });
  });
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, headers: response.headers, text: await response.text() };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** An error handler that records what reaches it (Express needs all four parameters). */
function lastHandler(
  fn: (err: unknown, res: Parameters<RequestHandler>[1]) => void,
): ErrorRequestHandler {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  return (err: unknown, _req, res, _next) => {
    fn(err, res);
  };
}

const failWith =
  (error: unknown): RequestHandler =>
  (_req, _res, next) => {
    next(error);
  };

describe('mtlsErrorHandler', () => {
  it('returns a named four-argument error middleware', () => {
    const handler = mtlsErrorHandler();
    expect(handler.name).toBe('mtlsErrorHandlerMiddleware');
    expect(handler).toHaveLength(4);
    expect(mtlsErrorHandler()).not.toBe(handler);
  });

  describe.each(EXPRESS_VERSIONS)('%s', (_version, createApp) => {
    function appFailingWith(error: unknown, after?: ErrorRequestHandler): Express {
      const app = createApp();
      app.get('/', failWith(error));
      app.use(mtlsErrorHandler());
      if (after) app.use(after);
      return app;
    }

    it('renders an invalid_token error: 401, WWW-Authenticate, no-store, generic JSON', async () => {
      const reply = await getOnce(
        appFailingWith(new InvalidTokenError('binding_mismatch', { realm: 'api' })),
      );
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="invalid_token", error_description="the client certificate does not match the access token binding"',
      );
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(reply.text).toBe(
        '{"error":"invalid_token","error_description":"the client certificate does not match the access token binding"}',
      );
    });

    it('renders invalid_client (RFC 6749 §5.2) without the precise reason', async () => {
      const reply = await getOnce(appFailingWith(new InvalidClientError('subject_mismatch')));
      expect(reply.status).toBe(401);
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.headers.get('www-authenticate')).toBeNull();
      expect(JSON.parse(reply.text)).toEqual({
        error: 'invalid_client',
        error_description: 'client authentication failed',
      });
      expect(reply.text).not.toContain('subject_mismatch');
    });

    it('renders a 503 with Retry-After', async () => {
      const reply = await getOnce(
        appFailingWith(new UnavailableError('jwks_unavailable', { retryAfter: 30 })),
      );
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('30');
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(JSON.parse(reply.text)).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'service temporarily unavailable',
      });
    });

    it('keeps a 500 body generic: the message is for logs', async () => {
      const reply = await getOnce(appFailingWith(new MisconfiguredError('mount X before Y')));
      expect(reply.status).toBe(500);
      expect(reply.text).toBe(
        '{"error":"server_error","error_description":"server misconfiguration"}',
      );
    });

    it("lets the error's own headers replace the default Cache-Control", async () => {
      const error = new InvalidClientError('unknown_client', {
        headers: { 'Cache-Control': 'private' },
      });
      expect((await getOnce(appFailingWith(error))).headers.get('cache-control')).toBe('private');
    });

    it('renders a look-alike error from another copy of the package', async () => {
      const lookAlike = Object.assign(new Error('x'), {
        code: 'ERR_MTLS_CERTIFICATE_REQUIRED',
        status: 401,
        headers: { 'X-Copy': 'other' },
        body: { error: 'unauthorized', error_description: 'client certificate required' },
      });
      const reply = await getOnce(appFailingWith(lookAlike));
      expect(reply.status).toBe(401);
      expect(reply.headers.get('x-copy')).toBe('other');
      expect(JSON.parse(reply.text)).toEqual(lookAlike.body);
    });

    it('passes other errors on untouched', async () => {
      const other = Object.assign(new Error('boom'), { status: 418 });
      const seen: unknown[] = [];
      const reply = await getOnce(
        appFailingWith(
          other,
          lastHandler((err, res) => {
            seen.push(err);
            res.status(599).send('own handler');
          }),
        ),
      );
      expect(seen).toEqual([other]);
      expect(seen[0]).toBe(other);
      expect(reply.status).toBe(599);
      expect(reply.text).toBe('own handler');
      expect(reply.headers.get('cache-control')).toBeNull();
    });

    it("leaves other errors to Express's default handler", async () => {
      const reply = await getOnce(appFailingWith(new Error('boom')));
      expect(reply.status).toBe(500);
      expect(reply.headers.get('cache-control')).toBeNull();
      expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
    });

    it('passes an MtlsError on when the response has already started', async () => {
      const error: MtlsError = new InvalidTokenError('expired');
      const seen: [unknown, boolean][] = [];
      const app = createApp();
      app.get('/', (_req, res, next) => {
        res.status(200).set('Content-Type', 'text/plain');
        res.write('partial ');
        next(error);
      });
      app.use(mtlsErrorHandler());
      app.use(
        lastHandler((err, res) => {
          seen.push([err, res.headersSent]);
          res.end('end');
        }),
      );
      const reply = await getOnce(app);
      expect(seen).toEqual([[error, true]]);
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('partial end');
      expect(reply.headers.get('www-authenticate')).toBeNull();
    });

    it('does not touch successful responses', async () => {
      const app = createApp();
      app.get('/', (_req, res) => {
        res.json({ ok: true });
      });
      app.use(mtlsErrorHandler());
      const reply = await getOnce(app);
      expect(reply.status).toBe(200);
      expect(reply.text).toBe('{"ok":true}');
      expect(reply.headers.get('cache-control')).toBeNull();
    });
  });
});
