/**
 * The challenges of every existing error, pinned byte for byte: moving the builder to
 * lib/internal/challenge.ts changed none of them.
 */
import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  TokenMissingError,
  bearerChallenge,
  type TokenRejectionReason,
} from '../../lib/errors';

const DESCRIPTIONS: [TokenRejectionReason, string][] = [
  ['malformed', 'the access token is malformed'],
  ['signature', 'the access token signature is invalid'],
  ['expired', 'the access token expired'],
  ['not_yet_valid', 'the access token is not yet valid'],
  ['issuer', 'the access token issuer is not accepted'],
  ['audience', 'the access token audience is not accepted'],
  ['algorithm', 'the access token algorithm is not accepted'],
  ['type', 'the access token type is not accepted'],
  ['claims', 'the access token lacks required claims'],
  ['too_old', 'the access token is too old'],
  ['inactive', 'the access token is not active'],
  ['unbound', 'the access token is not certificate-bound'],
  ['certificate_missing', 'a client certificate is required for this access token'],
  ['binding_mismatch', 'the client certificate does not match the access token binding'],
];

describe('existing challenges stay byte-identical', () => {
  it.each(DESCRIPTIONS)('InvalidTokenError %s', (reason, description) => {
    expect(new InvalidTokenError(reason, { realm: 'api' }).headers['WWW-Authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="${description}"`,
    );
  });

  it('TokenMissingError, InvalidRequestError, InsufficientScopeError', () => {
    expect(new TokenMissingError({ realm: 'api' }).headers['WWW-Authenticate']).toBe(
      'Bearer realm="api"',
    );
    expect(new TokenMissingError().headers['WWW-Authenticate']).toBe('Bearer');
    expect(
      new InvalidRequestError('access token sent in more than one way', { realm: 'r' }).headers[
        'WWW-Authenticate'
      ],
    ).toBe(
      'Bearer realm="r", error="invalid_request", error_description="access token sent in more than one way"',
    );
    expect(
      new InsufficientScopeError({ realm: 'api', scope: 'read write' }).headers['WWW-Authenticate'],
    ).toBe(
      'Bearer realm="api", scope="read write", error="insufficient_scope", error_description="the access token lacks a required scope"',
    );
  });

  it('bearerChallenge with hostile values', () => {
    expect(
      bearerChallenge({ realm: 'a"b\\c\r\nd\u00e9', scope: 'x y', errorDescription: '\u0000' }),
    ).toBe('Bearer realm="abcd", scope="x y", error_description=""');
  });
});
