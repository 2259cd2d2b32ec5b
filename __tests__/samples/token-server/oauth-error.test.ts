import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import { TokenError, tokenErrorHandler } from '../../../samples/token-server/oauth-error';
import { EXPRESS_VERSIONS } from '../../helpers/express-versions';

describe.each(EXPRESS_VERSIONS)('tokenErrorHandler() on %s', (_label, createApp) => {
  function appThrowing(error: unknown) {
    const app = createApp();
    app.get('/', () => {
      throw error;
    });
    app.use(tokenErrorHandler());
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- Express needs four parameters
    const passedOn: ErrorRequestHandler = (err, _req, res, _next) => {
      res.status(599).json({ passedOn: err instanceof Error ? err.message : String(err) });
    };
    app.use(passedOn);
    return app;
  }

  it('renders a TokenError: status, RFC 6749 §5.2 body, no-store and extra headers', async () => {
    const reply = await request(
      appThrowing(new TokenError('invalid_scope', 'no such scope', 400, { 'X-Extra': '1' })),
    ).get('/');
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: 'invalid_scope', error_description: 'no such scope' });
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers.pragma).toBe('no-cache');
    expect(reply.headers['x-extra']).toBe('1');
  });

  it('renders a body parser error as 400 invalid_request, without its message', async () => {
    const parserError = Object.assign(new Error('secret detail'), {
      type: 'entity.too.large',
      status: 413,
    });
    const reply = await request(appThrowing(parserError)).get('/');
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      error: 'invalid_request',
      error_description: 'the request body cannot be read',
    });
  });

  it.each<[string, unknown]>([
    ['a plain Error', new Error('boom')],
    [
      'an error with a non-numeric status',
      Object.assign(new Error('x'), { type: 'a', status: '400' }),
    ],
    ['a string', 'text'],
  ])('passes %s on', async (_name, error) => {
    const reply = await request(appThrowing(error)).get('/');
    expect(reply.status).toBe(599);
  });
});
