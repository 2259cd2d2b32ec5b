/**
 * Hostile input through the middlewares, over real HTTP, on Express 4 and 5: certificate headers
 * in every format through `clientCertificate()` + `requireClientCertificate()`, and bearer tokens
 * through `clientCertificate()` + `requireCertificateBoundToken()`.
 *
 * Invariants, per input: an answer within the deadline; never a 5xx; every refusal is an
 * `MtlsError` with a documented status and code; nothing is reflected — neither the response
 * body nor any response header contains a distinctive part of the input (a random marker planted
 * in it); the error's `message` (what gets logged) holds no CR or LF, whatever the input held.
 */
import type { ErrorRequestHandler, Express } from 'express';
import fc from 'fast-check';
import {
  clientCertificate,
  mtlsErrorHandler,
  requireCertificateBoundToken,
  requireClientCertificate,
  type BuiltInFormat,
  type MtlsError,
} from '../../lib';
import { FORMAT_NAMES, FORMATS } from '../../lib/forwarding/formats';
import { AUDIENCE, claims, ISSUER, privateKey, publicPem, signJwt } from '../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { der, pem, X5T_S256 } from '../helpers/fixtures';
import { boundedAsync, DEADLINE_MS } from './helpers/bounds';
import {
  CONTROL_CHARS,
  hostilePiece,
  hostileText,
  megabyteText,
  mutatedDer,
  mutatedText,
  SEED,
  TEST_ENCODERS,
} from './helpers/hostile';
import { keepAliveAgent, send, sendable, serve, type Listening, type Reply } from './helpers/http';

/** Inputs per property, format and Express major. */
export const RUNS = { certificate: 120, megabyte: 4, token: 300 };

const CERTIFICATE_CODES = new Map<string, number>([
  ['ERR_MTLS_HEADER_MALFORMED', 400],
  ['ERR_MTLS_HEADER_DUPLICATE', 400],
  ['ERR_MTLS_CHAIN_TOO_LONG', 400],
  ['ERR_MTLS_HEADER_TOO_LARGE', 431],
  ['ERR_MTLS_CERTIFICATE_REQUIRED', 401],
  ['ERR_MTLS_CERTIFICATE_UNTRUSTED', 403],
]);
const TOKEN_CODES = new Map<string, number>([
  ['ERR_MTLS_TOKEN_MISSING', 401],
  ['ERR_MTLS_INVALID_REQUEST', 400],
  ['ERR_MTLS_INVALID_TOKEN', 401],
]);

/** A distinctive marker: 12 letters and digits, planted in every hostile input. */
const marker = fc.stringMatching(/^[A-Za-z0-9]{12}$/).map((m) => `Zq${m}`);

function plant(value: string, mark: string, at: number): string {
  const i = value.length === 0 ? 0 : at % (value.length + 1);
  return value.slice(0, i) + mark + value.slice(i);
}

/** The stack under test, with every error recorded. */
function stackApp(makeApp: () => Express, errors: MtlsError[]): Express {
  const app = makeApp();
  const authenticate = requireClientCertificate({ trustAnchors: [pem('root-ca')] });
  for (const format of FORMAT_NAMES) {
    const read = { format, trustProxy: '127.0.0.1' } as const;
    app.get(`/cert/${format}`, clientCertificate(read), authenticate, (req, res) => {
      res.json({ thumbprint: req.clientCert?.thumbprint });
    });
    app.get(
      `/megabyte/${format}`,
      clientCertificate({ ...read, maxHeaderBytes: 2 * 1024 * 1024 }),
      authenticate,
      (req, res) => {
        res.json({ thumbprint: req.clientCert?.thumbprint });
      },
    );
  }
  app.get(
    '/token',
    clientCertificate({ format: 'der-base64', trustProxy: '127.0.0.1' }),
    requireCertificateBoundToken({
      issuer: ISSUER,
      audience: AUDIENCE,
      publicKey: publicPem('rsa'),
    }),
    (req, res) => {
      res.json({ sub: req.auth?.payload.sub });
    },
  );
  const record: ErrorRequestHandler = (err: MtlsError, _req, _res, next) => {
    errors.push(err);
    next(err);
  };
  app.use(record, mtlsErrorHandler());
  return app;
}

/** Everything a response shows: status line aside, every header and the body. */
function shown(reply: Reply): string {
  return `${reply.rawHeaders.join('\n')}\n${reply.text}`;
}

/** Checks one answer against the invariants. */
function checkAnswer(
  reply: Reply,
  errors: readonly MtlsError[],
  codes: ReadonlyMap<string, number>,
  mark: string,
  messageMayQuote = false,
): void {
  expect(reply.status).toBeLessThan(500);
  expect(shown(reply)).not.toContain(mark);
  if (reply.status === 200) {
    expect(errors).toEqual([]);
    return;
  }
  expect(errors).toHaveLength(1);
  const error = errors[0] as MtlsError;
  expect(codes.get(error.code)).toBe(reply.status);
  expect(reply.json).toEqual(error.body);
  expect(error.message).not.toMatch(/[\r\n]/);
  if (messageMayQuote) expect(error.message.length).toBeLessThan(300);
  else expect(error.message).not.toContain(mark);
}

