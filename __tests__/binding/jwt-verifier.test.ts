import { createHmac, sign as cryptoSign } from 'node:crypto';
import { JsonWebTokenError, NotBeforeError, TokenExpiredError } from 'jsonwebtoken';
import {
  createJwtVerifier,
  mapJsonWebTokenError,
  normalizeMediaType,
  type JwtVerifierPolicy,
} from '../../lib/binding/jwt-verifier';
import { staticKeySource, type KeySource } from '../../lib/binding/key-source';
import { refused, unavailable, type TokenVerification } from '../../lib/binding/token-verification';
import {
  AUDIENCE,
  claims,
  ISSUER,
  now,
  privateKey,
  publicKey,
  publicPem,
  signEdDsa,
  signJwt,
  signRaw,
  tamper,
} from './helpers/keys';

const ALL = new Set(['RS256', 'PS256', 'ES256', 'EdDSA', 'RS384']);

function policy(extra: Partial<JwtVerifierPolicy> = {}): JwtVerifierPolicy {
  return {
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    algorithms: ALL,
    typ: undefined,
    requiredClaims: ['exp'],
    clockTolerance: 0,
    maxTokenAge: undefined,
    ...extra,
  };
}

const rsaKeys = staticKeySource(publicKey('rsa'), new Set(['RS256', 'PS256', 'RS384']));
const ecKeys = staticKeySource(publicKey('ec-p256'), new Set(['ES256']));
const edKeys = staticKeySource(publicKey('ed25519'), new Set(['EdDSA']));

function verify(token: string, keys: KeySource = rsaKeys, p = policy()): TokenVerification {
  const result = createJwtVerifier(keys, p).verify(token);
  if (result instanceof Promise) throw new Error('expected a synchronous answer');
  return result;
}

function reasonOf(result: TokenVerification): string {
  return result.status === 'invalid' ? result.reason : result.status;
}

describe('createJwtVerifier: accepted tokens', () => {
  it.each([
    ['RS256', 'rsa', rsaKeys],
    ['PS256', 'rsa', rsaKeys],
    ['ES256', 'ec-p256', ecKeys],
  ] as const)('verifies %s with jsonwebtoken', (alg, keyName, keys) => {
    const payload = claims({ cnf: { 'x5t#S256': 'x' } });
    const result = verify(signJwt(payload, privateKey(keyName), alg), keys);
    expect(result).toEqual({ status: 'valid', payload });
    expect(Object.isFrozen(result.status === 'valid' && result.payload.cnf)).toBe(true);
  });

  it('verifies EdDSA (RFC 8037) with node:crypto and the same claim rules', () => {
    const payload = claims();
    expect(verify(signEdDsa(payload), edKeys)).toEqual({ status: 'valid', payload });
  });

  it('waits for an asynchronous key source', async () => {
    const keys: KeySource = { get: async () => rsaKeys.get(undefined) };
    const payload = claims();
    await expect(
      createJwtVerifier(keys, policy()).verify(signJwt(payload, privateKey('rsa'), 'RS256')),
    ).resolves.toEqual({ status: 'valid', payload });
  });

  it('skips the issuer and audience checks when they are off', () => {
    const token = signJwt(claims({ iss: 'other', aud: 'other' }), privateKey('rsa'), 'RS256');
    expect(
      verify(token, rsaKeys, policy({ issuers: undefined, audiences: undefined })).status,
    ).toBe('valid');
    const ed = signEdDsa(claims({ iss: 'other', aud: 'other' }));
    expect(verify(ed, edKeys, policy({ issuers: undefined, audiences: undefined })).status).toBe(
      'valid',
    );
  });

  it.each(['at+jwt', 'application/at+jwt', 'AT+JWT', 'Application/AT+JWT'])(
    'accepts typ %s where at+jwt is required (RFC 9068 §2.1, RFC 7515 §4.1.9)',
    (typ) => {
      const token = signJwt(claims(), privateKey('rsa'), 'RS256', { typ });
      expect(verify(token, rsaKeys, policy({ typ: 'application/at+jwt' })).status).toBe('valid');
    },
  );
});

