import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { DIAGNOSTICS_CHANNELS, mtlsClientAuthentication } from '../../lib';
import { markCertificateProcessed } from '../../lib/internal/request-state';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';

describe.each(EXPRESS_VERSIONS)('mtlsClientAuthentication() adapter (%s)', (_name, makeApp) => {
  const events: Record<string, unknown>[] = [];
  const listener = (message: unknown): void => {
    events.push(message as Record<string, unknown>);
  };

  beforeEach(() => {
    events.length = 0;
    subscribe(DIAGNOSTICS_CHANNELS.oauthClient, listener);
  });

  afterEach(() => {
    unsubscribe(DIAGNOSTICS_CHANNELS.oauthClient, listener);
  });

  it('passes an unexpected error from the registry metadata to next(err) untouched, as rejected', async () => {
    const bug = new RangeError('metadata getter broke');
    const metadata = Object.defineProperty({}, 'token_endpoint_auth_method', {
      get() {
        throw bug;
      },
    });
    const errors: unknown[] = [];
    const app = makeApp();
    app.post(
      '/token',
      express.urlencoded({ extended: false }),
      (req, _res, next) => {
        markCertificateProcessed(req);
        next();
      },
      mtlsClientAuthentication({
        getClient: () => metadata,
        methods: ['self_signed_tls_client_auth'],
      }),
      (_req, res) => res.json({ reached: true }),
    );
    const capture: ErrorRequestHandler = (err, _req, _res, next) => {
      errors.push(err);
      next(err);
    };
    app.use(capture);
    await request(app).post('/token').type('form').send('client_id=c\u2028').expect(500);
    expect(errors).toEqual([bug]);
    expect(events).toEqual([{ outcome: 'rejected', clientId: 'c\\u2028' }]);
  });
});
