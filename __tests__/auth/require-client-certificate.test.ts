import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import request from 'supertest';
import {
  ClientCertificate,
  clientCertificate,
  DIAGNOSTICS_CHANNELS,
  InsufficientScopeError,
  mtlsErrorHandler,
  requireClientCertificate,
  type MtlsError,
  type RequireClientCertificateOptions,
} from '../../lib/index';
import { markCertificateProcessed } from '../../lib/internal/request-state';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { selfSignedWithCommonName } from '../helpers/hostile-certificate';
import { pem, SHA1_HEX, X5T_S256 } from '../helpers/fixtures';
import { CHAIN_X5T, chainPem } from './chain/chain-fixtures';
import { revocationFile } from './revocation/revocation-servers';

/** nginx's `$ssl_client_escaped_cert`: URL-escaped PEM, the leaf then whatever chain nginx sends. */
function header(leaf: string, chain: readonly string[] = []): string {
  return encodeURIComponent([leaf, ...chain].join(''));
}

const EC = { trustAnchors: [chainPem('ec-root')] };
const BODY = { error: 'access_denied', error_description: 'client certificate not accepted' };

function server(
  makeApp: () => Express,
  options: RequireClientCertificateOptions,
  front: RequestHandler[] = [clientCertificate({ format: 'nginx', trustProxy: 'loopback' })],
): { app: Express; errors: MtlsError[] } {
  const app = makeApp();
  const errors: MtlsError[] = [];
  if (front.length > 0) app.use(...front);
  app.get('/api', requireClientCertificate(options), (req, res) => {
    const auth = req.clientCertAuth;
    res.json({
      method: auth?.method,
      certificate: auth?.certificate.thumbprint,
      path: auth?.path.map((c) => c.thumbprint),
    });
  });
  const record: ErrorRequestHandler = (err, _req, _res, next) => {
    errors.push(err as MtlsError);
    next(err);
  };
  app.use(record, mtlsErrorHandler());
  return { app, errors };
}