describe('createJwtVerifier: refused tokens', () => {
  it.each([
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['a header that is not base64url', 'e+J9.e30.c2ln'],
    ['a header of impossible length', 'eyJhb.e30.c2ln'],
    ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.e30.c2ln`],
    ['a header that is a JSON array', `${Buffer.from('[]').toString('base64url')}.e30.c2ln`],
    ['a header that is JSON null', `${Buffer.from('null').toString('base64url')}.e30.c2ln`],
  ])('refuses %s as malformed', (_name, token) => {
    expect(verify(token)).toEqual(refused('malformed', 'not a JWS compact serialization'));
  });

  it('refuses alg none as algorithm', () => {
    const token = signJwt(claims(), '', 'none');
    expect(token.endsWith('.')).toBe(true);
    expect(verify(token)).toEqual(refused('algorithm', 'alg none is not accepted'));
  });

  it('refuses an alg outside the allow-list, or not a string', () => {
    const token = signJwt(claims(), privateKey('rsa'), 'RS512');
    expect(verify(token)).toEqual(refused('algorithm', 'alg RS512 is not accepted'));
    expect(verify(signRaw({ alg: 1 }, claims(), undefined))).toEqual(
      refused('algorithm', 'alg 1 is not accepted'),
    );
  });

  it('refuses HS256 signed with the RSA public key as HMAC secret (alg confusion)', () => {
    const pemText = publicPem('rsa');
    const token = signRaw({ alg: 'HS256', typ: 'JWT' }, claims(), (input) =>
      createHmac('sha256', pemText).update(input).digest(),
    );
    expect(verify(token)).toEqual(refused('algorithm', 'alg HS256 is not accepted'));
    const permissive = policy({ algorithms: new Set([...ALL, 'HS256']) });
    expect(verify(token, rsaKeys, permissive)).toEqual(
      refused('algorithm', 'alg HS256 cannot be used with this key'),
    );
  });

  it('refuses an algorithm of another key family (ES256 against an RSA key)', () => {
    const token = signJwt(claims(), privateKey('ec-p256'), 'ES256');
    expect(verify(token)).toEqual(refused('algorithm', 'alg ES256 cannot be used with this key'));
  });

  it('refuses any crit header (RFC 7515 §4.1.11)', () => {
    const token = signJwt(claims(), privateKey('rsa'), 'RS256', { crit: ['exp'], exp: 1 });
    expect(verify(token)).toEqual(refused('malformed', 'crit header parameters are not supported'));
  });

  it.each([
    ['JWT', 'typ JWT is not application/at+jwt'],
    [undefined, 'typ undefined is not application/at+jwt'],
    ['application/jwt', 'typ application/jwt is not application/at+jwt'],
  ])('refuses typ %j where at+jwt is required', (typ, detail) => {
    const token = signRaw(
      { alg: 'RS256', ...(typ === undefined ? {} : { typ }) },
      claims(),
      (input) => cryptoSign('sha256', input, privateKey('rsa')),
    );
    expect(verify(token, rsaKeys, policy({ typ: 'application/at+jwt' }))).toEqual(
      refused('type', detail),
    );
  });

  it('refuses a kid that is not a string', () => {
    const token = signJwt(claims(), privateKey('rsa'), 'RS256', { kid: 7 });
    expect(verify(token)).toEqual(refused('malformed', 'kid is not a string'));
  });

  it('passes the key source refusal or unavailability through', () => {
    const token = signJwt(claims(), privateKey('rsa'), 'RS256', { kid: 'k' });
    const unknown = refused('signature', 'no key of the JWKS matches the token kid');
    expect(verify(token, { get: () => unknown })).toBe(unknown);
    const down = unavailable('jwks_unavailable', 'down');
    expect(verify(token, { get: () => down })).toBe(down);
  });

  it('refuses a tampered signature and a signature by another key', () => {
    const token = signJwt(claims(), privateKey('rsa'), 'RS256');
    expect(verify(tamper(token))).toEqual(refused('signature', 'invalid signature'));
    expect(verify(signJwt(claims(), privateKey('rsa-other'), 'RS256'))).toEqual(
      refused('signature', 'invalid signature'),
    );
  });

  it.each([
    ['expired', { exp: now() - 60 }],
    ['not_yet_valid', { nbf: now() + 60 }],
    ['issuer', { iss: 'https://evil.example' }],
    ['audience', { aud: 'https://other.example/' }],
  ])('maps the jsonwebtoken failure to %s', (reason, extra) => {
    const token = signJwt(claims(extra), privateKey('rsa'), 'RS256');
    expect(reasonOf(verify(token))).toBe(reason);
  });

  it('refuses a token older than maxTokenAge (too_old), and one without iat (claims)', () => {
    const p = policy({ maxTokenAge: 60 });
    expect(
      reasonOf(
        verify(signJwt(claims({ iat: now() - 61 }), privateKey('rsa'), 'RS256'), rsaKeys, p),
      ),
    ).toBe('too_old');
    expect(
      reasonOf(verify(signJwt(claims({ iat: undefined }), privateKey('rsa'), 'RS256'), rsaKeys, p)),
    ).toBe('claims');
  });

  it('refuses a token without a required claim', () => {
    const token = signJwt(claims({ exp: undefined }), privateKey('rsa'), 'RS256');
    expect(verify(token)).toEqual(refused('claims', 'required claim exp is missing'));
  });

  it('refuses a payload that is not a JSON object', () => {
    const token = signRaw({ alg: 'RS256' }, 'not json', (input) =>
      cryptoSign('sha256', input, privateKey('rsa')),
    );
    const open = policy({ issuers: undefined, audiences: undefined });
    expect(verify(token, rsaKeys, open)).toEqual(
      refused('malformed', 'payload is not a JSON object'),
    );
  });

  describe('EdDSA', () => {
    it('refuses a tampered signature, or one that is not base64url', () => {
      const token = signEdDsa(claims());
      expect(verify(tamper(token), edKeys)).toEqual(refused('signature', 'invalid signature'));
      expect(verify(`${token.slice(0, -2)}+/`, edKeys)).toEqual(
        refused('signature', 'invalid signature'),
      );
    });

    it('refuses a signed payload that is not a JSON object', () => {
      const key = privateKey('ed25519');
      const token = signRaw({ alg: 'EdDSA' }, '[1]', (input) => cryptoSign(null, input, key));
      expect(verify(token, edKeys)).toEqual(refused('malformed', 'payload is not a JSON object'));
    });

    it.each([
      ['expired', { exp: now() - 60 }],
      ['not_yet_valid', { nbf: now() + 60 }],
      ['issuer', { iss: 'https://evil.example' }],
      ['audience', { aud: 'https://other.example/' }],
      ['claims', { exp: undefined }],
    ])('applies the claim rules: %s', (reason, extra) => {
      expect(reasonOf(verify(signEdDsa(claims(extra)), edKeys))).toBe(reason);
    });
  });
});

describe('normalizeMediaType (RFC 7515 §4.1.9)', () => {
  it('lower-cases and adds application/ when there is no slash', () => {
    expect(normalizeMediaType('at+JWT')).toBe('application/at+jwt');
    expect(normalizeMediaType('Application/At+Jwt')).toBe('application/at+jwt');
  });
});

describe('mapJsonWebTokenError', () => {
  it.each([
    [new TokenExpiredError('jwt expired', new Date(0)), 'expired'],
    [new TokenExpiredError('maxAge exceeded', new Date(0)), 'too_old'],
    [new NotBeforeError('jwt not active', new Date(0)), 'not_yet_valid'],
    [new JsonWebTokenError('invalid signature'), 'signature'],
    [new JsonWebTokenError('jwt audience invalid. expected: x'), 'audience'],
    [new JsonWebTokenError('jwt issuer invalid. expected: x'), 'issuer'],
    [new JsonWebTokenError('iat required when maxAge is specified'), 'claims'],
    [new JsonWebTokenError('invalid algorithm'), 'algorithm'],
    [new JsonWebTokenError('jwt signature is required'), 'algorithm'],
    [
      new JsonWebTokenError('secretOrPublicKey must be an asymmetric key when using RS256'),
      'algorithm',
    ],
    [
      new JsonWebTokenError('"alg" parameter for "rsa" key type must be one of: RS256, PS256.'),
      'algorithm',
    ],
    [
      new JsonWebTokenError(
        'Invalid key for this operation, its RSA-PSS parameters do not meet the requirements of "alg" PS256.',
      ),
      'algorithm',
    ],
    [new JsonWebTokenError('jwt malformed'), 'malformed'],
    [new JsonWebTokenError('invalid exp value'), 'malformed'],
    [new SyntaxError('Unexpected token'), 'malformed'],
    ['a string', 'malformed'],
  ])('maps %p to %s', (error, reason) => {
    expect(mapJsonWebTokenError(error).reason).toBe(reason);
  });

  it('keeps the message for logs, never inventing one', () => {
    expect(mapJsonWebTokenError(new SyntaxError('bad')).detail).toBe('bad');
    expect(mapJsonWebTokenError(42).detail).toBe('unreadable token');
  });
});
