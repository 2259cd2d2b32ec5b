import {
  constants,
  createSecretKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import {
  acceptQuickly,
  acceptQuicklyOffThread,
  type FastPathPolicy,
} from '../../lib/binding/jwt-fast-path';
import { createJwtVerifier } from '../../lib/binding/jwt-verifier';
import { staticKeySource } from '../../lib/binding/key-source';
import {
  AUDIENCE,
  claims,
  ISSUER,
  now,
  privateKey,
  publicKey,
  signJwt,
  signRaw,
  tamper,
} from './helpers/keys';

const POLICY: FastPathPolicy = {
  issuers: [ISSUER],
  audiences: [AUDIENCE],
  clockTolerance: 0,
  maxTokenAge: undefined,
};

const P521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const RSA_PSS = generateKeyPairSync('rsa-pss', {
  modulusLength: 2048,
  hashAlgorithm: 'sha256',
  mgf1HashAlgorithm: 'sha256',
});

/** A JWS signed with node:crypto, claims as given (jsonwebtoken.sign refuses odd ones). */
function signWith(alg: 'RS256' | 'PS384' | 'ES256', payload: Record<string, unknown>): string {
  const key = privateKey(alg === 'ES256' ? 'ec-p256' : 'rsa');
  return signRaw({ alg, typ: 'at+jwt' }, payload, (input) =>
    alg === 'RS256'
      ? cryptoSign('sha256', input, key)
      : alg === 'PS384'
        ? cryptoSign('sha384', input, {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          })
        : cryptoSign('sha256', input, { key, dsaEncoding: 'ieee-p1363' }),
  );
}

/** The fast path on a whole token. */
function quick(token: string, alg: string, key: KeyObject, policy = POLICY): unknown {
  return acceptQuickly(token.split('.'), alg, key, policy);
}

/** jsonwebtoken with the options the verifier gives it for `policy`, or the error's message. */
function reference(token: string, alg: string, key: KeyObject, policy = POLICY): unknown {
  try {
    return jwt.verify(token, key, {
      algorithms: [alg as jwt.Algorithm],
      clockTolerance: policy.clockTolerance,
      ...(policy.issuers === undefined ? {} : { issuer: policy.issuers as [string] }),
      ...(policy.audiences === undefined ? {} : { audience: policy.audiences as [string] }),
      ...(policy.maxTokenAge === undefined ? {} : { maxAge: policy.maxTokenAge }),
    });
  } catch (error) {
    return (error as Error).message;
  }
}

describe('acceptQuickly', () => {
  it.each([
    ['RS256', 'rsa'],
    ['RS384', 'rsa'],
    ['RS512', 'rsa'],
    ['PS256', 'rsa'],
    ['PS384', 'rsa'],
    ['PS512', 'rsa'],
    ['ES256', 'ec-p256'],
    ['ES384', 'ec-p384'],
  ] as const)('accepts a valid %s token with the payload jsonwebtoken returns', (alg, name) => {
    const token = signJwt(claims({ cnf: { 'x5t#S256': 'x' } }), privateKey(name), alg);
    const payload = quick(token, alg, publicKey(name));
    expect(payload).toEqual(expect.objectContaining({ iss: ISSUER, aud: AUDIENCE }));
    expect(payload).toEqual(reference(token, alg, publicKey(name)));
  });

  it('accepts ES512 on P-521 (132-byte signatures)', () => {
    const token = signJwt(claims(), P521.privateKey, 'ES512');
    expect(quick(token, 'ES512', P521.publicKey)).toEqual(
      reference(token, 'ES512', P521.publicKey),
    );
    expect(quick(token, 'ES512', P521.publicKey)).toBeDefined();
  });

  it.each([
    ['HS256 with a secret key', 'HS256', createSecretKey(Buffer.alloc(32, 7))],
    ['EdDSA', 'EdDSA', publicKey('ed25519')],
    ['RS256 with an RSA-PSS key', 'RS256', RSA_PSS.publicKey],
    ['PS256 with an RSA-PSS key', 'PS256', RSA_PSS.publicKey],
    ['RS256 with an EC key', 'RS256', publicKey('ec-p256')],
    ['ES256 with a P-384 key', 'ES256', publicKey('ec-p384')],
    ['ES256 with an RSA key', 'ES256', publicKey('rsa')],
    ['RS256 with a private key', 'RS256', privateKey('rsa')],
  ])('defers %s to jsonwebtoken', (_what, alg, key) => {
    const token = signRaw({ alg, typ: 'JWT' }, claims(), (input) =>
      cryptoSign('sha256', input, privateKey('rsa')),
    );
    expect(quick(token, alg, key)).toBeUndefined();
  });

  it.each([
    ['padded segments', (t: string) => t.replace(/\.([^.]+)$/, '.$1==')],
    ['a standard-base64 character', (t: string) => `+${t.slice(1)}`],
    ['a standard-base64 character in the payload', (t: string) => t.replace('.', '.+')],
    ['an empty signature', (t: string) => t.replace(/\.[^.]+$/, '.')],
    ['an empty payload', (t: string) => t.replace(/\.[^.]+\./, '..')],
  ])('defers a token with %s', (_what, mutate) => {
    const token = signJwt(claims(), privateKey('rsa'), 'RS256');
    expect(quick(token, 'RS256', publicKey('rsa'))).toBeDefined();
    expect(quick(mutate(token), 'RS256', publicKey('rsa'))).toBeUndefined();
  });

  it.each(['RS256', 'PS384', 'ES256'] as const)(
    'refuses a %s token whose signature does not verify, as jsonwebtoken does',
    (alg) => {
      const name = alg === 'ES256' ? 'ec-p256' : 'rsa';
      const token = tamper(signWith(alg, claims()));
      expect(quick(token, alg, publicKey(name))).toBe(false);
      expect(reference(token, alg, publicKey(name))).toBe('invalid signature');
    },
  );

  it('defers an ES256 signature of the wrong length, even one that would verify as DER', () => {
    const key = privateKey('ec-p256');
    const der = signRaw({ alg: 'ES256' }, claims(), (input) => cryptoSign('sha256', input, key));
    expect(quick(der, 'ES256', publicKey('ec-p256'))).toBeUndefined();
    const short = signJwt(claims(), key, 'ES256').replace(/..$/, '');
    expect(quick(short, 'ES256', publicKey('ec-p256'))).toBeUndefined();
  });

  it.each([
    ['not JSON', 'not json'],
    ['a JSON array', '[1,2]'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
  ])('defers a validly signed payload that is %s', (_what, payload) => {
    const key = privateKey('rsa');
    const token = signRaw({ alg: 'RS256' }, payload, (input) => cryptoSign('sha256', input, key));
    expect(quick(token, 'RS256', publicKey('rsa'))).toBeUndefined();
  });

  it.each([
    ['nbf in the future', { nbf: now() + 60 }],
    ['nbf not a number', { nbf: '0' }],
    ['exp in the past', { exp: now() - 1 }],
    ['exp now', { exp: now() }],
    ['exp not a number', { exp: String(now() + 60) }],
    ['another audience', { aud: 'https://other.example.test' }],
    ['an audience list without ours', { aud: ['https://other.example.test'] }],
    ['a non-string audience', { aud: 7 }],
    ['no audience', { aud: undefined }],
    ['another issuer', { iss: 'https://evil.example.test' }],
    ['a non-string issuer', { iss: 7 }],
    ['no issuer', { iss: undefined }],
  ])('defers a token with %s', (_what, extra) => {
    const token = signWith('RS256', claims(extra));
    expect(quick(token, 'RS256', publicKey('rsa'))).toBeUndefined();
    expect(typeof reference(token, 'RS256', publicKey('rsa'))).toBe('string');
  });

  it('applies the clock tolerance to nbf and exp', () => {
    const policy = { ...POLICY, clockTolerance: 5 };
    const early = signJwt(claims({ nbf: now() + 3 }), privateKey('rsa'), 'RS256');
    const late = signJwt(claims({ exp: now() - 3 }), privateKey('rsa'), 'RS256');
    expect(quick(early, 'RS256', publicKey('rsa'), policy)).toBeDefined();
    expect(quick(late, 'RS256', publicKey('rsa'), policy)).toBeDefined();
    expect(quick(early, 'RS256', publicKey('rsa'))).toBeUndefined();
  });

  it('accepts a listed audience among others, and skips checks that are turned off', () => {
    const listed = signJwt(claims({ aud: ['x', AUDIENCE] }), privateKey('rsa'), 'RS256');
    expect(quick(listed, 'RS256', publicKey('rsa'))).toBeDefined();
    const open = { ...POLICY, issuers: undefined, audiences: undefined };
    const anyone = signJwt(claims({ aud: 'x', iss: 'y' }), privateKey('rsa'), 'RS256');
    expect(quick(anyone, 'RS256', publicKey('rsa'), open)).toBeDefined();
  });

  it('checks the token age with maxTokenAge', () => {
    const policy = { ...POLICY, maxTokenAge: 60 };
    const fresh = signJwt(claims({ iat: now() - 10 }), privateKey('rsa'), 'RS256');
    const old = signJwt(claims({ iat: now() - 61 }), privateKey('rsa'), 'RS256');
    const ageless = signJwt(claims({ iat: undefined }), privateKey('rsa'), 'RS256');
    expect(quick(fresh, 'RS256', publicKey('rsa'), policy)).toBeDefined();
    expect(quick(old, 'RS256', publicKey('rsa'), policy)).toBeUndefined();
    expect(quick(ageless, 'RS256', publicKey('rsa'), policy)).toBeUndefined();
  });

  it('accepts exactly the tokens jsonwebtoken accepts (same payload), refuses bad signatures as it does', () => {
    const t = now();
    const claim = (...values: unknown[]): fc.Arbitrary<unknown> => fc.constantFrom(...values);
    fc.assert(
      fc.property(
        fc.record({
          nbf: claim(undefined, t - 100, t + 3, t + 100, 'x'),
          exp: claim(undefined, t - 100, t - 3, t + 100, 'x'),
          iat: claim(undefined, t - 1000, t - 30, t),
          aud: claim(AUDIENCE, 'other', [AUDIENCE, 'x'], ['x'], 5, undefined),
          iss: claim(ISSUER, 'other', 7, undefined),
        }),
        fc.record<FastPathPolicy>({
          clockTolerance: fc.constantFrom(0, 5),
          maxTokenAge: fc.constantFrom(undefined, 1, 60),
          audiences: fc.constantFrom([AUDIENCE], undefined),
          issuers: fc.constantFrom([ISSUER], undefined),
        }),
        fc.constantFrom('RS256', 'PS384', 'ES256'),
        fc.boolean(),
        (extra, policy, alg, tampered) => {
          const name = alg === 'ES256' ? 'ec-p256' : 'rsa';
          const signed = signWith(alg, claims(extra));
          const token = tampered ? tamper(signed) : signed;
          const fast = quick(token, alg, publicKey(name), policy);
          const slow = reference(token, alg, publicKey(name), policy);
          if (fast === false) expect(slow).toBe('invalid signature');
          else if (fast === undefined) expect(typeof slow).toBe('string');
          else expect(fast).toEqual(slow);
          expect(fast === undefined || fast === false).toBe(typeof slow === 'string');
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('acceptQuicklyOffThread', () => {
  it('concludes as the on-thread path does, after verifying on the thread pool', async () => {
    const good = signWith('RS256', claims());
    const pending = acceptQuicklyOffThread(good.split('.'), 'RS256', publicKey('rsa'), POLICY);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual(quick(good, 'RS256', publicKey('rsa')));
    const bad = tamper(good);
    expect(await acceptQuicklyOffThread(bad.split('.'), 'RS256', publicKey('rsa'), POLICY)).toBe(
      false,
    );
    const expired = signWith('ES256', claims({ exp: now() - 10 }));
    expect(
      await acceptQuicklyOffThread(expired.split('.'), 'ES256', publicKey('ec-p256'), POLICY),
    ).toBeUndefined();
  });

  it('answers undefined at once, without a promise, for a token it does not handle', () => {
    const token = signWith('RS256', claims());
    expect(acceptQuicklyOffThread(token.split('.'), 'RS256', publicKey('ec-p256'), POLICY)).toBe(
      undefined,
    );
  });
});

describe('createJwtVerifier(…, offThread = true)', () => {
  const verifier = createJwtVerifier(
    staticKeySource(publicKey('rsa'), new Set(['RS256', 'PS384'])),
    {
      ...POLICY,
      algorithms: new Set(['RS256', 'PS384']),
      typ: undefined,
      requiredClaims: ['exp'],
    },
    true,
  );

  it('accepts a valid token through a promise', async () => {
    const payload = claims({ cnf: { 'x5t#S256': 'x' } });
    const result = verifier.verify(signWith('PS384', payload));
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toEqual({ status: 'valid', payload });
  });

  it('refuses a bad signature (signature) and an expired token (expired, said by jsonwebtoken)', async () => {
    await expect(verifier.verify(tamper(signWith('RS256', claims())))).resolves.toEqual({
      status: 'invalid',
      reason: 'signature',
      detail: 'invalid signature',
    });
    await expect(
      verifier.verify(signWith('RS256', claims({ exp: now() - 10 }))),
    ).resolves.toMatchObject({ status: 'invalid', reason: 'expired' });
  });

  it('still accepts, through jsonwebtoken, tokens the fast path does not handle', () => {
    const secret = createSecretKey(Buffer.alloc(32, 7));
    const hmac = createJwtVerifier(
      staticKeySource(secret, new Set(['HS256'])),
      { ...POLICY, algorithms: new Set(['HS256']), typ: undefined, requiredClaims: ['exp'] },
      true,
    );
    const payload = claims();
    expect(hmac.verify(signJwt(payload, secret, 'HS256'))).toEqual({ status: 'valid', payload });
    const pss = createJwtVerifier(
      staticKeySource(RSA_PSS.publicKey, new Set(['PS256'])),
      { ...POLICY, algorithms: new Set(['PS256']), typ: undefined, requiredClaims: ['exp'] },
      true,
    );
    expect(pss.verify(signJwt(payload, RSA_PSS.privateKey, 'PS256'))).toEqual({
      status: 'valid',
      payload,
    });
  });

  it('lets jsonwebtoken answer at once a token the fast path does not handle', () => {
    const key = privateKey('rsa');
    const token = signRaw({ alg: 'RS256' }, '[1]', (input) => cryptoSign('sha256', input, key));
    expect(verifier.verify(token)).toMatchObject({ status: 'invalid', reason: 'audience' });
  });
});
