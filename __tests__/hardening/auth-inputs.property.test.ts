/**
 * Hostile input through the remaining request-facing parsers: `mtlsClientAuthentication()` over
 * real HTTP on Express 4 and 5 (hostile form and JSON bodies, and hostile client registrations —
 * the registry is trusted to be the registry, not to hold sane values), and the pure pieces the
 * token middleware relies on (bearer extraction, `cnf` reading, claim checks, introspection
 * answers, client JWK Sets).
 *
 * Invariants: never a 5xx (a registration that cannot be used is the client's 401, not the
 * server's 500), only documented codes, nothing reflected, no CR/LF in messages; pure functions
 * return an outcome or throw only their documented error, within the deadline.
 */
import express5, { type ErrorRequestHandler, type Express } from 'express';
import fc from 'fast-check';
import {
  clientCertificate,
  mtlsClientAuthentication,
  mtlsErrorHandler,
  type MtlsError,
  type OAuthClientMetadata,
} from '../../lib';
import { compileJwks } from '../../lib/auth/client-jwks';
import { ClientRegistrationError } from '../../lib/auth/client-metadata';
import { extractBearerToken } from '../../lib/binding/bearer-token';
import {
  checkIssuerAndAudience,
  checkRequiredClaims,
  checkTimeClaims,
} from '../../lib/binding/claims';
import { readConfirmation } from '../../lib/binding/confirmation';
import { interpretIntrospection } from '../../lib/binding/introspection';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { der, pem } from '../helpers/fixtures';
import { bounded, DEADLINE_MS } from './helpers/bounds';
import { hostilePiece, hostileText, SEED } from './helpers/hostile';
import { keepAliveAgent, send, sendable, serve, type Listening } from './helpers/http';

/** Inputs per property. */
export const RUNS = { token: 200, pure: 2000 };

const marker = fc.stringMatching(/^[A-Za-z0-9]{12}$/).map((m) => `Zq${m}`);

/** A value a JSON registry or body could hold, with hostile text over-represented. */
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  hostileText,
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, 0, -1, 1e308, [], {}, ''),
);

const METHODS = ['tls_client_auth', 'self_signed_tls_client_auth', 'client_secret_basic', 'none'];

/** Registrations mixing plausible and hostile values for every field the middleware reads. */
const registration: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      client_id: fc.constant('client-a'),
      token_endpoint_auth_method: fc.oneof(fc.constantFrom(...METHODS), jsonish),
      tls_client_auth_subject_dn: fc.oneof(
        fc.constant('CN=client-a,OU=Payments,O=express-mtls tests,C=US'),
        hostileText,
        jsonish,
      ),
      tls_client_auth_san_dns: fc.oneof(fc.constant('client-a.example.test'), jsonish),
      tls_client_auth_san_uri: fc.oneof(fc.constant('spiffe://example.test/client-a'), jsonish),
      tls_client_auth_san_ip: fc.oneof(
        fc.constantFrom('127.0.0.1', '2001:db8::a', '::ffff:1.2.3.4'),
        jsonish,
      ),
      tls_client_auth_san_email: fc.oneof(fc.constant('client-a@example.test'), jsonish),
      jwks: fc.oneof(
        fc.record({
          keys: fc.array(
            fc.oneof(jsonish, fc.record({ kty: jsonish, x5c: jsonish, n: jsonish, e: jsonish })),
            { maxLength: 3 },
          ),
        }),
        jsonish,
      ),
      // only addresses that fail at once on loopback (nothing leaves the machine)
      jwks_uri: fc.constantFrom(
        'http://127.0.0.1:1/jwks',
        'https://127.0.0.1:1/jwks',
        'not a url',
        'file:///etc/passwd',
        '',
      ),
    },
    { requiredKeys: ['client_id'] },
  ),
  jsonish,
);

