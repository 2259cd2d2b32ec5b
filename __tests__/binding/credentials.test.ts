import {
  extractCredentials,
  scanCredentials,
  type CredentialSettings,
} from '../../lib/binding/credentials';
import { tokenErrors } from '../../lib/binding/token-errors';
import { InvalidRequestError, TokenMissingError } from '../../lib/errors';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
const PROOF = 'eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJHRVQifQ.c2ln';

const BEARER: CredentialSettings = {
  schemes: ['bearer'],
  allowBodyToken: false,
  allowQueryToken: false,
  errors: tokenErrors({ realm: 'api' }),
};
const BOTH: CredentialSettings = {
  ...BEARER,
  schemes: ['bearer', 'dpop'],
  errors: tokenErrors({ realm: 'api', schemes: ['bearer', 'dpop'], dpopAlgorithms: ['ES256'] }),
};

function refusal(settings: CredentialSettings, sources: Parameters<typeof extractCredentials>[0]) {
  const decision = extractCredentials(sources, settings);
  if (decision.ok) throw new Error('expected a refusal');
  return decision.error;
}

describe('extractCredentials (RFC 6750 §2, RFC 9449 §7.1)', () => {
  describe('Bearer only (requireCertificateBoundToken)', () => {
    it.each([`Bearer ${JWT}`, `bearer ${JWT}`, `BEARER   ${JWT}`])('reads %j', (header) => {
      expect(extractCredentials({ authorization: [header] }, BEARER)).toEqual({
        ok: true,
        value: { scheme: 'bearer', token: JWT, location: 'header', dpopProofs: [] },
      });
    });

    it.each([`DPoP ${JWT}`, `dpop ${JWT}`, 'DPoP', 'DPoP a b', `Basic ${JWT}`])(
      'treats %j as no token: 401 ERR_MTLS_TOKEN_MISSING with the bare challenge',
      (header) => {
        const error = refusal(BEARER, { authorization: [header], dpop: [PROOF] });
        expect(error).toBeInstanceOf(TokenMissingError);
        expect(error.status).toBe(401);
        expect(error.code).toBe('ERR_MTLS_TOKEN_MISSING');
        expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
      },
    );

    it('answers malformed Bearer credentials with 400 invalid_request', () => {
      const error = refusal(BEARER, { authorization: ['Bearer a b'] });
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.status).toBe(400);
      expect(error.code).toBe('ERR_MTLS_INVALID_REQUEST');
      expect(error.body.error_description).toBe('malformed Bearer credentials');
      expect(error.headers['WWW-Authenticate']).toBe(
        'Bearer realm="api", error="invalid_request", error_description="malformed Bearer credentials"',
      );
    });

    it('refuses two Authorization lines', () => {
      expect(refusal(BEARER, { authorization: [`Bearer ${JWT}`, `Bearer ${JWT}`] }).body).toEqual({
        error: 'invalid_request',
        error_description: 'more than one Authorization header',
      });
    });

    it('ignores body and query tokens unless their location is allowed', () => {
      expect(refusal(BEARER, { authorization: [], body: JWT, query: JWT }).code).toBe(
        'ERR_MTLS_TOKEN_MISSING',
      );
      const allowed = { ...BEARER, allowBodyToken: true, allowQueryToken: true };
      expect(extractCredentials({ authorization: [], body: JWT }, allowed)).toEqual({
        ok: true,
        value: { scheme: 'bearer', token: JWT, location: 'body', dpopProofs: [] },
      });
      expect(extractCredentials({ authorization: [], query: JWT }, allowed)).toEqual({
        ok: true,
        value: { scheme: 'bearer', token: JWT, location: 'query', dpopProofs: [] },
      });
      expect(
        refusal(allowed, { authorization: [`Bearer ${JWT}`], query: JWT }).body.error_description,
      ).toBe('access token sent in more than one way');
      expect(refusal(allowed, { authorization: [], body: [JWT, JWT] }).body.error_description).toBe(
        'malformed access_token body parameter',
      );
    });
  });

  describe('Bearer and DPoP', () => {
    it.each([`DPoP ${JWT}`, `dpop ${JWT}`, `DPOP  ${JWT}`])(
      'reads %j as a DPoP token, with the DPoP lines as they came',
      (header) => {
        expect(extractCredentials({ authorization: [header], dpop: [PROOF, PROOF] }, BOTH)).toEqual(
          {
            ok: true,
            value: { scheme: 'dpop', token: JWT, location: 'header', dpopProofs: [PROOF, PROOF] },
          },
        );
      },
    );

    it('still reads Bearer, and returns the DPoP lines with it', () => {
      expect(extractCredentials({ authorization: [`Bearer ${JWT}`], dpop: [PROOF] }, BOTH)).toEqual(
        {
          ok: true,
          value: { scheme: 'bearer', token: JWT, location: 'header', dpopProofs: [PROOF] },
        },
      );
    });

    it.each(['DPoP', 'DPoP ', `DPoP ${JWT} x`, 'DPoP "a"'])(
      'answers malformed DPoP credentials %j with 400 and the error on the DPoP challenge only',
      (header) => {
        const error = refusal(BOTH, { authorization: [header] });
        expect(error.code).toBe('ERR_MTLS_INVALID_REQUEST');
        expect(error.body.error_description).toBe('malformed DPoP credentials');
        expect(error.headers['WWW-Authenticate']).toBe(
          'Bearer realm="api", DPoP realm="api", error="invalid_request", error_description="malformed DPoP credentials", algs="ES256"',
        );
      },
    );

    it('answers no token with both challenges, without error', () => {
      const error = refusal(BOTH, { authorization: ['Basic dXNlcjpwYXNz'] });
      expect(error.code).toBe('ERR_MTLS_TOKEN_MISSING');
      expect(error.headers['WWW-Authenticate']).toBe(
        'Bearer realm="api", DPoP realm="api", algs="ES256"',
      );
    });

    it('refuses a DPoP header token next to a body token (more than one way)', () => {
      const error = refusal(
        { ...BOTH, allowBodyToken: true },
        { authorization: [`DPoP ${JWT}`], body: JWT },
      );
      expect(error.body.error_description).toBe('access token sent in more than one way');
      expect(error.headers['WWW-Authenticate']).toBe(
        'Bearer realm="api", error="invalid_request", error_description="access token sent in more than one way", DPoP realm="api", error="invalid_request", error_description="access token sent in more than one way", algs="ES256"',
      );
    });

    it('reads a DPoP-only middleware, where Bearer counts as no token', () => {
      expect(
        refusal({ ...BEARER, schemes: ['dpop'] }, { authorization: [`Bearer ${JWT}`] }).code,
      ).toBe('ERR_MTLS_TOKEN_MISSING');
    });
  });

  it('scanCredentials takes body and query as given', () => {
    expect(scanCredentials({ authorization: [], query: JWT }, ['bearer'])).toEqual({
      scheme: 'bearer',
      token: JWT,
      location: 'query',
      dpopProofs: [],
    });
    expect(scanCredentials({ authorization: [] }, ['bearer'])).toBeUndefined();
  });
});
