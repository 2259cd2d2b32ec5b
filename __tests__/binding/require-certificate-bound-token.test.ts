import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { forgetWarnings } from '../../lib/warnings';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import request from 'supertest';
import { DIAGNOSTICS_CHANNELS } from '../../lib/diagnostics';
import type { MtlsError } from '../../lib/errors';
import { postWithoutBody } from '../helpers/bodyless-post';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { X5T_S256 } from '../helpers/fixtures';
import { CERT_HEADER, certHeader, certificateFront, resourceServer } from './helpers/app';
import {
  AUDIENCE,
  claims,
  ISSUER,
  now,
  privateKey,
  publicKey,
  publicPem,
  signJwt,
  signRaw,
  tamper,
} from './helpers/keys';
import { closedPortUrl, sendJson, startServer, type LoopbackServer } from './helpers/servers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express5;

const STATIC = { issuer: ISSUER, audience: AUDIENCE, publicKey: publicPem('rsa') };
const BOUND_A = { cnf: { 'x5t#S256': X5T_S256['client-a'] } };

function token(extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  return signJwt(claims({ ...BOUND_A, ...extra }), privateKey('rsa'), 'RS256', header);
}

function challenge(description: string, realm = 'api'): string {
  return `Bearer realm="${realm}", error="invalid_token", error_description="${description}"`;
}

function lastError(errors: unknown[]): MtlsError {
  return errors[errors.length - 1] as MtlsError;
}

