import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import express, { type Express } from 'express';
import request from 'supertest';
import { instrumentMtls, METRIC_NAMES, type MtlsInstrumentation } from '../../lib';
import { mtlsErrorHandler } from '../../lib/error-handler';
import { clientCertificate } from '../../lib/forwarding/client-certificate';
import { requireClientCertificate } from '../../lib/auth/require-client-certificate';
import { mtlsClientAuthentication } from '../../lib/auth/mtls-client-authentication';
import { requireCertificateBoundToken } from '../../lib/binding/require-certificate-bound-token';
import { requireScopes } from '../../lib/binding/require-scopes';
import { requireSenderConstrainedToken } from '../../lib/binding/require-sender-constrained-token';
import type { ReplayStore } from '../../lib/dpop/replay-store';
import { b64, KEYS, signature } from '../dpop/helpers/proof';
import { createHash } from 'node:crypto';
import { pem, X5T_S256 } from '../helpers/fixtures';
import { AUDIENCE, claims, ISSUER, privateKey, publicKey, signJwt } from '../binding/helpers/keys';
import {
  closedPortUrl,
  sendJson,
  startServer,
  type LoopbackServer,
} from '../binding/helpers/servers';
import { testSdk, type TestSdk } from './otel';
import { forgetWarnings } from '../../lib/warnings';

/** Computed by openssl: `openssl x509 -in client-a.pem -noout -fingerprint -sha256`. */
const CLIENT_A_SHA256_HEX = '83C51F5506A15B3E569A3B74A30DA97F3931C4B96D1C112353AB8FCBDD7729FC';
const CLIENT_A_SUBJECT = 'CN=client-a,OU=Payments,O=express-mtls tests,C=US';
const CLIENT_A_ISSUER = 'CN=Test Intermediate CA,O=express-mtls tests,C=US';
const CLIENT_A_NOT_AFTER = '2126-11-01T21:20:06.000Z';
const D = METRIC_NAMES.decisions;

function header(name: 'client-a' | 'client-b' | 'self-signed'): string {
  return encodeURIComponent(
    name === 'self-signed' ? pem(name) : pem(name) + pem('intermediate-ca'),
  );
}

function bearer(cnf: string, extra: Record<string, unknown> = {}): string {
  return signJwt(
    claims({ cnf: { 'x5t#S256': cnf }, client_id: 'app-1', ...extra }),
    privateKey('rsa'),
    'RS256',
    { kid: 'k1' },
  );
}

let jwks: LoopbackServer;
let jwksUp = true;
let sdk: TestSdk;
let instrumentation: MtlsInstrumentation;
let contextManager: AsyncLocalStorageContextManager;

function app(jwksUri: string): Express {
  const a = express();
  const tracer = sdk.tracerProvider.getTracer('test-http');
  a.use((req, res, next) => {
    const span = tracer.startSpan(`http ${req.path}`);
    res.on('finish', () => {
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), next);
  });
  a.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
  a.get('/client', requireClientCertificate({ trustAnchors: [pem('root-ca')] }), (_req, res) => {
    res.send('ok');
  });
  a.get(
    '/resource',
    requireCertificateBoundToken({ issuer: ISSUER, audience: AUDIENCE, jwksUri }),
    requireScopes('read'),
    (_req, res) => {
      res.send('ok');
    },
  );
  a.use(mtlsErrorHandler());
  return a;
}

