import {
  decideToken,
  type ProofCheck,
  type TokenDecision,
  type TokenDecisionSettings,
  type TokenRequest,
} from '../../lib/binding/token-decision';
import { tokenErrors } from '../../lib/binding/token-errors';
import {
  accepted,
  refused,
  unavailable,
  type TokenVerification,
  type TokenVerifier,
} from '../../lib/binding/token-verification';
import { InvalidDpopProofLike } from './helpers/dpop-error';
import { accept, reject } from '../../lib/decision';
import { X5T_S256 } from '../helpers/fixtures';

const A = X5T_S256['client-a'];
const B = X5T_S256['client-b'];
const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
const PROOF = 'eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJHRVQifQ.c2ln';

/** A verifier answering `outcome` for TOKEN, synchronously or as a promise. */
function verifier(outcome: TokenVerification, async = false): TokenVerifier & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    verify(token) {
      calls.push(token);
      const answer = token === TOKEN ? outcome : refused('signature', 'unknown token');
      return async ? Promise.resolve(answer) : answer;
    },
  };
}

const BOUND_A = accepted({ sub: 'client-a', cnf: { 'x5t#S256': A } });

function settings(overrides: Partial<TokenDecisionSettings> = {}): TokenDecisionSettings {
  return {
    verifier: verifier(BOUND_A),
    errors: tokenErrors({ realm: 'api' }),
    schemes: ['bearer'],
    understood: ['x5t#S256'],
    methods: ['mtls'],
    allowUnboundTokens: false,
    allowBodyToken: false,
    allowQueryToken: false,
    notParsedMessage: 'not parsed: mount express.urlencoded()',
    ...overrides,
  };
}

function request(overrides: Partial<TokenRequest> = {}): TokenRequest {
  return {
    method: 'GET',
    contentType: undefined,
    authorization: [`Bearer ${TOKEN}`],
    body: undefined,
    hasBody: false,
    bodyParserRan: false,
    certificateThumbprint: A,
    ...overrides,
  };
}

function sync(decision: TokenDecision | Promise<TokenDecision>): TokenDecision {
  if (decision instanceof Promise) throw new Error('expected a synchronous answer');
  return decision;
}

async function settled(decision: TokenDecision | Promise<TokenDecision>): Promise<TokenDecision> {
  expect(decision).toBeInstanceOf(Promise);
  return decision;
}

function failure(decision: TokenDecision): NonNullable<Extract<TokenDecision, { ok: false }>> {
  if (decision.ok) throw new Error('expected a refusal');
  return decision;
}