describe.each(EXPRESS_VERSIONS)('requireClientCertificate() on %s', (_name, makeApp) => {
  async function refused(
    options: RequireClientCertificateOptions,
    leaf: string,
    chain: readonly string[] = [],
  ): Promise<MtlsError> {
    const { app, errors } = server(makeApp, options);
    const res = await request(app).get('/api').set('X-SSL-CERT', header(leaf, chain)).expect(403);
    expect(res.body).toEqual(BODY);
    expect(res.headers['www-authenticate']).toBeUndefined();
    const error = errors[0] as MtlsError;
    expect(error.code).toBe('ERR_MTLS_CERTIFICATE_UNTRUSTED');
    expect(error.status).toBe(403);
    return error;
  }

  describe('untrusted certificate names in messages and events (escaped, clipped)', () => {
    it('a subject CN of 5,000+ characters holding U+2028, U+2029, U+0085, U+202E', async () => {
      const events: Record<string, unknown>[] = [];
      const listener = (message: unknown): void => {
        events.push(message as Record<string, unknown>);
      };
      subscribe(DIAGNOSTICS_CHANNELS.clientRejected, listener);
      try {
        const commonName = `\u2028\u2029\u0085\u202e${'A'.repeat(1300)}`.repeat(4);
        const error = await refused(EC, selfSignedWithCommonName(`${commonName}S`, commonName));
        expect(error.reason).toBe('unknown_issuer');
        expect(error.message).toBe(
          `client certificate not accepted: unknown_issuer: leaf: no trust anchor or intermediate named "CN=\\u2028\\u2029\\u0085\\u202e${'A'.repeat(229)}"...`,
        );
        expect(events).toHaveLength(1);
        const event = events[0] as { detail: string; certificate: Record<string, unknown> };
        expect(event.detail).toMatch(/^[\x20-\x7e]{1,400}$/);
        const expected = `CN=\\u2028\\u2029\\u0085\\u202e${'A'.repeat(229)}...`;
        expect(event.certificate).toMatchObject({ subject: expected, issuer: expected });
        expect(JSON.stringify(event)).toMatch(/^[\x20-\x7e]*$/);
      } finally {
        unsubscribe(DIAGNOSTICS_CHANNELS.clientRejected, listener);
      }
    });
  });

  describe('chain method', () => {
    it('accepts a certificate that chains to a trust anchor; req.clientCertAuth.path is leaf first', async () => {
      const { app } = server(makeApp, { trustAnchors: [pem('root-ca')] });
      const res = await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-a'), [pem('intermediate-ca')]))
        .expect(200);
      expect(res.body).toEqual({
        method: 'chain',
        certificate: X5T_S256['client-a'],
        path: [X5T_S256['client-a'], X5T_S256['intermediate-ca'], X5T_S256['root-ca']],
      });
    });

    it("path[0] is the request's own certificate object, also when the result comes from the cache", async () => {
      const seen: boolean[] = [];
      const app = makeApp();
      app.use((req, _res, next) => {
        req.clientCert = ClientCertificate.from(pem('client-a'), {
          chain: [pem('intermediate-ca')],
        });
        markCertificateProcessed(req);
        next();
      });
      app.get('/api', requireClientCertificate({ trustAnchors: [pem('root-ca')] }), (req, res) => {
        seen.push(req.clientCertAuth?.path[0] === req.clientCert);
        res.end();
      });
      await request(app).get('/api').expect(200);
      await request(app).get('/api').expect(200);
      expect(seen).toEqual([true, true]);
    });

    it('accepts with the intermediate configured instead of presented', async () => {
      const { app } = server(makeApp, { ...EC, intermediates: [chainPem('ec-int')] });
      const res = await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(chainPem('ec-leaf')))
        .expect(200);
      expect(res.body.path).toEqual([
        CHAIN_X5T.get('ec-leaf'),
        CHAIN_X5T.get('ec-int'),
        CHAIN_X5T.get('ec-root'),
      ]);
    });

    it.each([
      ['expired', 'leaf-expired', ['ec-int']],
      ['not_yet_valid', 'leaf-not-yet-valid', ['ec-int']],
      ['unknown_issuer', 'ec-leaf', []],
      ['unknown_issuer', 'other-leaf', ['other-int', 'other-root']],
      ['bad_signature', 'leaf-imposter', ['ec-int']],
      ['issuer_not_ca', 'leaf-under-notca', ['int-notca']],
      ['path_length_exceeded', 'leaf-under-sub', ['sub-int', 'ec-int']],
      ['eku_not_client_auth', 'leaf-eku-server', ['ec-int']],
      ['weak_algorithm', 'leaf-sha1', ['ec-int']],
      ['weak_key', 'leaf-p192', ['ec-int']],
      ['unknown_critical_extension', 'leaf-critical', ['ec-int']],
      ['self_signed_not_allowed', 'self-signed', []],
    ] as const)('403 %s (%s)', async (reason, leaf, chain) => {
      const error = await refused(EC, chainPem(leaf), chain.map(chainPem));
      expect(error.reason).toBe(reason);
      expect(error.message).toContain(`client certificate not accepted: ${reason}: `);
    });

    it('403 bad_signature on the RSA PKI (tampered signature)', async () => {
      const error = await refused(
        { trustAnchors: [chainPem('rsa-root')] },
        chainPem('leaf-tampered'),
        [chainPem('rsa-int')],
      );
      expect(error.reason).toBe('bad_signature');
    });

    it('403 revoked (configured CRL)', async () => {
      const error = await refused(
        {
          trustAnchors: [revocationFile('rev-root.pem')],
          revocation: {
            methods: ['crl'],
            crls: [revocationFile('int.crl')],
            fetchCrls: false,
            scope: 'leaf',
          },
        },
        revocationFile('rev-revoked.pem'),
        [revocationFile('rev-int.pem')],
      );
      expect(error.reason).toBe('revoked');
    });

    it('403 revocation_unknown when no CRL or responder is known', async () => {
      const error = await refused(
        { trustAnchors: [revocationFile('rev-root.pem')], revocation: { scope: 'leaf' } },
        revocationFile('rev-nolocation.pem'),
        [revocationFile('rev-int.pem')],
      );
      expect(error.reason).toBe('revocation_unknown');
    });

    it('503 ERR_MTLS_UNAVAILABLE (reason revocation_unknown) when the responder cannot be reached', async () => {
      const { app, errors } = server(makeApp, {
        trustAnchors: [revocationFile('rev-root.pem')],
        revocation: { methods: ['ocsp'], scope: 'leaf', ocspUrl: 'http://127.0.0.1:9/' },
      });
      const res = await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(revocationFile('rev-good.pem'), [revocationFile('rev-int.pem')]))
        .expect(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'service temporarily unavailable',
      });
      expect(errors[0]).toMatchObject({
        code: 'ERR_MTLS_UNAVAILABLE',
        reason: 'revocation_unknown',
      });
    });

    it('publishes clientRejected with the precise reason and clientAuthenticated on success', async () => {
      const events: { name: string; message: Record<string, unknown> }[] = [];
      const onRejected = (message: unknown): void => {
        events.push({ name: 'rejected', message: message as Record<string, unknown> });
      };
      const onAuthenticated = (message: unknown): void => {
        events.push({ name: 'authenticated', message: message as Record<string, unknown> });
      };
      subscribe(DIAGNOSTICS_CHANNELS.clientRejected, onRejected);
      subscribe(DIAGNOSTICS_CHANNELS.clientAuthenticated, onAuthenticated);
      try {
        const { app } = server(makeApp, EC);
        await request(app)
          .get('/api')
          .set('X-SSL-CERT', header(chainPem('leaf-under-int-expired'), [chainPem('int-expired')]))
          .expect(403);
        await request(app)
          .get('/api')
          .set('X-SSL-CERT', header(chainPem('ec-leaf'), [chainPem('ec-int')]))
          .expect(200);
      } finally {
        unsubscribe(DIAGNOSTICS_CHANNELS.clientRejected, onRejected);
        unsubscribe(DIAGNOSTICS_CHANNELS.clientAuthenticated, onAuthenticated);
      }
      expect(events).toEqual([
        {
          name: 'rejected',
          message: {
            reason: 'expired',
            detail: 'intermediate: expired at 2021-01-01T00:00:00.000Z',
            certificate: expect.objectContaining({
              thumbprint: CHAIN_X5T.get('leaf-under-int-expired'),
            }),
          },
        },
        {
          name: 'authenticated',
          message: {
            method: 'chain',
            pathLength: 3,
            certificate: expect.objectContaining({ thumbprint: CHAIN_X5T.get('ec-leaf') }),
          },
        },
      ]);
    });
  });

  describe('thumbprint method', () => {
    it('accepts a pinned self-signed certificate; path is [leaf]', async () => {
      const { app } = server(makeApp, { thumbprints: [X5T_S256['self-signed']] });
      const res = await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('self-signed')))
        .expect(200);
      expect(res.body).toEqual({
        method: 'thumbprint',
        certificate: X5T_S256['self-signed'],
        path: [X5T_S256['self-signed']],
      });
    });

    it('403 not_pinned for any other certificate', async () => {
      const error = await refused({ thumbprints: [X5T_S256['client-a']] }, pem('client-b'));
      expect(error.reason).toBe('not_pinned');
    });

    it('checks the pinned certificate validity by default (checkValidity)', async () => {
      const pinned = { thumbprints: [CHAIN_X5T.get('leaf-expired') as string] };
      expect((await refused(pinned, chainPem('leaf-expired'))).reason).toBe('expired');
      expect((await refused(pinned, chainPem('leaf-expired'))).message).toMatch(
        /pinned certificate expired at/,
      );
      const future = { thumbprints: [CHAIN_X5T.get('leaf-not-yet-valid') as string] };
      expect((await refused(future, chainPem('leaf-not-yet-valid'))).reason).toBe('not_yet_valid');
      const { app } = server(makeApp, { ...pinned, checkValidity: false });
      await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(chainPem('leaf-expired')))
        .expect(200);
    });

    it('a function decides; only true accepts; it receives the thumbprint, certificate and request', async () => {
      const seen: unknown[] = [];
      const { app } = server(makeApp, {
        thumbprints: (thumbprint, cert, req) => {
          seen.push([thumbprint, cert.thumbprint, req.path]);
          return Promise.resolve(
            thumbprint === X5T_S256['client-a'] ? true : ('yes' as unknown as boolean),
          );
        },
      });
      await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-a')))
        .expect(200);
      await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-b')))
        .expect(403);
      expect(seen).toEqual([
        [X5T_S256['client-a'], X5T_S256['client-a'], '/api'],
        [X5T_S256['client-b'], X5T_S256['client-b'], '/api'],
      ]);
    });

    it('clock: pins are checked for validity at the configured time', async () => {
      const { app } = server(makeApp, {
        thumbprints: [CHAIN_X5T.get('leaf-not-yet-valid') as string],
        clock: () => new Date('2100-06-01T00:00:00Z'),
      });
      await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(chainPem('leaf-not-yet-valid')))
        .expect(200);
    });

    it('a function that throws something other than an Error: 503 thumbprints_failed', async () => {
      const { app, errors } = server(makeApp, {
        thumbprints: () =>
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile hook
          Promise.reject(Object.assign(Object.create(null) as object, { toString: () => 'odd' })),
      });
      await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-a')))
        .expect(503);
      expect(errors[0]?.message).toBe('thumbprints threw: odd');
    });

    it('503 when the function throws (thumbprints_failed) or hangs (thumbprints_timeout)', async () => {
      const failing = server(makeApp, {
        thumbprints: () => {
          throw new Error('registry down');
        },
      });
      await request(failing.app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-a')))
        .expect(503);
      expect(failing.errors[0]).toMatchObject({
        code: 'ERR_MTLS_UNAVAILABLE',
        reason: 'thumbprints_failed',
      });
      expect(failing.errors[0]?.message).toContain('registry down');
      const hanging = server(makeApp, {
        thumbprints: () => new Promise<boolean>(() => undefined),
        hookTimeout: 30,
      });
      await request(hanging.app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-a')))
        .expect(503);
      expect(hanging.errors[0]).toMatchObject({
        code: 'ERR_MTLS_UNAVAILABLE',
        reason: 'thumbprints_timeout',
      });
    });
  });

  describe('both methods, allowedTypes, authorize', () => {
    const both = {
      trustAnchors: [pem('root-ca')],
      thumbprints: [X5T_S256['client-b'], X5T_S256['self-signed']],
    };

    it('a pin wins first; an unpinned chained certificate passes by its chain; an unpinned self-signed one is not_pinned', async () => {
      const { app } = server(makeApp, both);
      const pinned = await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-b')))
        .expect(200);
      expect(pinned.body.method).toBe('thumbprint');
      const chained = await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-a'), [pem('intermediate-ca')]))
        .expect(200);
      expect(chained.body.method).toBe('chain');
      const other = await refused(
        { ...both, thumbprints: [X5T_S256['client-b']] },
        pem('self-signed'),
      );
      expect(other.reason).toBe('not_pinned');
      const unchained = await refused(both, pem('client-a'));
      expect(unchained.reason).toBe('unknown_issuer');
    });

    it('allowedTypes "chained" refuses a self-signed certificate even when pinned', async () => {
      const error = await refused({ ...both, allowedTypes: 'chained' }, pem('self-signed'));
      expect(error.reason).toBe('self_signed_not_allowed');
    });

    it('allowedTypes "selfSigned" refuses a CA-issued certificate even when pinned: rejected', async () => {
      const error = await refused({ ...both, allowedTypes: 'selfSigned' }, pem('client-b'));
      expect(error.reason).toBe('rejected');
      const { app } = server(makeApp, { ...both, allowedTypes: 'selfSigned' });
      await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('self-signed')))
        .expect(200);
    });

    it('authorize(): only true lets the request through, else 403 rejected', async () => {
      const calls: unknown[] = [];
      const options: RequireClientCertificateOptions = {
        ...both,
        authorize: (cert, req, auth) => {
          calls.push([cert.thumbprint, req.path, auth.method, auth.path.length]);
          return cert.thumbprint === X5T_S256['client-b']
            ? Promise.resolve(true)
            : (1 as unknown as boolean);
        },
      };
      const { app } = server(makeApp, options);
      await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-b')))
        .expect(200);
      const error = await refused(options, pem('client-a'), [pem('intermediate-ca')]);
      expect(error.reason).toBe('rejected');
      expect(calls).toEqual([
        [X5T_S256['client-b'], '/api', 'thumbprint', 1],
        [X5T_S256['client-a'], '/api', 'chain', 3],
      ]);
    });

    it('an MtlsError thrown by authorize() passes through; a hang is authorize_timeout', async () => {
      const throwing = server(makeApp, {
        ...both,
        authorize: () => {
          throw new InsufficientScopeError();
        },
      });
      await request(throwing.app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-b')))
        .expect(403);
      expect(throwing.errors[0]?.code).toBe('ERR_MTLS_INSUFFICIENT_SCOPE');
      const hanging = server(makeApp, {
        ...both,
        authorize: () => new Promise<boolean>(() => undefined),
        hookTimeout: 30,
      });
      await request(hanging.app)
        .get('/api')
        .set('X-SSL-CERT', header(pem('client-b')))
        .expect(503);
      expect(hanging.errors[0]?.reason).toBe('authorize_timeout');
    });
  });

  describe('request failures', () => {
    it('401 ERR_MTLS_CERTIFICATE_REQUIRED without a certificate', async () => {
      const { app, errors } = server(makeApp, EC);
      const res = await request(app).get('/api').expect(401);
      expect(res.body).toEqual({
        error: 'unauthorized',
        error_description: 'client certificate required',
      });
      expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_CERTIFICATE_REQUIRED', status: 401 });
    });

    it('500 ERR_MTLS_MISCONFIGURED when clientCertificate() did not run, naming the fix', async () => {
      const { app, errors } = server(makeApp, EC, [
        (req, _res, next) => {
          req.clientCert = ClientCertificate.from(pem('client-a'));
          next();
        },
      ]);
      await request(app).get('/api').expect(500);
      expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_MISCONFIGURED', status: 500 });
      expect(errors[0]?.message).toMatch(/mount app\.use\(clientCertificate/);
    });

    it('400 ERR_MTLS_HEADER_MALFORMED when a forwarded certificate cannot be decoded', async () => {
      const der = Buffer.from(chainPem('ec-leaf').replace(/-----[^-]+-----|\s/g, ''), 'base64');
      const basicConstraints = Buffer.from('0603551d130101ff04023000', 'hex');
      const at = der.indexOf(basicConstraints);
      expect(at).toBeGreaterThan(0);
      der[at + basicConstraints.length - 2] = 0x31;
      const broken = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
      const { app, errors } = server(makeApp, EC);
      const res = await request(app)
        .get('/api')
        .set('X-SSL-CERT', header(broken, [chainPem('ec-int')]))
        .expect(400);
      expect(res.body.error).toBe('invalid_request');
      expect(errors[0]).toMatchObject({ code: 'ERR_MTLS_HEADER_MALFORMED' });
      expect(errors[0]?.message).toMatch(
        /cannot be decoded: malformed certificate: malformed basicConstraints/,
      );
    });
  });
});