describe.each(EXPRESS_VERSIONS)(
  'mtlsClientAuthentication() with hostile input on %s',
  (_name, makeApp) => {
    const errors: MtlsError[] = [];
    let current: unknown;
    let listening: Listening;
    const agent = keepAliveAgent();

    beforeAll(async () => {
      const app: Express = makeApp();
      app.post(
        '/token',
        express5.urlencoded({ extended: false, limit: '64kb' }),
        express5.json({ limit: '64kb' }),
        clientCertificate({ format: 'der-base64', trustProxy: '127.0.0.1' }),
        mtlsClientAuthentication({
          trustAnchors: [pem('root-ca')],
          getClientTimeout: 500,
          getClient: () => current as OAuthClientMetadata | undefined,
          jwksUri: { timeout: 200, dangerouslyAllowHttp: true },
        }),
        (_req, res) => res.json({ ok: true }),
      );
      const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
        errors.push(err);
        next(err);
      };
      app.use(record, mtlsErrorHandler());
      listening = await serve(app);
    });

    afterAll(async () => {
      agent.destroy();
      await listening.close();
    });

    it('hostile bodies and registrations: 200, 401 or 503 with a documented code, nothing reflected', async () => {
      const body = fc.oneof(
        fc.tuple(hostileText, marker).map(([text, mark]) => ({
          type: 'application/x-www-form-urlencoded',
          text: `client_id=${encodeURIComponent(text + mark)}&grant_type=client_credentials`,
          mark,
        })),
        fc.tuple(fc.array(hostilePiece, { maxLength: 6 }), marker).map(([pieces, mark]) => ({
          type: 'application/x-www-form-urlencoded',
          text: `client_id=a&client_id=${pieces.join('')}${mark}&${pieces.join('&')}`,
          mark,
        })),
        fc.tuple(jsonish, marker).map(([value, mark]) => ({
          type: 'application/json',
          text: JSON.stringify({ client_id: value, note: mark }),
          mark,
        })),
        marker.map((mark) => ({
          type: 'application/x-www-form-urlencoded',
          text: `client_id=client-a&m=${mark}`,
          mark,
        })),
      );
      const certificate = fc.constantFrom(
        Buffer.concat([der('client-a'), der('intermediate-ca')]).toString('base64'),
        der('self-signed').toString('base64'),
        '',
      );
      await fc.assert(
        fc.asyncProperty(body, registration, certificate, async (request, metadata, cert) => {
          errors.length = 0;
          current = metadata;
          const outcome = await send(listening.port, {
            method: 'POST',
            path: '/token',
            agent,
            body: request.text,
            headers: {
              'content-type': request.type,
              ...(cert === '' ? {} : { 'x-client-cert': sendable(cert) }),
            },
          });
          expect(outcome.status).toBeLessThan(500);
          expect(`${outcome.rawHeaders.join('\n')}\n${outcome.text}`).not.toContain(request.mark);
          if (outcome.status === 200) return;
          expect(errors).toHaveLength(1);
          const error = errors[0] as MtlsError;
          expect([401, 503]).toContain(error.status);
          expect(['ERR_MTLS_INVALID_CLIENT', 'ERR_MTLS_UNAVAILABLE']).toContain(error.code);
          expect(error.message).not.toMatch(/[\r\n]/);
        }),
        { seed: SEED, numRuns: RUNS.token },
      );
    });
  },
);

describe('pure token pieces with arbitrary values', () => {
  const options = { seed: SEED, numRuns: RUNS.pure };
  const payload = fc.dictionary(
    fc.constantFrom(
      'exp',
      'nbf',
      'iat',
      'iss',
      'aud',
      'cnf',
      'active',
      'token_type',
      'scope',
      '__proto__',
      'constructor',
    ),
    jsonish,
  );

  function quick<T>(fn: () => T): T {
    const result = bounded(fn);
    expect(result.elapsed).toBeLessThan(DEADLINE_MS);
    if (!result.ok) throw result.error;
    return result.value;
  }

  it('extractBearerToken: an outcome for any Authorization lines, body and query values', () => {
    fc.assert(
      fc.property(
        fc.array(hostileText, { maxLength: 3 }),
        jsonish,
        jsonish,
        (authorization, body, query) => {
          const outcome = quick(() => extractBearerToken({ authorization, body, query }));
          expect(['token', 'missing', 'invalid']).toContain(outcome.kind);
        },
      ),
      options,
    );
  });

  it('readConfirmation, checkTimeClaims, checkIssuerAndAudience, checkRequiredClaims never throw', () => {
    fc.assert(
      fc.property(payload, jsonish, (claims, cnf) => {
        const read = quick(() => readConfirmation(cnf));
        expect(['none', 'x5t#S256', 'refused']).toContain(read.kind);
        quick(() => checkTimeClaims(claims, 1_900_000_000, { clockTolerance: 5, maxTokenAge: 60 }));
        quick(() => checkIssuerAndAudience(claims, ['https://as'], ['https://rs']));
        quick(() => checkRequiredClaims(claims, ['exp', 'cnf']));
      }),
      options,
    );
  });

  it('interpretIntrospection: an outcome for any answer body', () => {
    const settings = {
      issuers: ['https://as'],
      audiences: ['https://rs'],
      requiredClaims: ['exp'],
      time: { clockTolerance: 5, maxTokenAge: undefined },
    };
    fc.assert(
      fc.property(
        fc.oneof(
          hostileText,
          payload.map((p) => JSON.stringify(p)),
          jsonish.map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const outcome = quick(() => interpretIntrospection(text, settings));
          expect(['valid', 'invalid', 'unavailable']).toContain(outcome.status);
        },
      ),
      options,
    );
  });

  it('compileJwks: a compiled set or ClientRegistrationError for any JWK Set', () => {
    const jwk = fc.oneof(
      jsonish,
      fc.record({
        kty: fc.constantFrom('RSA', 'EC', 'OKP', 'oct'),
        x5c: fc.oneof(
          jsonish,
          fc.array(fc.oneof(hostileText, fc.constant(der('client-a').toString('base64'))), {
            maxLength: 2,
          }),
        ),
        n: jsonish,
        e: jsonish,
        crv: jsonish,
        x: jsonish,
        y: jsonish,
      }),
    );
    fc.assert(
      fc.property(
        fc.oneof(jsonish, fc.record({ keys: fc.array(jwk, { maxLength: 4 }) })),
        (set) => {
          const result = bounded(() => compileJwks(set));
          expect(result.elapsed).toBeLessThan(DEADLINE_MS);
          if (!result.ok) expect(result.error).toBeInstanceOf(ClientRegistrationError);
        },
      ),
      { seed: SEED, numRuns: 600 },
    );
  });
});
