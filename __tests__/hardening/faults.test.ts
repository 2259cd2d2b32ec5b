/**
 * Dependencies that fail, flap and come back, with real loopback servers switched between
 * answering, down (connection refused), resetting, garbage, HTTP 500 and silence: the JWKS
 * endpoint (including key rotation under concurrent load), the introspection endpoint, the OCSP
 * responder (the real `openssl ocsp` behind a switchable front) and the CRL server, and a client
 * registry (`getClient`) that throws or hangs. Every answer is checked against the mode in force:
 * fail closed (401 for what was checked and refused, 503 for what could not be checked), never
 * accept what could not be verified, and recover as soon as the dependency answers again.
 * Single faults are also covered by the owners' suites (`__tests__/binding`, `__tests__/auth`);
 * these add recovery, flapping and rotation under load, on Express 4 and 5. Dependency timeouts
 * are 600 ms, far above a loopback answer even on a loaded machine, so that a silent dependency
 * is told apart from a slow answer without flakiness.
 */
import { Agent, request as httpRequest } from 'node:http';
import express5, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import {
  clientCertificate,
  mtlsClientAuthentication,
  mtlsErrorHandler,
  requireCertificateBoundToken,
  requireClientCertificate,
  type CertificateBoundTokenOptions,
  type MtlsError,
  type OAuthClientMetadata,
} from '../../lib';
import {
  loopbackFetcher,
  revocationFile,
  startOcspResponder,
  type OcspResponder,
} from '../auth/revocation/revocation-servers';
import { sendJson } from '../binding/helpers/servers';
import { AUDIENCE, claims, ISSUER, privateKey, publicKey, signJwt } from '../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { der, pem, X5T_S256 } from '../helpers/fixtures';
import { FAULTS, startFaultServer, type FaultMode, type FaultServer } from './helpers/fault-server';
import { send, serve, type Listening } from './helpers/http';

const CLIENT_A = X5T_S256['client-a'];
const CERT_A = { 'x-client-cert': der('client-a').toString('base64') };
const JWK_1 = { ...publicKey('rsa').export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' };
const JWK_2 = { ...publicKey('rsa-other').export({ format: 'jwk' }), kid: 'k2', alg: 'RS256' };

function jwt(signer: 'rsa' | 'rsa-other', kid: string): string {
  return signJwt(claims({ cnf: { 'x5t#S256': CLIENT_A } }), privateKey(signer), 'RS256', { kid });
}

/** An app with `handlers` on GET / (or POST /token), recording errors, with mtlsErrorHandler(). */
function appWith(
  makeApp: () => Express,
  handlers: RequestHandler[],
  errors: MtlsError[],
  method: 'get' | 'post' = 'get',
): Express {
  const app = makeApp();
  app[method](method === 'get' ? '/' : '/token', ...handlers, (_req, res) => {
    res.json({ ok: true });
  });
  const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
    errors.push(err);
    next(err);
  };
  app.use(record, mtlsErrorHandler());
  return app;
}

/** Sends `count` requests at once and returns their statuses. */
async function burst(
  listening: Listening,
  agent: Agent,
  requests: readonly {
    headers: Record<string, string>;
    method?: string;
    path?: string;
    body?: string;
  }[],
): Promise<number[]> {
  const replies = await Promise.all(requests.map((r) => send(listening.port, { ...r, agent })));
  return replies.map((reply) => reply.status);
}