describe.each(EXPRESS_VERSIONS)('hostile requests on %s', (_name, makeApp) => {
  const errors: MtlsError[] = [];
  let listening: Listening;
  const agent = keepAliveAgent();

  beforeAll(async () => {
    listening = await serve(stackApp(makeApp, errors), { maxHeaderSize: 3 * 1024 * 1024 });
  });

  afterAll(async () => {
    agent.destroy();
    await listening.close();
  });

  async function exchange(path: string, headers: Record<string, string>): Promise<Reply> {
    errors.length = 0;
    const outcome = await boundedAsync(() => send(listening.port, { path, headers, agent }));
    expect(outcome.elapsed).toBeLessThan(DEADLINE_MS);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  describe.each(FORMAT_NAMES.map((f) => [f] as const))('format %s', (format: BuiltInFormat) => {
    const encode = TEST_ENCODERS[format] as (ders: readonly Buffer[]) => string;
    const seeds = [encode([der('client-a'), der('intermediate-ca')]), encode([der('self-signed')])];
    const header = (value: string): Record<string, string> => ({
      [FORMATS[format].header]: value,
    });

    it('the seeds are accepted (client-a with its chain) or refused as self-signed', async () => {
      const chain =
        format === 'rfc9440'
          ? { 'client-cert-chain': `:${der('intermediate-ca').toString('base64')}:` }
          : {};
      const accepted = await exchange(`/cert/${format}`, {
        ...header(seeds[0] as string),
        ...chain,
      });
      expect(accepted.json).toEqual({ thumbprint: X5T_S256['client-a'] });
      const refused = await exchange(`/cert/${format}`, header(seeds[1] as string));
      expect(refused.status).toBe(403);
      expect(errors[0]?.reason).toBe('self_signed_not_allowed');
    });

    it('hostile and mutated header values: a documented answer, nothing reflected', async () => {
      const value = fc.oneof(
        hostileText,
        mutatedText(seeds),
        mutatedDer([der('client-a'), der('self-signed')]).map((bytes) => encode([bytes])),
      );
      await fc.assert(
        fc.asyncProperty(value, marker, fc.nat(), async (raw, mark, at) => {
          const reply = await exchange(`/cert/${format}`, header(sendable(plant(raw, mark, at))));
          checkAnswer(reply, errors, CERTIFICATE_CODES, mark);
        }),
        { seed: SEED, numRuns: RUNS.certificate },
      );
    });

    it('one-megabyte values reach the decoder (maxHeaderBytes raised) and are refused', async () => {
      await fc.assert(
        fc.asyncProperty(megabyteText(seeds), marker, async (raw, mark) => {
          const reply = await exchange(
            `/megabyte/${format}`,
            header(sendable(plant(raw, mark, 0))),
          );
          checkAnswer(reply, errors, CERTIFICATE_CODES, mark);
        }),
        { seed: SEED, numRuns: RUNS.megabyte },
      );
    });
  });

  describe('bearer tokens', () => {
    const cert = { 'x-client-cert': der('client-a').toString('base64') };
    const jsonValue = fc.oneof(
      fc.constantFrom('RS256', 'HS256', 'none', 'at+jwt', 'JWT'),
      hostileText,
      fc.array(hostilePiece, { maxLength: 8 }).map((p) => p.join('')),
    );
    const headerObject = fc.record(
      {
        alg: fc.oneof(jsonValue, fc.constantFrom(...CONTROL_CHARS)),
        typ: jsonValue,
        kid: jsonValue,
        crit: fc.array(jsonValue, { maxLength: 2 }),
        cty: jsonValue,
      },
      { requiredKeys: [] },
    );
    const b64 = (value: unknown): string =>
      Buffer.from(JSON.stringify(value)).toString('base64url');

    /** A JWS-shaped token whose header and payload carry the marker (and hostile text). */
    const hostileJws = fc
      .tuple(headerObject, jsonValue, fc.constantFrom('', 'c2ln', '.', '..'), marker, fc.nat())
      .map(([header, claim, signature, mark, at]) => {
        const headerWithMark = { ...header, alg: plant(header.alg ?? 'RS256', mark, at) };
        const payload = { ...claims({ cnf: { 'x5t#S256': X5T_S256['client-a'] } }), sub: claim };
        return { mark, token: `${b64(headerWithMark)}.${b64(payload)}.${signature}` };
      });

    /** A correctly signed token whose header carries the marker in typ and kid. */
    const signedWithHostileHeader = fc
      .tuple(jsonValue, jsonValue, marker)
      .map(([typ, kid, mark]) => ({
        mark,
        token: signJwt(
          claims({ cnf: { 'x5t#S256': X5T_S256['client-b'] } }),
          privateKey('rsa'),
          'RS256',
          { typ: `${typ}${mark}\r\n`, kid: `${kid}\n${mark}` },
        ),
      }));

    /** Arbitrary Authorization values. */
    const hostileAuthorization = fc
      .tuple(
        fc.constantFrom('Bearer ', 'bearer  ', 'Bearer', 'Basic ', ''),
        hostileText,
        marker,
        fc.nat(),
      )
      .map(([scheme, text, mark, at]) => ({
        mark,
        token: undefined,
        value: scheme + plant(text, mark, at),
      }));

    it('hostile tokens: 400 or 401 with the documented code, nothing reflected, no CR/LF', async () => {
      const input = fc.oneof(
        hostileJws.map((x) => ({ ...x, value: `Bearer ${x.token}` })),
        signedWithHostileHeader.map((x) => ({ ...x, value: `Bearer ${x.token}` })),
        hostileAuthorization,
      );
      await fc.assert(
        fc.asyncProperty(input, async ({ mark, value }) => {
          const reply = await exchange('/token', { ...cert, authorization: sendable(value) });
          // a log message may quote an unverified header value, clipped and escaped
          checkAnswer(reply, errors, TOKEN_CODES, mark, true);
          expect(reply.status).not.toBe(200);
        }),
        { seed: SEED, numRuns: RUNS.token },
      );
    });
  });
});