describe.each(EXPRESS_VERSIONS)('requireCertificateBoundToken() on %s', (_name, makeApp) => {
  describe('accepts', () => {
    it('a bound token presented with its certificate, and sets req.auth (RFC 8705 §3)', async () => {
      const { app } = resourceServer(makeApp, STATIC);
      const jwt = token();
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${jwt}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      expect(res.body.auth.token).toBe(jwt);
      expect(res.body.auth.thumbprint).toBe('g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw');
      expect(res.body.auth.payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, ...BOUND_A });
    });

    it('the token again from the cache, still checking the binding on every request', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      const jwt = token();
      await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${jwt}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${jwt}`)
        .set(CERT_HEADER, certHeader('client-b'))
        .expect(401);
      expect(lastError(errors).reason).toBe('binding_mismatch');
      await request(app).get('/resource').set('Authorization', `Bearer ${jwt}`).expect(401);
      expect(lastError(errors).reason).toBe('certificate_missing');
    });

    it('an unbound token only with allowUnboundTokens, with thumbprint undefined', async () => {
      const { app } = resourceServer(makeApp, { ...STATIC, allowUnboundTokens: true });
      const jwt = signJwt(claims(), privateKey('rsa'), 'RS256');
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${jwt}`)
        .expect(200);
      expect(res.body.auth.token).toBe(jwt);
      expect('thumbprint' in res.body.auth).toBe(false);
    });

    it('a form-body token with allowBodyToken (RFC 6750 §2.2)', async () => {
      const { app } = resourceServer(
        makeApp,
        { ...STATIC, allowBodyToken: true },
        [],
        [certificateFront(), express5.urlencoded({ extended: false })],
      );
      const jwt = token();
      const res = await request(app)
        .post('/resource')
        .type('form')
        .send({ access_token: jwt })
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      expect(res.body.auth.token).toBe(jwt);
    });

    it('a query token with dangerouslyAllowQueryToken (RFC 6750 §2.3)', async () => {
      const { app } = resourceServer(makeApp, { ...STATIC, dangerouslyAllowQueryToken: true });
      const jwt = token();
      await request(app)
        .get(`/resource?access_token=${jwt}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
    });
  });

  describe('token presence (RFC 6750 §3)', () => {
    it('answers 401 with a bare challenge when there is no token', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      const res = await request(app)
        .get('/resource')
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: 'bearer token required',
      });
      expect(lastError(errors).code).toBe('ERR_MTLS_TOKEN_MISSING');
    });

    it('uses the configured realm', async () => {
      const { app } = resourceServer(makeApp, { ...STATIC, realm: 'payments' });
      const res = await request(app).get('/resource').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="payments"');
    });

    it('treats another scheme as no bearer token', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      const res = await request(app)
        .get('/resource')
        .set('Authorization', 'Basic dXNlcjpwYXNz')
        .expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(lastError(errors).code).toBe('ERR_MTLS_TOKEN_MISSING');
    });

    it('ignores body and query tokens unless enabled', async () => {
      const { app, errors } = resourceServer(
        makeApp,
        STATIC,
        [],
        [certificateFront(), express5.urlencoded({ extended: false })],
      );
      await request(app)
        .post(`/resource?access_token=${token()}`)
        .type('form')
        .send({ access_token: token() })
        .expect(401);
      expect(lastError(errors).code).toBe('ERR_MTLS_TOKEN_MISSING');
    });

    it('ignores a form body that a parser did not turn into parameters', async () => {
      const { app, errors } = resourceServer(
        makeApp,
        { ...STATIC, allowBodyToken: true },
        [],
        [certificateFront(), express5.text({ type: 'application/x-www-form-urlencoded' })],
      );
      await request(app).post('/resource').type('form').send(`access_token=${token()}`).expect(401);
      expect(lastError(errors).code).toBe('ERR_MTLS_TOKEN_MISSING');
    });

    it('ignores a body token in a GET or a JSON body', async () => {
      const { app, errors } = resourceServer(
        makeApp,
        { ...STATIC, allowBodyToken: true },
        [],
        [certificateFront(), express5.json(), express5.urlencoded({ extended: false })],
      );
      await request(app).post('/resource').send({ access_token: token() }).expect(401);
      expect(lastError(errors).code).toBe('ERR_MTLS_TOKEN_MISSING');
      await request(app).get('/resource').type('form').send(`access_token=${token()}`).expect(401);
      expect(lastError(errors).code).toBe('ERR_MTLS_TOKEN_MISSING');
    });

    it('answers 400 invalid_request for a token in the header and the query', async () => {
      const { app, errors } = resourceServer(makeApp, {
        ...STATIC,
        dangerouslyAllowQueryToken: true,
      });
      const jwt = token();
      const res = await request(app)
        .get(`/resource?access_token=${jwt}`)
        .set('Authorization', `Bearer ${jwt}`)
        .expect(400);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_request", error_description="access token sent in more than one way"',
      );
      expect(lastError(errors).code).toBe('ERR_MTLS_INVALID_REQUEST');
    });

    it('answers 400 invalid_request for a token in the header and the body', async () => {
      const { app, errors } = resourceServer(
        makeApp,
        { ...STATIC, allowBodyToken: true },
        [],
        [certificateFront(), express5.urlencoded({ extended: false })],
      );
      const jwt = token();
      await request(app)
        .post('/resource')
        .set('Authorization', `Bearer ${jwt}`)
        .type('form')
        .send({ access_token: jwt })
        .expect(400);
      expect(lastError(errors).code).toBe('ERR_MTLS_INVALID_REQUEST');
    });

    it('answers 400 invalid_request for malformed Bearer credentials', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      const res = await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer a b')
        .expect(400);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_request", error_description="malformed Bearer credentials"',
      );
      expect(lastError(errors).code).toBe('ERR_MTLS_INVALID_REQUEST');
    });

    it('answers 400 invalid_request for two Authorization header lines', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const status = await new Promise<number | undefined>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: '/resource' }, (res) => {
            res.resume();
            resolve(res.statusCode);
          });
          req.setHeader('Authorization', [`Bearer ${token()}`, `Bearer ${token({ sub: 'x' })}`]);
          req.setHeader(CERT_HEADER, certHeader('client-a'));
          req.on('error', reject);
          req.end();
        });
        expect(status).toBe(400);
        expect(lastError(errors).code).toBe('ERR_MTLS_INVALID_REQUEST');
        expect(lastError(errors).body.error_description).toBe('more than one Authorization header');
      } finally {
        server.close();
      }
    });
  });

  describe('refuses invalid tokens with 401 invalid_token and the precise reason', () => {
    const cases: [string, () => string, string, Record<string, unknown>?][] = [
      ['malformed', () => 'not-a-jwt', 'the access token is malformed'],
      ['signature', () => tamper(token()), 'the access token signature is invalid'],
      [
        'signature',
        () => signJwt(claims(BOUND_A), privateKey('rsa-other'), 'RS256'),
        'the access token signature is invalid',
      ],
      ['expired', () => token({ exp: now() - 60 }), 'the access token expired'],
      ['not_yet_valid', () => token({ nbf: now() + 60 }), 'the access token is not yet valid'],
      [
        'issuer',
        () => token({ iss: 'https://evil.example' }),
        'the access token issuer is not accepted',
      ],
      [
        'audience',
        () => token({ aud: 'https://other.example/' }),
        'the access token audience is not accepted',
      ],
      [
        'algorithm',
        () => signJwt(claims(BOUND_A), '', 'none'),
        'the access token algorithm is not accepted',
      ],
      [
        'algorithm',
        () =>
          signRaw({ alg: 'HS256', typ: 'JWT' }, claims(BOUND_A), (input) =>
            createHmac('sha256', publicPem('rsa')).update(input).digest(),
          ),
        'the access token algorithm is not accepted',
      ],
      [
        'malformed',
        () => token({}, { crit: ['b64'], b64: false }),
        'the access token is malformed',
      ],
      [
        'type',
        () => token({}, { typ: 'JWT' }),
        'the access token type is not accepted',
        { typ: 'at+jwt' },
      ],
      ['claims', () => token({ exp: undefined }), 'the access token lacks required claims'],
      [
        'claims',
        () => token(),
        'the access token lacks required claims',
        { requiredClaims: ['exp', 'client_id'] },
      ],
      [
        'too_old',
        () => token({ iat: now() - 3600 }),
        'the access token is too old',
        { maxTokenAge: 60 },
      ],
      [
        'unbound',
        () => signJwt(claims(), privateKey('rsa'), 'RS256'),
        'the access token is not certificate-bound',
      ],
      [
        'unbound',
        () => token({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }),
        'the access token is not certificate-bound',
        { allowUnboundTokens: true },
      ],
      [
        'malformed',
        () => token({ cnf: { 'x5t#S256': `${X5T_S256['client-a']}=` } }),
        'the access token is malformed',
      ],
      // client-a's SHA-256 in standard base64 with padding (openssl base64; it has no + or /)
      [
        'malformed',
        () => token({ cnf: { 'x5t#S256': 'g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw=' } }),
        'the access token is malformed',
      ],
      [
        'malformed',
        () => token({ cnf: { 'x5t#S256': X5T_S256['client-a'], jkt: 'x' } }),
        'the access token is malformed',
      ],
      ['malformed', () => token({ cnf: X5T_S256['client-a'] }), 'the access token is malformed'],
      [
        'binding_mismatch',
        () => token({ cnf: { 'x5t#S256': X5T_S256['client-b'] } }),
        'the client certificate does not match the access token binding',
      ],
    ];

    it.each(cases)('%s (%#)', async (reason, make, description, extra = {}) => {
      const { app, errors } = resourceServer(makeApp, { ...STATIC, ...extra });
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${make()}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(401);
      expect(res.headers['www-authenticate']).toBe(challenge(description));
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({ error: 'invalid_token', error_description: description });
      const error = lastError(errors);
      expect(error.code).toBe('ERR_MTLS_INVALID_TOKEN');
      expect(error.reason).toBe(reason);
      expect(error.message).not.toContain(make().slice(0, 20));
    });

    it('certificate_missing: a bound token without a client certificate', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${token()}`)
        .expect(401);
      expect(res.headers['www-authenticate']).toBe(
        challenge('a client certificate is required for this access token'),
      );
      expect(lastError(errors).reason).toBe('certificate_missing');
    });

    it('binding_mismatch: the token presented with another certificate', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC);
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${token()}`)
        .set(CERT_HEADER, certHeader('client-b'))
        .expect(401);
      expect(res.headers['www-authenticate']).toBe(
        challenge('the client certificate does not match the access token binding'),
      );
      expect(lastError(errors).reason).toBe('binding_mismatch');
      expect(lastError(errors).message).toBe(
        `invalid access token: binding_mismatch (token bound to ${X5T_S256['client-a']}, certificate ${X5T_S256['client-b']})`,
      );
    });
  });

  describe('allowBodyToken and a form POST with no body at all (RFC 9112 §6.3)', () => {
    const parsers = _name === 'express 4' ? express4 : express5;
    const FORM_HEADERS = {
      'Content-Type': 'application/x-www-form-urlencoded',
      [CERT_HEADER]: certHeader('client-a'),
    };
    let emitWarning: jest.SpyInstance;
    beforeEach(() => {
      forgetWarnings();
      emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    });
    afterEach(() => {
      emitWarning.mockRestore();
    });

    it('is 401 ERR_MTLS_TOKEN_MISSING with the bare challenge behind express.urlencoded()', async () => {
      const { app, errors } = resourceServer(
        makeApp,
        { ...STATIC, allowBodyToken: true },
        [],
        [certificateFront(), parsers.urlencoded({ extended: false })],
      );
      const res = await postWithoutBody(app, '/resource', FORM_HEADERS);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(errors).toHaveLength(1);
      expect(lastError(errors).code).toBe('ERR_MTLS_TOKEN_MISSING');
      expect(emitWarning).not.toHaveBeenCalled();
    });

    it('still reads the Authorization header of such a request', async () => {
      const { app } = resourceServer(
        makeApp,
        { ...STATIC, allowBodyToken: true },
        [],
        [certificateFront(), parsers.urlencoded({ extended: false })],
      );
      const res = await postWithoutBody(app, '/resource', {
        ...FORM_HEADERS,
        Authorization: `Bearer ${token()}`,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ auth: { thumbprint: X5T_S256['client-a'] } });
    });

    it('is 401 without a body parser too (also with Content-Length: 0), and the operator is warned once', async () => {
      const { app, errors } = resourceServer(makeApp, { ...STATIC, allowBodyToken: true });
      const responses = [
        await postWithoutBody(app, '/resource', FORM_HEADERS),
        await request(app).post('/resource').set(CERT_HEADER, certHeader('client-a')).type('form'),
      ];
      for (const res of responses) {
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
      }
      expect(errors.map((e) => (e as MtlsError).code)).toEqual([
        'ERR_MTLS_TOKEN_MISSING',
        'ERR_MTLS_TOKEN_MISSING',
      ]);
      expect(emitWarning).toHaveBeenCalledTimes(1);
      expect(emitWarning).toHaveBeenCalledWith(
        expect.stringMatching(
          /^requireCertificateBoundToken\(\): allowBodyToken is on but no body parser ran .* Mount express\.urlencoded\(\)/,
        ),
        { type: 'ExpressMtlsWarning', code: 'MTLS_NO_BODY_PARSER' },
      );
    });
  });

  describe('misconfiguration (500, never "no certificate")', () => {
    it('refuses to run without clientCertificate() before it', async () => {
      const { app, errors } = resourceServer(makeApp, STATIC, [], []);
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${token()}`)
        .expect(500);
      expect(res.body).toEqual({
        error: 'server_error',
        error_description: 'server misconfiguration',
      });
      expect(lastError(errors).code).toBe('ERR_MTLS_MISCONFIGURED');
      expect(lastError(errors).message).toMatch(
        /Mount clientCertificate\(\) before requireCertificateBoundToken\(\)/,
      );
    });

    it('refuses a form body when express.urlencoded() was not mounted', async () => {
      const { app, errors } = resourceServer(makeApp, { ...STATIC, allowBodyToken: true });
      await request(app).post('/resource').type('form').send({ access_token: token() }).expect(500);
      expect(lastError(errors).code).toBe('ERR_MTLS_MISCONFIGURED');
      expect(lastError(errors).message).toMatch(/Mount express\.urlencoded\(\)/);
    });
  });

  describe('diagnostics (never the token)', () => {
    it('publishes accepted and rejected outcomes with thumbprints and reason', async () => {
      const events: Record<string, unknown>[] = [];
      const listener = (message: unknown): void => {
        events.push(message as Record<string, unknown>);
      };
      subscribe(DIAGNOSTICS_CHANNELS.token, listener);
      try {
        const { app } = resourceServer(makeApp, STATIC);
        const jwt = token();
        await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${jwt}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(200);
        await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${jwt}`)
          .set(CERT_HEADER, certHeader('client-b'))
          .expect(401);
        expect(events[0]).toEqual({
          outcome: 'accepted',
          mode: 'jwt',
          location: 'header',
          certificateThumbprint: X5T_S256['client-a'],
          boundThumbprint: X5T_S256['client-a'],
          clientId: undefined,
          subject: 'client-a',
        });
        expect(events[1]).toMatchObject({
          outcome: 'rejected',
          code: 'ERR_MTLS_INVALID_TOKEN',
          reason: 'binding_mismatch',
          certificateThumbprint: X5T_S256['client-b'],
        });
        expect(JSON.stringify(events)).not.toContain(jwt.split('.')[2]);
        const bare = resourceServer(makeApp, STATIC, [], []);
        await request(bare.app).get('/resource').expect(500);
        expect(events[2]).toMatchObject({ outcome: 'error', code: 'ERR_MTLS_MISCONFIGURED' });
      } finally {
        unsubscribe(DIAGNOSTICS_CHANNELS.token, listener);
      }
    });
  });

  describe('untrusted claims in events (escaped, clipped)', () => {
    it('client_id and sub of 5,000+ characters holding U+2028, U+2029, U+0085, U+202E', async () => {
      const events: Record<string, unknown>[] = [];
      const listener = (message: unknown): void => {
        events.push(message as Record<string, unknown>);
      };
      subscribe(DIAGNOSTICS_CHANNELS.token, listener);
      try {
        const { app } = resourceServer(makeApp, STATIC);
        const hostile = `\u2028\u2029\u0085\u202e${'x'.repeat(5000)}`;
        await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${token({ client_id: hostile, sub: hostile })}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(200);
        const escaped = `\\u2028\\u2029\\u0085\\u202e${'x'.repeat(232)}...`;
        expect(events[0]).toMatchObject({
          outcome: 'accepted',
          clientId: escaped,
          subject: escaped,
        });
        expect(JSON.stringify(events)).toMatch(/^[\x20-\x7e]*$/);
      } finally {
        unsubscribe(DIAGNOSTICS_CHANNELS.token, listener);
      }
    });
  });

  describe('with jwksUri (keys from a real loopback JWKS endpoint)', () => {
    let jwks: LoopbackServer;
    beforeAll(async () => {
      jwks = await startServer((_req, res) => {
        sendJson(res, 200, {
          keys: [
            { ...publicKey('rsa').export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' },
          ],
        });
      });
    });
    afterAll(async () => {
      await jwks.close();
    });

    it('accepts a token signed by a JWKS key', async () => {
      const { app } = resourceServer(makeApp, {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: `${jwks.url}/jwks`,
      });
      await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${token({}, { kid: 'k1' })}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
    });

    it('refuses an unknown kid after refetching (signature)', async () => {
      const { app, errors } = resourceServer(makeApp, {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: `${jwks.url}/jwks`,
      });
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${token({}, { kid: 'k9' })}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(401);
      expect(res.headers['www-authenticate']).toBe(
        challenge('the access token signature is invalid'),
      );
      expect(lastError(errors).reason).toBe('signature');
    });

    it('answers 503 when the JWKS endpoint is down, never 401 or 200', async () => {
      const { app, errors } = resourceServer(makeApp, {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: `${await closedPortUrl()}/jwks`,
      });
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${token({}, { kid: 'k1' })}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'service temporarily unavailable',
      });
      expect(lastError(errors).code).toBe('ERR_MTLS_UNAVAILABLE');
      expect(lastError(errors).reason).toBe('jwks_unavailable');
    });
  });

  describe('with introspection (a real loopback RFC 7662 endpoint)', () => {
    let answer: Record<string, unknown>;
    let endpoint: LoopbackServer;
    beforeAll(async () => {
      endpoint = await startServer((_req, res) => {
        sendJson(res, 200, answer);
      });
    });
    afterAll(async () => {
      await endpoint.close();
    });
    beforeEach(() => {
      endpoint.requests.length = 0;
      answer = { active: true, token_type: 'Bearer', exp: now() + 300, scope: 'read', ...BOUND_A };
    });

    const introspection = (url: string) => ({
      introspection: { endpoint: url, clientId: 'rs', clientSecret: 'secret' },
    });

    it('accepts an active bound token, and caches the answer', async () => {
      const { app } = resourceServer(makeApp, introspection(`${endpoint.url}/introspect`));
      const res = await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer opaque-1')
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      expect(res.body.auth).toEqual({
        token: 'opaque-1',
        payload: answer,
        thumbprint: X5T_S256['client-a'],
      });
      await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer opaque-1')
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer opaque-1')
        .set(CERT_HEADER, certHeader('client-b'))
        .expect(401);
      expect(endpoint.requests).toHaveLength(1);
      await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer opaque-2')
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
      expect(endpoint.requests).toHaveLength(2);
    });

    it('does not cache an inactive answer', async () => {
      answer = { active: false };
      const { app, errors } = resourceServer(makeApp, introspection(`${endpoint.url}/introspect`));
      const res = await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer opaque-1')
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(401);
      expect(res.headers['www-authenticate']).toBe(challenge('the access token is not active'));
      expect(lastError(errors).reason).toBe('inactive');
      await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer opaque-1')
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(401);
      expect(endpoint.requests).toHaveLength(2);
    });

    it('binds with the top-level cnf of the introspection response (RFC 8705 §3.2)', async () => {
      const { app, errors } = resourceServer(makeApp, introspection(`${endpoint.url}/introspect`));
      await request(app).get('/resource').set('Authorization', 'Bearer opaque-1').expect(401);
      expect(lastError(errors).reason).toBe('certificate_missing');
      answer = { active: true, token_type: 'Bearer' };
      await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer opaque-2')
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(401);
      expect(lastError(errors).reason).toBe('unbound');
    });

    it('answers 503 when the endpoint is down', async () => {
      const { app, errors } = resourceServer(
        makeApp,
        introspection(`${await closedPortUrl()}/introspect`),
      );
      await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer opaque-1')
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(503);
      expect(lastError(errors).code).toBe('ERR_MTLS_UNAVAILABLE');
      expect(lastError(errors).reason).toBe('introspection_unavailable');
    });

    it('passes an unexpected failure (a broken agent) to next(err)', async () => {
      const broken = {
        addRequest() {
          throw new Error('broken agent');
        },
      };
      const { app, errors } = resourceServer(makeApp, {
        introspection: {
          endpoint: `${endpoint.url}/introspect`,
          clientId: 'rs',
          agent: broken as never,
        },
      });
      await request(app)
        .get('/resource')
        .set('Authorization', 'Bearer opaque-1')
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(500);
      expect((lastError(errors) as unknown as Error).message).toBe('broken agent');
    });
  });
});
