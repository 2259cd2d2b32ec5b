/**
 * Clock skew at the exact edges, on Express 4 and 5: token `exp`, `nbf` and `maxTokenAge` with
 * `clockTolerance` (only `Date` is faked, so `jsonwebtoken`, the claim checks and the
 * verified-token cache all read the same clock; the cached and uncached paths must agree to the
 * second), and certificate validity with `clockTolerance` through the `clock` option of
 * `requireClientCertificate()` and the system clock of `mtlsClientAuthentication()` — exactly at
 * ±tolerance accepted, one unit beyond refused.
 */
import express5, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import {
  clientCertificate,
  mtlsClientAuthentication,
  mtlsErrorHandler,
  requireClientCertificate,
  type MtlsError,
} from '../../lib';
import { CERT_HEADER, certHeader, resourceServer } from '../binding/helpers/app';
import { AUDIENCE, ISSUER, privateKey, publicPem, signJwt } from '../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { der, pem, X5T_S256 } from '../helpers/fixtures';

/** Fakes `Date` only: timers, ticks and I/O stay real, so servers and sockets work. */
function freezeDate(ms: number): void {
  jest.useFakeTimers({
    now: ms,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

afterEach(() => {
  jest.useRealTimers();
});

const EXP = 1_900_000_000;
const NBF = 1_899_999_000;
const IAT = 1_899_998_000;
const TOLERANCE = 30;

const TOKEN = signJwt(
  {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'client-a',
    iat: IAT,
    nbf: NBF,
    exp: EXP,
    cnf: { 'x5t#S256': X5T_S256['client-a'] },
  },
  privateKey('rsa'),
  'RS256',
);

describe.each(EXPRESS_VERSIONS)('token time claims on %s', (_name, makeApp) => {
  /**
   * The status at `seconds` (and 999 ms into that second), without and with the verified-token
   * cache warmed one second after nbf (a hit re-checks the window; the cache never keeps a token
   * past its exp, so after exp both paths verify afresh).
   */
  async function statusAt(
    seconds: number,
    options: { clockTolerance?: number; maxTokenAge?: number } = {},
  ): Promise<{ uncached: [number, string | undefined]; cached: [number, string | undefined] }> {
    const result: Record<string, [number, string | undefined]> = {};
    for (const cacheMaxEntries of [0, 1000]) {
      const server = resourceServer(makeApp, {
        issuer: ISSUER,
        audience: AUDIENCE,
        publicKey: publicPem('rsa'),
        cacheMaxEntries,
        ...options,
      });
      if (cacheMaxEntries > 0) {
        // warm the cache while the token is comfortably valid
        freezeDate((NBF + 1) * 1000);
        await request(server.app)
          .get('/resource')
          .set('Authorization', `Bearer ${TOKEN}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(200);
      }
      freezeDate(seconds * 1000 + 999);
      const res = await request(server.app)
        .get('/resource')
        .set('Authorization', `Bearer ${TOKEN}`)
        .set(CERT_HEADER, certHeader('client-a'));
      const error = server.errors[server.errors.length - 1] as MtlsError | undefined;
      result[cacheMaxEntries === 0 ? 'uncached' : 'cached'] = [res.status, error?.reason];
    }
    return result as {
      uncached: [number, string | undefined];
      cached: [number, string | undefined];
    };
  }

  const both = (status: number, reason?: string) => ({
    uncached: [status, reason],
    cached: [status, reason],
  });

  it.each([
    ['exp: one second before exp + tolerance', EXP + TOLERANCE - 1, both(200)],
    ['exp: at exp + tolerance', EXP + TOLERANCE, both(401, 'expired')],
    ['nbf: at nbf − tolerance', NBF - TOLERANCE, both(200)],
    ['nbf: one second before nbf − tolerance', NBF - TOLERANCE - 1, both(401, 'not_yet_valid')],
  ])('clockTolerance 30, %s', async (_what, seconds, expected) => {
    expect(await statusAt(seconds, { clockTolerance: TOLERANCE })).toEqual(expected);
  });

  it.each([
    ['one second before exp', EXP - 1, both(200)],
    ['at exp', EXP, both(401, 'expired')],
    ['at nbf', NBF, both(200)],
    ['one second before nbf', NBF - 1, both(401, 'not_yet_valid')],
  ])('clockTolerance 0, %s', async (_what, seconds, expected) => {
    expect(await statusAt(seconds, { clockTolerance: 0 })).toEqual(expected);
  });

  it('default clockTolerance (5 s): accepted 4 s after exp, refused 5 s after', async () => {
    expect(await statusAt(EXP + 4)).toEqual(both(200));
    expect(await statusAt(EXP + 5)).toEqual(both(401, 'expired'));
  });

  it('maxTokenAge 1000 with clockTolerance 30: iat + 1029 accepted, iat + 1030 too_old', async () => {
    const options = { clockTolerance: TOLERANCE, maxTokenAge: 1000 };
    expect(await statusAt(IAT + 1000 + TOLERANCE - 1, options)).toEqual(both(200));
    expect(await statusAt(IAT + 1000 + TOLERANCE, options)).toEqual(both(401, 'too_old'));
  });
});

// client-a, the intermediate and the root: openssl x509 -startdate -enddate (all three alike)
const NOT_BEFORE = Date.parse('2026-11-25T21:20:06Z');
const NOT_AFTER = Date.parse('2126-11-01T21:20:06Z');
const TOLERANCE_MS = TOLERANCE * 1000;
const CHAIN_A = Buffer.concat([der('client-a'), der('intermediate-ca')]).toString('base64');

describe.each(EXPRESS_VERSIONS)('certificate validity edges on %s', (_name, makeApp) => {
  function validityApp(now: () => number, extra: Record<string, unknown> = {}) {
    const errors: MtlsError[] = [];
    const app = makeApp();
    app.use(
      clientCertificate({ format: 'der-base64', trustProxy: 'loopback' }),
      requireClientCertificate({
        trustAnchors: [pem('root-ca')],
        clockTolerance: TOLERANCE,
        clock: () => new Date(now()),
        ...extra,
      }),
    );
    app.get('/', (_req, res) => res.json({ ok: true }));
    const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
      errors.push(err);
      next(err);
    };
    app.use(record, mtlsErrorHandler());
    return { app, errors };
  }

  async function outcome(app: ReturnType<typeof validityApp>, header = CHAIN_A) {
    const res = await request(app.app).get('/').set('X-Client-Cert', header);
    return [res.status, app.errors[app.errors.length - 1]?.reason];
  }

  it.each([
    ['notAfter + tolerance', NOT_AFTER + TOLERANCE_MS, [200, undefined]],
    ['1 ms after notAfter + tolerance', NOT_AFTER + TOLERANCE_MS + 1, [403, 'expired']],
    ['notBefore − tolerance', NOT_BEFORE - TOLERANCE_MS, [200, undefined]],
    ['1 ms before notBefore − tolerance', NOT_BEFORE - TOLERANCE_MS - 1, [403, 'not_yet_valid']],
  ])('chain method at %s', async (_what, at, expected) => {
    expect(await outcome(validityApp(() => at, { cacheSize: 0 }))).toEqual(expected);
  });

  it('a success cached at the last valid millisecond is not reused one millisecond later', async () => {
    let now = NOT_AFTER + TOLERANCE_MS;
    const app = validityApp(() => now);
    expect(await outcome(app)).toEqual([200, undefined]);
    now += 1;
    expect(await outcome(app)).toEqual([403, 'expired']);
  });

  it.each([
    ['notAfter + tolerance', NOT_AFTER + TOLERANCE_MS, [200, undefined]],
    ['1 ms after', NOT_AFTER + TOLERANCE_MS + 1, [403, 'expired']],
    ['notBefore − tolerance', NOT_BEFORE - TOLERANCE_MS, [200, undefined]],
    ['1 ms before', NOT_BEFORE - TOLERANCE_MS - 1, [403, 'not_yet_valid']],
  ])('thumbprint pin (checkValidity) at %s', async (_what, at, expected) => {
    const pinned = validityApp(() => at, { thumbprints: [X5T_S256['client-a']] });
    expect(await outcome(pinned, der('client-a').toString('base64'))).toEqual(expected);
  });

  describe('mtlsClientAuthentication() (system clock)', () => {
    function tokenEndpoint() {
      const errors: MtlsError[] = [];
      const app = makeApp();
      app.post(
        '/token',
        express5.urlencoded({ extended: false }),
        clientCertificate({ format: 'der-base64', trustProxy: 'loopback' }),
        mtlsClientAuthentication({
          trustAnchors: [pem('root-ca')],
          clockTolerance: TOLERANCE,
          getClient: () => ({
            client_id: 'client-a',
            token_endpoint_auth_method: 'tls_client_auth',
            tls_client_auth_san_dns: 'client-a.example.test',
          }),
        }),
        (_req, res) => res.json({ ok: true }),
      );
      const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
        errors.push(err);
        next(err);
      };
      app.use(record, mtlsErrorHandler());
      return { app, errors };
    }

    it.each([
      ['notAfter + tolerance', NOT_AFTER + TOLERANCE_MS, [200, undefined]],
      ['1 ms after', NOT_AFTER + TOLERANCE_MS + 1, [401, 'chain:expired']],
      ['notBefore − tolerance', NOT_BEFORE - TOLERANCE_MS, [200, undefined]],
      ['1 ms before', NOT_BEFORE - TOLERANCE_MS - 1, [401, 'chain:not_yet_valid']],
    ])('at %s', async (_what, at, expected) => {
      const endpoint = tokenEndpoint();
      freezeDate(at);
      const res = await request(endpoint.app)
        .post('/token')
        .type('form')
        .set('X-Client-Cert', CHAIN_A)
        .send('grant_type=client_credentials&client_id=client-a');
      expect([res.status, endpoint.errors[endpoint.errors.length - 1]?.reason]).toEqual(expected);
    });
  });
});