beforeAll(async () => {
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  jwks = await startServer((_req, res) => {
    if (!jwksUp) {
      sendJson(res, 500, 'down');
      return;
    }
    sendJson(res, 200, {
      keys: [{ ...publicKey('rsa').export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' }],
    });
  });
});

afterAll(async () => {
  await jwks.close();
  context.disable();
});

beforeEach(() => {
  jwksUp = true;
  sdk = testSdk();
  instrumentation = instrumentMtls({
    meterProvider: sdk.meterProvider,
    tracerProvider: sdk.tracerProvider,
  });
});

afterEach(async () => {
  instrumentation.disable();
  await sdk.shutdown();
});

describe('instrumentMtls() with the OpenTelemetry SDK', () => {
  it('accept: decision counters, warm/cold latency, cache lookups, spans with tls.client.*, expiry gauge', async () => {
    const a = app(`${jwks.url}/jwks`);
    await request(a).get('/client').set('X-SSL-CERT', header('client-a')).expect(200);
    await request(a).get('/client').set('X-SSL-CERT', header('client-a')).expect(200);

    const accepted = { 'express_mtls.outcome': 'accepted' };
    expect(
      await sdk.count(D, {
        ...accepted,
        'express_mtls.middleware': 'requireClientCertificate',
        'express_mtls.reason': 'none',
      }),
    ).toBe(2);
    expect(
      await sdk.count(D, { ...accepted, 'express_mtls.middleware': 'clientCertificate' }),
    ).toBe(2);
    expect(
      await sdk.count(METRIC_NAMES.cacheLookups, {
        'express_mtls.cache.name': 'chain',
        'express_mtls.cache.result': 'miss',
      }),
    ).toBe(1);
    expect(
      await sdk.count(METRIC_NAMES.cacheLookups, {
        'express_mtls.cache.name': 'chain',
        'express_mtls.cache.result': 'hit',
      }),
    ).toBe(1);
    const parse = await sdk.points(METRIC_NAMES.decisionDuration);
    const certificateTimings = parse.filter(
      (p) => p.attributes['express_mtls.middleware'] === 'clientCertificate',
    );
    expect(certificateTimings.map((p) => p.attributes['express_mtls.cache']).sort()).toEqual([
      'cold',
      'warm',
    ]);
    for (const point of certificateTimings) {
      expect((point.value as { count: number }).count).toBe(1);
    }

    const [gauge] = await sdk.points(METRIC_NAMES.soonestExpiry);
    const expected = (Date.parse(CLIENT_A_NOT_AFTER) - Date.now()) / 1000;
    expect(Math.abs((gauge?.value as number) - expected)).toBeLessThan(60);
    expect(gauge?.attributes).toEqual({});

    const spans = sdk.spans('express_mtls requireClientCertificate');
    expect(spans).toHaveLength(2);
    const span = spans[0]!;
    expect(span.attributes).toMatchObject({
      'tls.client.hash.sha256': CLIENT_A_SHA256_HEX,
      'tls.client.subject': CLIENT_A_SUBJECT,
      'tls.client.issuer': CLIENT_A_ISSUER,
      'tls.client.not_after': CLIENT_A_NOT_AFTER,
      'express_mtls.outcome': 'accepted',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const parent = sdk.spans('http /client')[0]!;
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(parent.spanContext().traceId);
  });

  it('never puts a thumbprint, subject or client id in a metric attribute', async () => {
    const a = app(`${jwks.url}/jwks`);
    await request(a).get('/client').set('X-SSL-CERT', header('client-a')).expect(200);
    await request(a)
      .get('/resource')
      .set('X-SSL-CERT', header('client-a'))
      .set('Authorization', `Bearer ${bearer(X5T_S256['client-a'], { scope: 'read' })}`)
      .expect(200);
    const text = JSON.stringify(
      (await sdk.metrics()).flatMap((m) => m.dataPoints.map((p) => p.attributes)),
    );
    for (const secret of [X5T_S256['client-a'], CLIENT_A_SHA256_HEX, 'client-a', 'CN=', 'app-1']) {
      expect(text).not.toContain(secret);
    }
  });

  it.each([
    [
      'no certificate',
      '/client',
      {},
      401,
      'requireClientCertificate',
      'ERR_MTLS_CERTIFICATE_REQUIRED',
    ],
    [
      'self-signed',
      '/client',
      { 'X-SSL-CERT': header('self-signed') },
      403,
      'requireClientCertificate',
      'self_signed_not_allowed',
    ],
    [
      'malformed header',
      '/client',
      { 'X-SSL-CERT': 'not%20a%20certificate' },
      400,
      'clientCertificate',
      'pem',
    ],
    [
      'no token',
      '/resource',
      { 'X-SSL-CERT': header('client-a') },
      401,
      'requireCertificateBoundToken',
      'ERR_MTLS_TOKEN_MISSING',
    ],
    [
      'binding mismatch',
      '/resource',
      {
        'X-SSL-CERT': header('client-b'),
        Authorization: `Bearer ${bearer(X5T_S256['client-a'], { scope: 'read' })}`,
      },
      401,
      'requireCertificateBoundToken',
      'binding_mismatch',
    ],
    [
      'insufficient scope',
      '/resource',
      { 'X-SSL-CERT': header('client-a'), Authorization: `Bearer ${bearer(X5T_S256['client-a'])}` },
      403,
      'requireScopes',
      'ERR_MTLS_INSUFFICIENT_SCOPE',
    ],
  ] as const)(
    'rejection (%s): counted with its reason, span with error.type',
    async (_label, path, headers, status, middleware, reason) => {
      const res = await request(app(`${jwks.url}/jwks`))
        .get(path)
        .set(headers)
        .expect(status);
      const code = (res.body as { error?: string }).error;
      expect(code).toBeDefined();
      expect(
        await sdk.count(D, {
          'express_mtls.middleware': middleware,
          'express_mtls.outcome': 'rejected',
          'express_mtls.reason': reason,
        }),
      ).toBe(1);
      const [span] = sdk.spans(`express_mtls ${middleware}`);
      expect(span?.attributes['express_mtls.outcome']).toBe('rejected');
      expect(span?.attributes['error.type']).toMatch(/^ERR_MTLS_/);
      expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    },
  );

  it('a bound token: JWKS dependency call (ok, CLIENT span under the request), then the token cache warm', async () => {
    const a = app(`${jwks.url}/jwks`);
    const token = bearer(X5T_S256['client-a'], { scope: 'read' });
    for (let i = 0; i < 2; i++) {
      await request(a)
        .get('/resource')
        .set('X-SSL-CERT', header('client-a'))
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
    }
    expect(
      await sdk.count(METRIC_NAMES.dependencyCalls, {
        'express_mtls.dependency': 'jwks',
        'express_mtls.outcome': 'ok',
      }),
    ).toBe(1);
    const [latency] = await sdk.points(METRIC_NAMES.dependencyDuration);
    expect(latency?.attributes).toEqual({
      'express_mtls.dependency': 'jwks',
      'express_mtls.outcome': 'ok',
    });
    expect(
      await sdk.count(METRIC_NAMES.cacheLookups, {
        'express_mtls.cache.name': 'token',
        'express_mtls.cache.result': 'hit',
      }),
    ).toBe(1);
    const timings = (await sdk.points(METRIC_NAMES.decisionDuration)).filter(
      (p) => p.attributes['express_mtls.middleware'] === 'requireCertificateBoundToken',
    );
    expect(timings.map((p) => p.attributes['express_mtls.cache']).sort()).toEqual(['cold', 'warm']);
    const [dependency] = sdk.spans('express_mtls.dependency jwks');
    expect(dependency?.kind).toBe(SpanKind.CLIENT);
    expect(dependency?.attributes['express_mtls.outcome']).toBe('ok');
    const first = sdk.spans('http /resource')[0]!;
    expect(dependency?.parentSpanContext?.spanId).toBe(first.spanContext().spanId);
    const [decision] = sdk.spans('express_mtls requireCertificateBoundToken');
    expect(decision?.attributes['express_mtls.client_id']).toBe('app-1');
    expect(decision?.attributes['tls.client.hash.sha256']).toBe(CLIENT_A_SHA256_HEX);
  });

  it('a DPoP-bound token: decision metrics and span of requireSenderConstrainedToken, replay_store dependency ok then error', async () => {
    const token = signJwt(claims({ cnf: { jkt: KEYS.ec.jkt } }), privateKey('rsa'), 'RS256');
    const proof = (): string => {
      const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: KEYS.ec.jwk };
      const payload = {
        jti: `${Date.now()}-${Math.random()}`,
        htm: 'GET',
        htu: 'https://api.example.com/dpop',
        iat: Math.floor(Date.now() / 1000),
        ath: createHash('sha256').update(token).digest('base64url'),
      };
      const data = `${b64(header)}.${b64(payload)}`;
      return `${data}.${signature(data, KEYS.ec.privateKey, 'ES256')}`;
    };
    let storeUp = true;
    const store: ReplayStore = {
      add: () => (storeUp ? Promise.resolve(true) : Promise.reject(new Error('down'))),
    };
    const a = express();
    a.use(
      requireSenderConstrainedToken({
        issuer: ISSUER,
        audience: AUDIENCE,
        publicKey: publicKey('rsa'),
        methods: ['dpop'],
        dpop: { publicUrl: 'https://api.example.com', replay: store },
      }),
    );
    a.get('/dpop', (_req, res) => {
      res.send('ok');
    });
    a.use(mtlsErrorHandler());
    const call = () =>
      request(a).get('/dpop').set('Authorization', `DPoP ${token}`).set('DPoP', proof());
    await call().expect(200);
    storeUp = false;
    await call().expect(503);
    const middleware = 'requireSenderConstrainedToken';
    expect(
      await sdk.count(D, {
        'express_mtls.middleware': middleware,
        'express_mtls.outcome': 'accepted',
      }),
    ).toBe(1);
    expect(
      await sdk.count(D, {
        'express_mtls.middleware': middleware,
        'express_mtls.outcome': 'error',
        'express_mtls.reason': 'replay_store_unavailable',
      }),
    ).toBe(1);
    for (const outcome of ['ok', 'error']) {
      expect(
        await sdk.count(METRIC_NAMES.dependencyCalls, {
          'express_mtls.dependency': 'replay_store',
          'express_mtls.outcome': outcome,
        }),
      ).toBe(1);
    }
    // decision spans exist only under a sampled request span (none here)
    expect(sdk.spans('express_mtls requireSenderConstrainedToken')).toHaveLength(0);
  });

  it('JWKS down → 503, decision outcome error, dependency outcome error, spans with status ERROR', async () => {
    jwksUp = false;
    await request(app(`${jwks.url}/jwks`))
      .get('/resource')
      .set('X-SSL-CERT', header('client-a'))
      .set('Authorization', `Bearer ${bearer(X5T_S256['client-a'])}`)
      .expect(503);
    expect(
      await sdk.count(METRIC_NAMES.dependencyCalls, {
        'express_mtls.dependency': 'jwks',
        'express_mtls.outcome': 'error',
      }),
    ).toBe(1);
    expect(
      await sdk.count(D, {
        'express_mtls.middleware': 'requireCertificateBoundToken',
        'express_mtls.outcome': 'error',
        'express_mtls.reason': 'jwks_unavailable',
      }),
    ).toBe(1);
    const [dependency] = sdk.spans('express_mtls.dependency jwks');
    expect(dependency?.status.code).toBe(SpanStatusCode.ERROR);
    expect(dependency?.attributes['error.type']).toEqual(expect.any(String));
    const [decision] = sdk.spans('express_mtls requireCertificateBoundToken');
    expect(decision?.status.code).toBe(SpanStatusCode.ERROR);
    expect(decision?.attributes['error.type']).toBe('ERR_MTLS_UNAVAILABLE');
  });

  it('JWKS unreachable (connection refused) → 503 and a jwks error', async () => {
    await request(app(`${await closedPortUrl()}/jwks`))
      .get('/resource')
      .set('X-SSL-CERT', header('client-a'))
      .set('Authorization', `Bearer ${bearer(X5T_S256['client-a'])}`)
      .expect(503);
    expect(
      await sdk.count(METRIC_NAMES.dependencyCalls, {
        'express_mtls.dependency': 'jwks',
        'express_mtls.outcome': 'error',
      }),
    ).toBe(1);
  });

  it('client registry: a getClient that throws synchronously is a dependency error (503)', async () => {
    const a = express();
    a.use(express.urlencoded({ extended: false }));
    a.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
    a.post(
      '/token',
      mtlsClientAuthentication({
        getClient: () => {
          throw new Error('registry down');
        },
        trustAnchors: [pem('root-ca')],
      }),
      (_req, res) => {
        res.send('ok');
      },
    );
    a.use(mtlsErrorHandler());
    await request(a)
      .post('/token')
      .set('X-SSL-CERT', header('client-a'))
      .type('form')
      .send({ client_id: 'c1' })
      .expect(503);
    expect(
      await sdk.count(METRIC_NAMES.dependencyCalls, {
        'express_mtls.dependency': 'client_registry',
        'express_mtls.outcome': 'error',
      }),
    ).toBe(1);
    const [span] = sdk.spans('express_mtls.dependency client_registry');
    expect(span?.attributes['error.type']).toBe('Error');
    expect(
      await sdk.count(D, {
        'express_mtls.middleware': 'mtlsClientAuthentication',
        'express_mtls.outcome': 'error',
        'express_mtls.reason': 'client_registry_unavailable',
      }),
    ).toBe(1);
  });

  it('introspection answering 500 is a dependency error even though the call resolves', async () => {
    const endpoint = await startServer((_req, res) => {
      sendJson(res, 500, 'no');
    });
    try {
      const a = express();
      a.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
      a.use(
        requireCertificateBoundToken({
          issuer: ISSUER,
          audience: AUDIENCE,
          introspection: {
            endpoint: `${endpoint.url}/introspect`,
            clientId: 'rs',
            clientSecret: 's',
          },
        }),
      );
      a.use(mtlsErrorHandler());
      await request(a)
        .get('/')
        .set('X-SSL-CERT', header('client-a'))
        .set('Authorization', 'Bearer opaque')
        .expect(503);
    } finally {
      await endpoint.close();
    }
    expect(
      await sdk.count(METRIC_NAMES.dependencyCalls, {
        'express_mtls.dependency': 'introspection',
        'express_mtls.outcome': 'error',
      }),
    ).toBe(1);
    const [span] = sdk.spans('express_mtls.dependency introspection');
    expect(span?.attributes['error.type']).toBe('unavailable');
  });

  it('disable() stops every subscription, is idempotent, and Symbol.dispose does the same', async () => {
    instrumentation.disable();
    instrumentation.disable();
    await request(app(`${jwks.url}/jwks`))
      .get('/client')
      .set('X-SSL-CERT', header('client-a'))
      .expect(200);
    expect(await sdk.count(D, {})).toBe(0);
    expect(sdk.spans().filter((s) => s.name.startsWith('express_mtls'))).toHaveLength(0);
    const again = instrumentMtls({
      meterProvider: sdk.meterProvider,
      tracerProvider: sdk.tracerProvider,
    });
    again[Symbol.dispose]();
    await request(app(`${jwks.url}/jwks`))
      .get('/client')
      .set('X-SSL-CERT', header('client-a'))
      .expect(200);
    expect(await sdk.count(D, {})).toBe(0);
  });

  it('metrics: false records spans only; traces: false records metrics only', async () => {
    instrumentation.disable();
    const spansOnly = instrumentMtls({
      tracerProvider: sdk.tracerProvider,
      meterProvider: sdk.meterProvider,
      metrics: false,
    });
    await request(app(`${jwks.url}/jwks`))
      .get('/client')
      .set('X-SSL-CERT', header('client-a'))
      .expect(200);
    spansOnly.disable();
    expect(await sdk.count(D, {})).toBe(0);
    expect(sdk.spans('express_mtls requireClientCertificate')).toHaveLength(1);
    const metricsOnly = instrumentMtls({
      tracerProvider: sdk.tracerProvider,
      meterProvider: sdk.meterProvider,
      traces: false,
    });
    jwksUp = false;
    await request(app(`${jwks.url}/jwks`))
      .get('/resource')
      .set('X-SSL-CERT', header('client-a'))
      .set('Authorization', `Bearer ${bearer(X5T_S256['client-a'])}`)
      .expect(503);
    metricsOnly.disable();
    expect(await sdk.count(METRIC_NAMES.dependencyCalls, { 'express_mtls.outcome': 'error' })).toBe(
      1,
    );
    expect(sdk.spans('express_mtls.dependency jwks')).toHaveLength(0);
  });

  it('uses the global providers by default (no-op without an SDK: nothing recorded, nothing thrown, one warning)', async () => {
    instrumentation.disable();
    forgetWarnings();
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let global: MtlsInstrumentation;
    try {
      instrumentMtls({ metrics: false, traces: false }).disable();
      expect(emitWarning).not.toHaveBeenCalled();
      global = instrumentMtls();
      instrumentMtls().disable();
      expect(emitWarning).toHaveBeenCalledTimes(1);
      expect(emitWarning).toHaveBeenCalledWith(
        expect.stringContaining('no OpenTelemetry meter or tracer provider is registered'),
        { type: 'ExpressMtlsWarning', code: 'MTLS_OTEL_NO_PROVIDER' },
      );
    } finally {
      emitWarning.mockRestore();
    }
    try {
      await request(app(`${jwks.url}/jwks`))
        .get('/client')
        .set('X-SSL-CERT', header('client-a'))
        .expect(200);
    } finally {
      global.disable();
    }
    expect(await sdk.count(D, {})).toBe(0);
  });

  it.each([
    [{ metrics: 'yes' }, /metrics/],
    [{ traces: 1 }, /traces/],
    [{ expiryWindow: 0 }, /expiryWindow/],
    [{ expiryWindow: 1.5 }, /expiryWindow/],
    [{ meterprovider: {} }, /meterprovider/],
    ['on', /options must be an object/],
  ])('refuses bad options %j with a TypeError', (options, message) => {
    expect(() => instrumentMtls(options as never)).toThrow(TypeError);
    expect(() => instrumentMtls(options as never)).toThrow(message);
  });
});