describe.each(EXPRESS_VERSIONS)('dependency faults on %s', (_name, makeApp) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  afterAll(() => {
    agent.destroy();
  });

  describe('JWKS endpoint', () => {
    let keys: unknown[] = [JWK_1];
    let jwks: FaultServer;
    const errors: MtlsError[] = [];
    let listening: Listening;

    function tokenOptions(
      extra: Partial<CertificateBoundTokenOptions> = {},
    ): CertificateBoundTokenOptions {
      return {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: `${jwks.url}/jwks`,
        // every request looks its key up again, so that every request meets the fault
        jwksOptions: { timeout: 600, cacheMaxAge: 1, requestsPerMinute: 10_000 },
        cacheMaxEntries: 0,
        ...extra,
      };
    }

    beforeAll(async () => {
      jwks = await startFaultServer((_req, res) => {
        sendJson(res, 200, { keys });
      });
    });

    afterAll(async () => {
      await jwks.stop();
    });

    beforeEach(async () => {
      keys = [JWK_1];
      errors.length = 0;
      await jwks.setMode('ok');
    });

    afterEach(async () => {
      await listening.close();
    });

    async function start(options: CertificateBoundTokenOptions): Promise<void> {
      const stack = [
        clientCertificate({ format: 'der-base64', trustProxy: '127.0.0.1' }),
        requireCertificateBoundToken(options),
      ];
      listening = await serve(appWith(makeApp, stack, errors));
    }

    async function status(token: string): Promise<number> {
      const [result] = await burst(listening, agent, [
        { headers: { ...CERT_A, authorization: `Bearer ${token}` } },
      ]);
      return result as number;
    }

    it.each(FAULTS)('%s → 503 jwks_unavailable; answering again → 200 at once', async (fault) => {
      await start(tokenOptions());
      expect(await status(jwt('rsa', 'k1'))).toBe(200);
      await jwks.setMode(fault);
      expect(await status(jwt('rsa', 'k1'))).toBe(503);
      expect(errors.map((e) => [e.code, e.reason])).toEqual([
        ['ERR_MTLS_UNAVAILABLE', 'jwks_unavailable'],
      ]);
      await jwks.setMode('ok');
      expect(await status(jwt('rsa', 'k1'))).toBe(200);
    });

    it('keys fetched before an outage keep working through it; an unknown kid during it is 503', async () => {
      await start(tokenOptions({ jwksOptions: { timeout: 600 } }));
      expect(await status(jwt('rsa', 'k1'))).toBe(200);
      await jwks.setMode('down');
      expect(await status(jwt('rsa', 'k1'))).toBe(200);
      expect(await status(jwt('rsa-other', 'k2'))).toBe(503);
      expect(jwks.hits.down).toBe(0);
    });

    it('flapping: 30 rounds of mixed requests, each answer exactly what the mode allows', async () => {
      await start(tokenOptions());
      const modes: FaultMode[] = [];
      for (let round = 0; round < 30; round++) {
        const mode: FaultMode =
          round % 2 === 0 ? 'ok' : (FAULTS[(round >> 1) % FAULTS.length] as FaultMode);
        modes.push(mode);
        await jwks.setMode(mode);
        const statuses = await burst(listening, agent, [
          { headers: { ...CERT_A, authorization: `Bearer ${jwt('rsa', 'k1')}` } },
          { headers: { ...CERT_A, authorization: `Bearer ${jwt('rsa', 'k1')}` } },
          // signed by another key under the genuine kid: never accepted
          { headers: { ...CERT_A, authorization: `Bearer ${jwt('rsa-other', 'k1')}` } },
          // a kid the JWKS does not have
          { headers: { ...CERT_A, authorization: `Bearer ${jwt('rsa', 'k9')}` } },
        ]);
        expect({ round, mode, statuses }).toEqual({
          round,
          mode,
          statuses: mode === 'ok' ? [200, 200, 401, 401] : [503, 503, 503, 503],
        });
      }
      await jwks.setMode('ok');
      expect(await status(jwt('rsa', 'k1'))).toBe(200);
      expect(new Set(modes)).toEqual(new Set(['ok', ...FAULTS]));
    });

    it('key rotation under 60 concurrent requests: new key accepted once published, old one refused once retired, forgeries never', async () => {
      await start(
        tokenOptions({
          jwksOptions: { timeout: 2000, cacheMaxAge: 300, requestsPerMinute: 10_000 },
        }),
      );
      const request = (token: string) => ({
        headers: { ...CERT_A, authorization: `Bearer ${token}` },
      });
      const old = () => request(jwt('rsa', 'k1'));
      const next = () => request(jwt('rsa-other', 'k2'));
      // the attacker signs with its own key under the kid about to be published
      const forged = () =>
        request(
          signJwt(claims({ cnf: { 'x5t#S256': CLIENT_A } }), privateKey('ec-p256'), 'ES256', {
            kid: 'k2',
          }),
        );

      let statuses = await burst(
        listening,
        agent,
        [...Array(30)].map(old).concat([...Array(30)].map(next)),
      );
      expect(statuses).toEqual([...Array(30).fill(200), ...Array(30).fill(401)]);

      keys = [JWK_1, JWK_2];
      const fetchesBefore = jwks.hits.ok;
      statuses = await burst(
        listening,
        agent,
        [...Array(20)].map(old).concat([...Array(20)].map(next), [...Array(20)].map(forged)),
      );
      expect(statuses).toEqual([...Array(40).fill(200), ...Array(20).fill(401)]);
      // concurrent lookups share fetches
      expect(jwks.hits.ok - fetchesBefore).toBeLessThanOrEqual(3);

      keys = [JWK_2];
      await new Promise((resolve) => setTimeout(resolve, 350));
      statuses = await burst(
        listening,
        agent,
        [...Array(30)].map(old).concat([...Array(30)].map(next)),
      );
      expect(statuses).toEqual([...Array(30).fill(401), ...Array(30).fill(200)]);
      expect(new Set(errors.map((e) => `${e.code} ${e.reason ?? ''}`))).toEqual(
        new Set(['ERR_MTLS_INVALID_TOKEN signature', 'ERR_MTLS_INVALID_TOKEN algorithm']),
      );
    });
  });

  describe('introspection endpoint', () => {
    let introspection: FaultServer;
    const errors: MtlsError[] = [];
    let listening: Listening;
    const ACTIVE = 'active-token-0123456789';
    const INACTIVE = 'revoked-token-0123456789';

    beforeAll(async () => {
      introspection = await startFaultServer((_req, res, body) => {
        const token = new URLSearchParams(body.toString()).get('token');
        sendJson(
          res,
          200,
          token === ACTIVE
            ? {
                active: true,
                iss: ISSUER,
                aud: AUDIENCE,
                token_type: 'Bearer',
                cnf: { 'x5t#S256': CLIENT_A },
              }
            : { active: false },
        );
      });
      const stack = [
        clientCertificate({ format: 'der-base64', trustProxy: '127.0.0.1' }),
        requireCertificateBoundToken({
          introspection: {
            endpoint: `${introspection.url}/introspect`,
            clientId: 'resource-server',
            clientSecret: 'resource-server-secret',
            timeout: 600,
          },
          cacheMaxEntries: 0,
        }),
      ];
      listening = await serve(appWith(makeApp, stack, errors));
    });

    afterAll(async () => {
      await listening.close();
      await introspection.stop();
    });

    it.each(FAULTS)(
      '%s → 503 introspection_unavailable for any token; answering again → 200/401',
      async (fault) => {
        errors.length = 0;
        await introspection.setMode(fault);
        const during = await burst(listening, agent, [
          { headers: { ...CERT_A, authorization: `Bearer ${ACTIVE}` } },
          { headers: { ...CERT_A, authorization: `Bearer ${INACTIVE}` } },
        ]);
        expect(during).toEqual([503, 503]);
        expect(errors.map((e) => e.reason)).toEqual([
          'introspection_unavailable',
          'introspection_unavailable',
        ]);
        await introspection.setMode('ok');
        const after = await burst(listening, agent, [
          { headers: { ...CERT_A, authorization: `Bearer ${ACTIVE}` } },
          { headers: { ...CERT_A, authorization: `Bearer ${INACTIVE}` } },
        ]);
        expect(after).toEqual([200, 401]);
      },
    );

    it('flapping: an inactive token is never accepted, an active one only ever 200 or 503', async () => {
      for (let round = 0; round < 20; round++) {
        const mode: FaultMode =
          round % 3 === 0 ? 'ok' : (FAULTS[round % FAULTS.length] as FaultMode);
        await introspection.setMode(mode);
        const statuses = await burst(listening, agent, [
          ...[...Array(3)].map(() => ({
            headers: { ...CERT_A, authorization: `Bearer ${ACTIVE}` },
          })),
          ...[...Array(3)].map(() => ({
            headers: { ...CERT_A, authorization: `Bearer ${INACTIVE}` },
          })),
        ]);
        expect({ round, mode, statuses }).toEqual({
          round,
          mode,
          statuses: mode === 'ok' ? [200, 200, 200, 401, 401, 401] : Array(6).fill(503),
        });
      }
      await introspection.setMode('ok');
    });
  });

  describe('revocation (requireClientCertificate with OCSP or CRLs)', () => {
    let responder: OcspResponder;
    let ocspFront: FaultServer;
    let crlServer: FaultServer;
    const errors: MtlsError[] = [];
    const INT = revocationFile('rev-int.pem');
    const header = (leaf: string): Record<string, string> => ({
      'x-client-cert': Buffer.concat(
        [revocationFile(`${leaf}.pem`), INT].map((p) =>
          Buffer.from(p.replace(/-----[^-]+-----|\s/g, ''), 'base64'),
        ),
      ).toString('base64'),
    });

    beforeAll(async () => {
      responder = await startOcspResponder();
      // the real openssl responder behind a switchable front
      ocspFront = await startFaultServer((req, res, body) => {
        const forward = httpRequest(
          responder.url,
          { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, {
              'content-type': 'application/ocsp-response',
            });
            answer.pipe(res);
          },
        );
        forward.end(body);
      });
      const crl = Buffer.from(
        revocationFile('int.crl').replace(/-----[^-]+-----|\s/g, ''),
        'base64',
      );
      crlServer = await startFaultServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(crl);
      });
    });

    afterAll(async () => {
      await ocspFront.stop();
      await crlServer.stop();
      await responder.stop();
    });

    async function stack(
      method: 'ocsp' | 'crl',
      onUnknown: 'reject' | 'allow',
    ): Promise<Listening> {
      const handlers = [
        clientCertificate({ format: 'der-base64', trustProxy: '127.0.0.1' }),
        requireClientCertificate({
          trustAnchors: [revocationFile('rev-root.pem')],
          cacheSize: 0,
          revocation: {
            methods: [method],
            scope: 'leaf',
            onUnknown,
            timeout: 600,
            cacheSize: 0,
            fetcher: loopbackFetcher({ ocsp: `${ocspFront.url}/`, crl: crlServer.url }),
          },
        }),
      ];
      return serve(appWith(makeApp, handlers, errors));
    }

    /** What each fault gives (fail closed): unreachable → 503, an unusable answer → 403. */
    const DURING: Record<Exclude<FaultMode, 'ok'>, [number, string]> = {
      down: [503, 'revocation_unknown'],
      reset: [503, 'revocation_unknown'],
      slow: [503, 'revocation_unknown'],
      error: [503, 'revocation_unknown'],
      garbage: [403, 'revocation_unknown'],
    };

    describe.each(['ocsp', 'crl'] as const)('%s', (method) => {
      const server = (): FaultServer => (method === 'ocsp' ? ocspFront : crlServer);

      it.each(FAULTS)(
        '%s: good and revoked are refused (onUnknown reject), then 200 and 403 revoked once back',
        async (fault) => {
          const listening = await stack(method, 'reject');
          try {
            errors.length = 0;
            await server().setMode(fault);
            const during = await burst(listening, agent, [
              { headers: header('rev-good') },
              { headers: header('rev-revoked') },
            ]);
            const [status, reason] = DURING[fault];
            expect(during).toEqual([status, status]);
            expect(errors.map((e) => e.reason)).toEqual([reason, reason]);
            await server().setMode('ok');
            errors.length = 0;
            const after = await burst(listening, agent, [
              { headers: header('rev-good') },
              { headers: header('rev-revoked') },
            ]);
            expect(after).toEqual([200, 403]);
            expect(errors.map((e) => e.reason)).toEqual(['revoked']);
          } finally {
            await server().setMode('ok');
            await listening.close();
          }
        },
      );

      it('onUnknown "allow": an unreachable source lets even a revoked certificate through (the documented trade-off)', async () => {
        const listening = await stack(method, 'allow');
        try {
          await server().setMode('down');
          expect(
            await burst(listening, agent, [
              { headers: header('rev-good') },
              { headers: header('rev-revoked') },
            ]),
          ).toEqual([200, 200]);
          await server().setMode('ok');
          expect(
            await burst(listening, agent, [
              { headers: header('rev-good') },
              { headers: header('rev-revoked') },
            ]),
          ).toEqual([200, 403]);
        } finally {
          await server().setMode('ok');
          await listening.close();
        }
      });
    });
  });

  describe('client registry (mtlsClientAuthentication getClient)', () => {
    let registry: 'ok' | 'throw' | 'hang' = 'ok';
    const errors: MtlsError[] = [];
    let listening: Listening;
    const metadata: OAuthClientMetadata = {
      client_id: 'client-a',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
    };

    beforeAll(async () => {
      const handlers = [
        express5.urlencoded({ extended: false }),
        clientCertificate({ format: 'der-base64', trustProxy: '127.0.0.1' }),
        mtlsClientAuthentication({
          trustAnchors: [pem('root-ca')],
          getClientTimeout: 200,
          getClient: (clientId) => {
            if (registry === 'throw') throw new Error('registry down');
            if (registry === 'hang') return new Promise<undefined>(() => undefined);
            return Promise.resolve(clientId === 'client-a' ? metadata : undefined);
          },
        }),
      ];
      listening = await serve(appWith(makeApp, handlers, errors, 'post'));
    });

    afterAll(async () => {
      await listening.close();
    });

    const tokenRequest = (who: 'client-a' | 'client-b') => ({
      method: 'POST',
      path: '/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-client-cert': Buffer.concat([der(who), der('intermediate-ca')]).toString('base64'),
      },
      body: 'grant_type=client_credentials&client_id=client-a',
    });

    it('throws or hangs → 503, answers again → 200 at once; flapping never authenticates a wrong certificate', async () => {
      const sequence: ('ok' | 'throw' | 'hang')[] = [
        'ok',
        'throw',
        'ok',
        'hang',
        'ok',
        'throw',
        'hang',
        'ok',
      ];
      for (const [round, state] of sequence.entries()) {
        registry = state;
        errors.length = 0;
        const statuses = await burst(listening, agent, [
          tokenRequest('client-a'),
          tokenRequest('client-b'),
        ]);
        expect({ round, state, statuses }).toEqual({
          round,
          state,
          statuses: state === 'ok' ? [200, 401] : [503, 503],
        });
        const reasons = errors.map((e) => e.reason);
        expect(reasons).toEqual(
          state === 'ok'
            ? ['subject_mismatch']
            : Array(2).fill(
                state === 'throw' ? 'client_registry_unavailable' : 'client_registry_timeout',
              ),
        );
      }
    });
  });
});