describe('decideToken (a request-like object in, one Decision out)', () => {
  describe('accepts', () => {
    it('a bound token from a warm verifier, synchronously', () => {
      const decision = sync(decideToken(request(), settings()));
      expect(decision).toEqual({
        ok: true,
        value: {
          binding: 'mtls',
          thumbprint: A,
          token: TOKEN,
          payload: { sub: 'client-a', cnf: { 'x5t#S256': A } },
          scheme: 'bearer',
          location: 'header',
        },
        location: 'header',
        warm: true,
      });
    });

    it('a bound token from a verifier that waits, as a promise (warm false)', async () => {
      const decision = await settled(
        decideToken(request(), settings({ verifier: verifier(BOUND_A, true) })),
      );
      expect(decision).toMatchObject({ ok: true, location: 'header', warm: false });
    });

    it('a form-body token when allowed, parameters as own properties only', () => {
      const form = {
        method: 'POST',
        contentType: 'Application/X-WWW-Form-Urlencoded; charset=utf-8',
        authorization: [],
        body: { access_token: TOKEN },
        hasBody: true,
        bodyParserRan: true,
      };
      expect(sync(decideToken(request(form), settings({ allowBodyToken: true })))).toMatchObject({
        ok: true,
        location: 'body',
      });
      const inherited = Object.create({ access_token: TOKEN }) as object;
      expect(
        failure(
          sync(
            decideToken(request({ ...form, body: inherited }), settings({ allowBodyToken: true })),
          ),
        ).error.code,
      ).toBe('ERR_MTLS_TOKEN_MISSING');
    });

    it('a query token only when allowed', () => {
      const query = request({ authorization: [], query: { access_token: TOKEN } });
      expect(failure(sync(decideToken(query, settings()))).error.code).toBe(
        'ERR_MTLS_TOKEN_MISSING',
      );
      expect(sync(decideToken(query, settings({ allowQueryToken: true })))).toMatchObject({
        ok: true,
        location: 'query',
      });
    });

    it('an unbound token with allowUnboundTokens, binding none', () => {
      const decision = sync(
        decideToken(
          request(),
          settings({ verifier: verifier(accepted({ sub: 'x' })), allowUnboundTokens: true }),
        ),
      );
      expect(decision).toMatchObject({ ok: true, value: { binding: 'none', token: TOKEN } });
    });
  });

  describe('the body of a form request', () => {
    const FORM_POST = { method: 'POST', contentType: 'application/x-www-form-urlencoded' };

    it('that no parser read: 500 ERR_MTLS_MISCONFIGURED, before anything else', () => {
      const check = settings({ allowBodyToken: true });
      const decision = failure(
        sync(decideToken(request({ ...FORM_POST, hasBody: true, bodyParserRan: false }), check)),
      );
      expect(decision.error.status).toBe(500);
      expect(decision.error.code).toBe('ERR_MTLS_MISCONFIGURED');
      expect(decision.error.message).toBe('not parsed: mount express.urlencoded()');
      expect(decision.location).toBeUndefined();
      expect(decision.warm).toBeUndefined();
      expect((check.verifier as ReturnType<typeof verifier>).calls).toEqual([]);
    });

    it('without a body and without a parser: flags noBodyParser, and goes on to the header', async () => {
      const bodyless = request({ ...FORM_POST, hasBody: false, bodyParserRan: false });
      expect(sync(decideToken(bodyless, settings({ allowBodyToken: true })))).toMatchObject({
        ok: true,
        noBodyParser: true,
      });
      expect(
        await settled(
          decideToken(
            bodyless,
            settings({ allowBodyToken: true, verifier: verifier(BOUND_A, true) }),
          ),
        ),
      ).toMatchObject({ ok: true, noBodyParser: true });
      expect(
        failure(
          sync(decideToken({ ...bodyless, authorization: [] }, settings({ allowBodyToken: true }))),
        ),
      ).toMatchObject({ noBodyParser: true, error: { code: 'ERR_MTLS_TOKEN_MISSING' } });
    });

    it('without a body after a parser ran: no flag', () => {
      const bodyless = request({ ...FORM_POST, hasBody: false, bodyParserRan: true });
      expect(sync(decideToken(bodyless, settings({ allowBodyToken: true }))).noBodyParser).toBe(
        undefined,
      );
    });

    it.each([
      ['a GET', { method: 'GET', contentType: 'application/x-www-form-urlencoded' }],
      ['a HEAD', { method: 'HEAD', contentType: 'application/x-www-form-urlencoded' }],
      ['a JSON body', { method: 'POST', contentType: 'application/json' }],
      ['no content type', { method: 'POST', contentType: undefined }],
    ])('is not read in %s', (_name, shape) => {
      const decision = sync(
        decideToken(
          request({ ...shape, authorization: [], body: { access_token: TOKEN }, hasBody: true }),
          settings({ allowBodyToken: true }),
        ),
      );
      expect(failure(decision).error.code).toBe('ERR_MTLS_TOKEN_MISSING');
    });
  });

  describe('refuses', () => {
    it('malformed credentials: 400, no location, verifier not called', () => {
      const check = settings();
      const decision = failure(
        sync(decideToken(request({ authorization: ['Bearer a b'] }), check)),
      );
      expect(decision.error.code).toBe('ERR_MTLS_INVALID_REQUEST');
      expect(decision.location).toBeUndefined();
      expect((check.verifier as ReturnType<typeof verifier>).calls).toEqual([]);
    });

    it('a DPoP scheme in a Bearer-only decision as no token (401, bare challenge)', () => {
      const decision = failure(
        sync(decideToken(request({ authorization: [`DPoP ${TOKEN}`], dpop: [PROOF] }), settings())),
      );
      expect(decision.error.code).toBe('ERR_MTLS_TOKEN_MISSING');
      expect(decision.error.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    });

    it.each([false, true])('an invalid token with its reason (async %s)', async (async) => {
      const decision = await decideToken(
        request(),
        settings({ verifier: verifier(refused('expired', 'exp is past'), async) }),
      );
      const { error, location, warm } = failure(decision);
      expect(error.code).toBe('ERR_MTLS_INVALID_TOKEN');
      expect(error.reason).toBe('expired');
      expect(error.message).toBe('invalid access token: expired (exp is past)');
      expect(location).toBe('header');
      expect(warm).toBe(!async);
    });

    it('an unavailable verifier: 503 with its reason, detail and cause', async () => {
      const cause = new Error('ECONNREFUSED');
      const decision = failure(
        await decideToken(
          request(),
          settings({
            verifier: verifier(unavailable('jwks_unavailable', 'JWKS down', cause), true),
          }),
        ),
      );
      expect(decision.error.status).toBe(503);
      expect(decision.error.code).toBe('ERR_MTLS_UNAVAILABLE');
      expect(decision.error.reason).toBe('jwks_unavailable');
      expect(decision.error.message).toBe('JWKS down');
      expect(decision.error.cause).toBe(cause);
      expect(decision.warm).toBe(false);
    });

    it('a malformed cnf, and a DPoP-only cnf as unbound (x5t#S256 understood only)', () => {
      for (const [cnf, reason] of [
        ['x', 'malformed'],
        [{ jkt: JKT }, 'unbound'],
        [{ jkt: JKT, 'x5t#S256': A }, 'malformed'],
      ] as const) {
        const decision = failure(
          sync(decideToken(request(), settings({ verifier: verifier(accepted({ cnf })) }))),
        );
        expect(decision.error.reason).toBe(reason);
        expect(decision).toMatchObject({ location: 'header', warm: true });
      }
    });

    it('another certificate, or none', () => {
      expect(
        failure(sync(decideToken(request({ certificateThumbprint: B }), settings()))).error.reason,
      ).toBe('binding_mismatch');
      expect(
        failure(sync(decideToken(request({ certificateThumbprint: undefined }), settings()))).error
          .reason,
      ).toBe('certificate_missing');
    });

    it('rejects its promise when the verifier rejects (a bug, not an outcome)', async () => {
      const broken: TokenVerifier = { verify: () => Promise.reject(new Error('broken agent')) };
      await expect(decideToken(request(), settings({ verifier: broken }))).rejects.toThrow(
        'broken agent',
      );
    });
  });

  describe('DPoP-bound tokens (the proof check seam)', () => {
    const DPOP_BOUND = accepted({ sub: 'c', cnf: { jkt: JKT } });
    const dpop = (overrides: Partial<TokenDecisionSettings> = {}): TokenDecisionSettings =>
      settings({
        verifier: verifier(DPOP_BOUND),
        schemes: ['bearer', 'dpop'],
        understood: ['x5t#S256', 'jkt'],
        methods: ['mtls', 'dpop'],
        errors: tokenErrors({
          realm: 'api',
          schemes: ['bearer', 'dpop'],
          dpopAlgorithms: ['ES256'],
        }),
        ...overrides,
      });
    const DPOP_REQUEST = request({
      method: 'POST',
      authorization: [`DPoP ${TOKEN}`],
      dpop: [PROOF],
      certificateThumbprint: undefined,
    });

    it('hands the proof check the request, credentials and jkt, and accepts the proven key', () => {
      const seen: unknown[] = [];
      const proofCheck: ProofCheck = (input) => {
        seen.push(input);
        return accept(JKT);
      };
      const decision = sync(decideToken(DPOP_REQUEST, dpop({ proofCheck })));
      expect(decision).toMatchObject({
        ok: true,
        value: { binding: 'dpop', jkt: JKT, scheme: 'dpop', token: TOKEN },
        warm: true,
      });
      expect(seen).toEqual([
        {
          request: DPOP_REQUEST,
          credentials: { scheme: 'dpop', token: TOKEN, location: 'header', dpopProofs: [PROOF] },
          jkt: JKT,
        },
      ]);
    });

    it('waits for an asynchronous proof check', async () => {
      const proofCheck: ProofCheck = () => Promise.resolve(accept(JKT));
      expect(await settled(decideToken(DPOP_REQUEST, dpop({ proofCheck })))).toMatchObject({
        ok: true,
        value: { binding: 'dpop' },
      });
    });

    it('reports the proof check refusal as it is, with the trace', async () => {
      const error = new InvalidDpopProofLike();
      const proofCheck: ProofCheck = () => Promise.resolve(reject(error));
      const decision = failure(await decideToken(DPOP_REQUEST, dpop({ proofCheck })));
      expect(decision.error).toBe(error);
      expect(decision).toMatchObject({ location: 'header', warm: true });
    });

    it('refuses a proof for another key (binding_mismatch)', () => {
      const proofCheck: ProofCheck = () => accept('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
      expect(failure(sync(decideToken(DPOP_REQUEST, dpop({ proofCheck })))).error.reason).toBe(
        'binding_mismatch',
      );
    });

    it('fails closed without a proof check (binding_mismatch)', () => {
      expect(failure(sync(decideToken(DPOP_REQUEST, dpop()))).error.reason).toBe(
        'binding_mismatch',
      );
    });

    it('never runs the proof check for a Bearer request or when dpop is not accepted', () => {
      const proofCheck = jest.fn<ReturnType<ProofCheck>, Parameters<ProofCheck>>(() => accept(JKT));
      const asBearer = { ...DPOP_REQUEST, authorization: [`Bearer ${TOKEN}`] };
      expect(failure(sync(decideToken(asBearer, dpop({ proofCheck })))).error.reason).toBe(
        'scheme_mismatch',
      );
      expect(
        failure(sync(decideToken(DPOP_REQUEST, dpop({ proofCheck, methods: ['mtls'] })))).error
          .reason,
      ).toBe('binding_mismatch');
      expect(proofCheck).not.toHaveBeenCalled();
    });
  });
});
