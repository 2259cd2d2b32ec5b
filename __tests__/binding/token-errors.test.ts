import { tokenErrors } from '../../lib/binding/token-errors';
import { InvalidRequestError, InvalidTokenError, TokenMissingError } from '../../lib/errors';

const META = 'https://api.example.com/.well-known/oauth-protected-resource';

describe('tokenErrors (one challenge policy per middleware)', () => {
  it('with Bearer only, gives the classes their default challenges, byte for byte', () => {
    for (const errors of [
      tokenErrors({ realm: 'api' }),
      tokenErrors({ realm: 'api', schemes: [] }),
    ]) {
      expect(errors.missing().headers).toEqual(new TokenMissingError({ realm: 'api' }).headers);
      expect(errors.invalidRequest('bad').headers).toEqual(
        new InvalidRequestError('bad', { realm: 'api' }).headers,
      );
      const error = errors.invalidToken('expired', 'exp is past', 'bearer');
      expect(error.headers).toEqual(new InvalidTokenError('expired', { realm: 'api' }).headers);
      expect(error.message).toBe('invalid access token: expired (exp is past)');
    }
  });

  it('adds resource_metadata to every challenge (RFC 9728 §5.1)', () => {
    const errors = tokenErrors({ realm: 'api', resourceMetadata: META });
    expect(errors.missing().headers['WWW-Authenticate']).toBe(
      `Bearer realm="api", resource_metadata="${META}"`,
    );
    const error = errors.invalidToken('unbound', 'no cnf');
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.reason).toBe('unbound');
    expect(error.message).toBe('invalid access token: unbound (no cnf)');
    expect(error.headers['WWW-Authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="the access token is not certificate-bound", resource_metadata="${META}"`,
    );
  });

  it('with DPoP only, challenges with DPoP and algs', () => {
    const errors = tokenErrors({
      realm: 'api',
      schemes: ['dpop'],
      dpopAlgorithms: ['ES256', 'EdDSA'],
    });
    expect(errors.missing().headers['WWW-Authenticate']).toBe(
      'DPoP realm="api", algs="ES256 EdDSA"',
    );
    expect(errors.invalidToken('expired', 'x', 'dpop').headers['WWW-Authenticate']).toBe(
      'DPoP realm="api", error="invalid_token", error_description="the access token expired", algs="ES256 EdDSA"',
    );
  });

  it('puts error on the scheme used, or on every challenge when the scheme is unknown', () => {
    const errors = tokenErrors({ realm: 'api', schemes: ['dpop', 'bearer'] });
    expect(errors.invalidRequest('bad', 'bearer').headers['WWW-Authenticate']).toBe(
      'DPoP realm="api", Bearer realm="api", error="invalid_request", error_description="bad"',
    );
    expect(errors.invalidRequest('bad').headers['WWW-Authenticate']).toBe(
      'DPoP realm="api", error="invalid_request", error_description="bad", Bearer realm="api", error="invalid_request", error_description="bad"',
    );
  });
});
