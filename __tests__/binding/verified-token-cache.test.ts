import { createJwtVerifier } from '../../lib/binding/jwt-verifier';
import { staticKeySource } from '../../lib/binding/key-source';
import type { TokenVerification, TokenVerifier } from '../../lib/binding/token-verification';
import { cachingVerifier, tokenCacheKey } from '../../lib/binding/verified-token-cache';
import { AUDIENCE, claims, ISSUER, now, privateKey, publicKey, signJwt } from './helpers/keys';

const TIME = { clockTolerance: 0, maxTokenAge: undefined };

/** The real JWT verifier, counting how often it is reached. */
function countingJwtVerifier(
  maxTokenAge?: number,
  requiredClaims = ['exp'],
): TokenVerifier & { calls: number } {
  const inner = createJwtVerifier(staticKeySource(publicKey('rsa'), new Set(['RS256'])), {
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    algorithms: new Set(['RS256']),
    typ: undefined,
    requiredClaims,
    clockTolerance: 0,
    maxTokenAge,
  });
  const counter = {
    calls: 0,
    verify(token: string) {
      counter.calls++;
      return inner.verify(token);
    },
  };
  return counter;
}

function sync(result: TokenVerification | Promise<TokenVerification>): TokenVerification {
  if (result instanceof Promise) throw new Error('expected a synchronous answer');
  return result;
}

const reasonOf = (r: TokenVerification): string => (r.status === 'invalid' ? r.reason : r.status);

describe('the verified-token cache', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('keys entries by the SHA-256 of the token, never the token', () => {
    // FIPS 180-2 test vector: SHA-256("abc")
    expect(tokenCacheKey('abc')).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
  });

  it('verifies a signature once, then answers from the cache', () => {
    const inner = countingJwtVerifier();
    const verifier = cachingVerifier(inner, { maxEntries: 10, maxTtl: 300_000, time: TIME });
    const token = signJwt(claims(), privateKey('rsa'), 'RS256');
    const first = sync(verifier.verify(token));
    const second = sync(verifier.verify(token));
    expect(first.status).toBe('valid');
    expect(second).toBe(first);
    expect(inner.calls).toBe(1);
  });

  it('does not cache refusals', () => {
    const inner = countingJwtVerifier();
    const verifier = cachingVerifier(inner, { maxEntries: 10, maxTtl: 300_000, time: TIME });
    const token = signJwt(claims({ iss: 'https://evil.example' }), privateKey('rsa'), 'RS256');
    expect(reasonOf(sync(verifier.verify(token)))).toBe('issuer');
    expect(reasonOf(sync(verifier.verify(token)))).toBe('issuer');
    expect(inner.calls).toBe(2);
  });

  it('never keeps an entry past exp', () => {
    jest.useFakeTimers({ now: Date.now() });
    const inner = countingJwtVerifier();
    const verifier = cachingVerifier(inner, { maxEntries: 10, maxTtl: 300_000, time: TIME });
    const token = signJwt(claims({ exp: now() + 5 }), privateKey('rsa'), 'RS256');
    expect(sync(verifier.verify(token)).status).toBe('valid');
    jest.setSystemTime(Date.now() + 6000);
    expect(reasonOf(sync(verifier.verify(token)))).toBe('expired');
    expect(inner.calls).toBe(2);
  });

  it('re-checks the validity window on every hit (maxTokenAge)', () => {
    jest.useFakeTimers({ now: Date.now() });
    const inner = countingJwtVerifier(60);
    const verifier = cachingVerifier(inner, {
      maxEntries: 10,
      maxTtl: 300_000,
      time: { clockTolerance: 0, maxTokenAge: 60 },
    });
    const token = signJwt(claims(), privateKey('rsa'), 'RS256');
    expect(sync(verifier.verify(token)).status).toBe('valid');
    jest.setSystemTime(Date.now() + 61_000);
    expect(reasonOf(sync(verifier.verify(token)))).toBe('too_old');
    expect(inner.calls).toBe(1);
  });

  it('keeps an entry no longer than maxTtl, also without exp', () => {
    jest.useFakeTimers({ now: Date.now() });
    const inner = countingJwtVerifier(undefined, []);
    const verifier = cachingVerifier(inner, { maxEntries: 10, maxTtl: 10_000, time: TIME });
    const withExp = signJwt(claims(), privateKey('rsa'), 'RS256');
    const withoutExp = signJwt(claims({ exp: undefined }), privateKey('rsa'), 'RS256');
    verifier.verify(withExp);
    verifier.verify(withoutExp);
    jest.setSystemTime(Date.now() + 9_000);
    verifier.verify(withExp);
    verifier.verify(withoutExp);
    expect(inner.calls).toBe(2);
    jest.setSystemTime(Date.now() + 2_000);
    verifier.verify(withExp);
    verifier.verify(withoutExp);
    expect(inner.calls).toBe(4);
  });

  it('is bounded by maxEntries', () => {
    const inner = countingJwtVerifier();
    const verifier = cachingVerifier(inner, { maxEntries: 1, maxTtl: 300_000, time: TIME });
    const a = signJwt(claims({ sub: 'a' }), privateKey('rsa'), 'RS256');
    const b = signJwt(claims({ sub: 'b' }), privateKey('rsa'), 'RS256');
    verifier.verify(a);
    verifier.verify(b);
    verifier.verify(a);
    expect(inner.calls).toBe(3);
  });

  it('is off with maxEntries 0', () => {
    const inner = countingJwtVerifier();
    expect(cachingVerifier(inner, { maxEntries: 0, maxTtl: 1, time: TIME })).toBe(inner);
  });

  describe('asynchronous verifiers', () => {
    const valid: TokenVerification = { status: 'valid', payload: { exp: now() + 300 } };

    it('shares one verification between concurrent requests for the same token', async () => {
      let calls = 0;
      let release: (value: TokenVerification) => void = () => undefined;
      const inner: TokenVerifier = {
        verify: () => {
          calls++;
          return new Promise((resolve) => {
            release = resolve;
          });
        },
      };
      const verifier = cachingVerifier(inner, { maxEntries: 10, maxTtl: 300_000, time: TIME });
      const first = verifier.verify('t');
      const second = verifier.verify('t');
      expect(second).toBe(first);
      release(valid);
      await expect(first).resolves.toBe(valid);
      expect(verifier.verify('t')).toBe(valid);
      expect(calls).toBe(1);
    });

    it('forgets a failed verification, so the next request tries again', async () => {
      let calls = 0;
      const inner: TokenVerifier = {
        verify: () => {
          calls++;
          return Promise.reject(new Error('boom'));
        },
      };
      const verifier = cachingVerifier(inner, { maxEntries: 10, maxTtl: 300_000, time: TIME });
      await expect(verifier.verify('t')).rejects.toThrow('boom');
      await expect(verifier.verify('t')).rejects.toThrow('boom');
      expect(calls).toBe(2);
    });
  });
});
