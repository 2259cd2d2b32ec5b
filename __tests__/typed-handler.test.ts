import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import {
  clientCertificate,
  mtlsErrorHandler,
  requireClientCertificate,
  withAuth,
  withClientCertAuth,
  type CertificateBoundAuth,
} from '../lib';
import { EXPRESS_VERSIONS } from './helpers/express-versions';
import { pem, X5T_S256 } from './helpers/fixtures';

describe.each(EXPRESS_VERSIONS)('typed handlers on %s', (_label, createApp) => {
  it('withClientCertAuth: runs with req.clientCertAuth set by requireClientCertificate()', async () => {
    const app = createApp();
    app.use(clientCertificate({ format: 'pem', header: 'x-ssl-cert', trustProxy: 'loopback' }));
    app.use(requireClientCertificate({ thumbprints: [X5T_S256['client-a']] }));
    app.get(
      '/',
      withClientCertAuth((req, res) => {
        res.json({
          method: req.clientCertAuth.method,
          x5t: req.clientCertAuth.certificate.thumbprint,
        });
      }),
    );
    app.use(mtlsErrorHandler());
    const pemText = pem('client-a').replace(/\n/g, ' ');
    const response = await request(app).get('/').set('x-ssl-cert', pemText);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ method: 'thumbprint', x5t: X5T_S256['client-a'] });
  });

  it.each([
    ['withClientCertAuth', withClientCertAuth, 'req.clientCertAuth', 'requireClientCertificate()'],
    ['withAuth', withAuth, 'req.auth', 'requireCertificateBoundToken()'],
  ] as const)(
    '%s without its middleware: 500 ERR_MTLS_MISCONFIGURED, handler never runs',
    async (_name, helper, field, middleware) => {
      const handler = jest.fn();
      const errors: unknown[] = [];
      const app = createApp();
      app.get('/', helper(handler));
      app.use((err: unknown, _req: unknown, _res: unknown, next: (e: unknown) => void) => {
        errors.push(err);
        next(err);
      }, mtlsErrorHandler());
      const response = await request(app).get('/');
      expect(handler).not.toHaveBeenCalled();
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        error: 'server_error',
        error_description: 'server misconfiguration',
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_MISCONFIGURED' });
      expect((errors[0] as Error).message).toContain(`${field} is not set`);
      expect((errors[0] as Error).message).toContain(middleware);
    },
  );

  const auth: CertificateBoundAuth = {
    token: 't',
    payload: { client_id: 'payments', cnf: { 'x5t#S256': 'x' } },
    thumbprint: 'x',
  };

  it('withAuth: runs with req.auth typed as set', async () => {
    const app = createApp();
    app.use((req, _res, next) => {
      req.auth = auth;
      next();
    });
    app.get(
      '/',
      withAuth((req, res) => {
        const clientId: unknown = req.auth.payload.client_id;
        res.json({ clientId, boundTo: req.auth.payload.cnf?.['x5t#S256'] ?? null });
      }),
    );
    const response = await request(app).get('/');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ clientId: 'payments', boundTo: 'x' });
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('boom');
      },
    ],
    ['rejects', () => Promise.reject(new Error('boom'))],
  ] as const)('a handler that %s reaches the error handler', async (_name, body) => {
    const seen: unknown[] = [];
    const app = createApp();
    app.use((req, _res, next) => {
      req.auth = auth;
      next();
    });
    app.get('/', withAuth(body));
    const recorder: ErrorRequestHandler =
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      (err: unknown, _req, res, _next) => {
        seen.push(err);
        res.status(599).end();
      };
    app.use(recorder);
    const response = await request(app).get('/');
    expect(response.status).toBe(599);
    expect(seen).toEqual([new Error('boom')]);
  });

  it('an async handler that resolves is left alone', async () => {
    const app = createApp();
    app.use((req, _res, next) => {
      req.auth = auth;
      next();
    });
    app.get(
      '/',
      withAuth(async (req, res) => {
        await Promise.resolve();
        res.send(req.auth.token);
      }),
    );
    const response = await request(app).get('/');
    expect(response.status).toBe(200);
    expect(response.text).toBe('t');
  });
});

describe('typed handler factories', () => {
  it.each([undefined, null, 'handler', {}])('refuse %p instead of a function', (value) => {
    expect(() => withAuth(value as never)).toThrow(TypeError);
    expect(() => withClientCertAuth(value as never)).toThrow(/route handler function/);
  });
});