describe('requireClientCertificate() options', () => {
  it('f(), f({}) and f({ x: undefined }) all refuse to start with neither anchors nor pins', () => {
    for (const options of [undefined, {}, { trustAnchors: undefined, thumbprints: undefined }]) {
      expect(() => requireClientCertificate(options)).toThrow(
        /give "trustAnchors".*and\/or "thumbprints"/,
      );
    }
  });

  it('returns a named middleware', () => {
    expect(requireClientCertificate(EC).name).toBe('requireClientCertificateMiddleware');
  });

  it.each([
    [
      'misspelled option',
      { trustAnchor: [] },
      /unknown option "trustAnchor"\. Did you mean "trustAnchors"\?/,
    ],
    [
      'chain option without anchors',
      { thumbprints: [X5T_S256['client-a']], revocation: {} },
      /"revocation" applies to the chain method/,
    ],
    [
      'SHA-1 hex',
      { thumbprints: [SHA1_HEX['client-a']] },
      /SHA-1 hex fingerprint.*openssl x509 -in cert\.pem -outform DER/,
    ],
    [
      'SHA-1 hex with colons',
      { thumbprints: ['09:0F:97:7C:59:F8:0E:C9:33:48:C4:35:5A:AF:EC:8B:BB:16:8E:45'] },
      /SHA-1 hex fingerprint/,
    ],
    [
      'SHA-256 hex (openssl x509 -fingerprint -sha256 of client-a)',
      { thumbprints: ['83c51f5506a15b3e569a3b74a30da97f3931c4b96d1c112353ab8fcbdd7729fc'] },
      /SHA-256 hex fingerprint.*"g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw"/,
    ],
    [
      'padded base64',
      { thumbprints: ['g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw='] },
      /standard base64.*"g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw"/,
    ],
    [
      'standard base64 alphabet',
      { thumbprints: ['yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0//+84WeJA='] },
      /standard base64.*"yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJA"/,
    ],
    ['garbage', { thumbprints: ['abc'] }, /thumbprints\[0\] is not an x5t#S256 value/],
    ['not a string', { thumbprints: [42] }, /thumbprints\[0\] must be a string/],
    ['empty pin list', { thumbprints: [] }, /"thumbprints" is empty/],
    [
      'a string instead of a list',
      { thumbprints: 'g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw' },
      /must be an array of x5t#S256 strings or a function/,
    ],
    [
      'misspelled allowedTypes',
      { thumbprints: [X5T_S256['client-a']], allowedTypes: 'self-signed' },
      /"allowedTypes" must be one of.*Did you mean "selfSigned"/,
    ],
    [
      'selfSigned without pins',
      { trustAnchors: [pem('root-ca')], allowedTypes: 'selfSigned' },
      /needs "thumbprints"/,
    ],
    ['authorize not a function', { ...EC, authorize: true }, /"authorize" must be a function/],
    ['hookTimeout 0', { ...EC, hookTimeout: 0 }, /"hookTimeout" must be an integer ≥ 1/],
    [
      'checkValidity not boolean',
      { ...EC, checkValidity: 'yes' },
      /"checkValidity" must be a boolean/,
    ],
    [
      'leaf as trust anchor',
      { trustAnchors: [pem('client-a')] },
      /must hold CA certificates.*pin its x5t#S256/,
    ],
    [
      'junk trust anchor',
      { trustAnchors: ['not a certificate'] },
      /trustAnchors\[0\] is not a certificate/,
    ],
  ])('TypeError: %s', (_label, options, message) => {
    expect(() => requireClientCertificate(options as RequireClientCertificateOptions)).toThrow(
      TypeError,
    );
    expect(() => requireClientCertificate(options as RequireClientCertificateOptions)).toThrow(
      message,
    );
  });
});
