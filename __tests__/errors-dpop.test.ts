/**
 * The DPoP errors (RFC 9449 §7.1, §8): `invalid_dpop_proof` and `use_dpop_nonce`, their `DPoP`
 * challenge, and what a client can put into it.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import {
  InvalidDpopProofError,
  isMtlsError,
  mtlsErrorHandler,
  MtlsError,
  UseDpopNonceError,
  type DpopProofRejectionReason,
} from '../lib';
import { EXPRESS_VERSIONS } from './helpers/express-versions';

const REASONS: readonly [DpopProofRejectionReason, string][] = [
  ['missing', 'a DPoP proof is required'],
  ['multiple', 'more than one DPoP proof'],
  ['malformed', 'the DPoP proof is malformed'],
  ['type', 'the DPoP proof type is not dpop+jwt'],
  ['algorithm', 'the DPoP proof algorithm is not accepted'],
  ['signature', 'the DPoP proof signature is invalid'],
  ['private_key', 'the DPoP proof key must be a public key'],
  ['htm', 'the DPoP proof is for another HTTP method'],
  ['htu', 'the DPoP proof is for another URL'],
  ['iat', 'the DPoP proof is too old or from the future'],
  ['ath', 'the DPoP proof is for another access token'],
  ['replayed', 'the DPoP proof was already used'],
  ['key_mismatch', 'the DPoP proof key does not match the access token binding'],
];

describe('InvalidDpopProofError (RFC 9449 §7.1)', () => {
  it.each(REASONS)('reason %s: 401 invalid_dpop_proof with a DPoP challenge', (reason, text) => {
    const error = new InvalidDpopProofError(reason, { algs: ['ES256', 'PS256'] });
    expect(error).toBeInstanceOf(MtlsError);
    expect(error).toMatchObject({
      name: 'InvalidDpopProofError',
      code: 'ERR_MTLS_INVALID_DPOP_PROOF',
      status: 401,
      statusCode: 401,
      expose: true,
      reason,
      message: `invalid DPoP proof: ${reason}`,
      body: { error: 'invalid_dpop_proof', error_description: text },
    });
    expect(error.headers).toEqual({
      'WWW-Authenticate': `DPoP error="invalid_dpop_proof", error_description="${text}", algs="ES256 PS256"`,
    });
    expect(error.helpUrl).toBe(`docs/errors.md#err_mtls_invalid_dpop_proof-${reason}`);
  });

  it('writes realm first, and leaves out algs when none are given', () => {
    expect(new InvalidDpopProofError('htu', { realm: 'api' }).headers['WWW-Authenticate']).toBe(
      'DPoP realm="api", error="invalid_dpop_proof", error_description="the DPoP proof is for another URL"',
    );
  });

  it('keeps a detailed message and a cause for logs, and extra headers', () => {
    const cause = new Error('jti seen at 12:00');
    const error = new InvalidDpopProofError('replayed', {
      message: 'jti abc replayed',
      cause,
      headers: { 'Cache-Control': 'no-store' },
    });
    expect(error.message).toBe('jti abc replayed');
    expect(error.cause).toBe(cause);
    expect(error.headers['Cache-Control']).toBe('no-store');
    expect(error.toJSON()).toEqual({
      name: 'InvalidDpopProofError',
      code: 'ERR_MTLS_INVALID_DPOP_PROOF',
      status: 401,
      reason: 'replayed',
      message: 'jti abc replayed',
    });
  });

  it('cannot be broken by quotes, backslashes or line breaks in realm or algs', () => {
    const header = new InvalidDpopProofError('algorithm', {
      realm: 'a"pi\\',
      algs: ['ES256", error="none', 'PS256\r\nX-Injected: 1'],
    }).headers['WWW-Authenticate'];
    expect(header).toBe(
      'DPoP realm="api", error="invalid_dpop_proof", error_description="the DPoP proof algorithm is not accepted", algs="ES256, error=none PS256X-Injected: 1"',
    );
    expect(header).not.toMatch(/[\r\n\\]/);
  });
});

describe('UseDpopNonceError (RFC 9449 §8)', () => {
  it('is a 401 use_dpop_nonce that carries the fresh nonce', () => {
    const error = new UseDpopNonceError('eyJ7S_zG.eyJH0-Z.HX4w-7v', { algs: ['ES256'] });
    expect(error).toBeInstanceOf(MtlsError);
    expect(error).toMatchObject({
      name: 'UseDpopNonceError',
      code: 'ERR_MTLS_USE_DPOP_NONCE',
      status: 401,
      expose: true,
      reason: undefined,
      nonce: 'eyJ7S_zG.eyJH0-Z.HX4w-7v',
      body: {
        error: 'use_dpop_nonce',
        error_description: 'the DPoP proof must carry the nonce in the DPoP-Nonce header',
      },
    });
    expect(error.headers).toEqual({
      'WWW-Authenticate':
        'DPoP error="use_dpop_nonce", error_description="the DPoP proof must carry the nonce in the DPoP-Nonce header", algs="ES256"',
      'DPoP-Nonce': 'eyJ7S_zG.eyJH0-Z.HX4w-7v',
    });
    expect(error.helpUrl).toBe('docs/errors.md#err_mtls_use_dpop_nonce');
  });

  it('accepts every NQCHAR', () => {
    const all = String.fromCharCode(
      0x21,
      ...Array.from({ length: 0x7e - 0x23 + 1 }, (_, i) => i + 0x23),
    ).replace('\\', '');
    expect(new UseDpopNonceError(all).headers['DPoP-Nonce']).toBe(all);
  });

  it.each([
    ['empty', ''],
    ['a space', 'a b'],
    ['a double quote', 'a"b'],
    ['a backslash', 'a\\b'],
    ['a line break', 'a\r\nSet-Cookie: x=1'],
    ['a non-ASCII character', 'nonce\u00e9'],
  ])('refuses a nonce with %s (TypeError: a bug of the nonce source)', (_name, nonce) => {
    expect(() => new UseDpopNonceError(nonce)).toThrow(
      new TypeError('UseDpopNonceError: a DPoP nonce is 1*NQCHAR (RFC 9449 §8.1)'),
    );
  });
});

describe('rendered by mtlsErrorHandler()', () => {
  async function getOnce(
    app: Express,
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const server = await new Promise<Server>((resolve) => {
      const s: Server = app.listen(0, '127.0.0.1', () => {
        resolve(s);
      });
    });
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`);
      return { status: response.status, headers: response.headers, text: await response.text() };
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  describe.each(EXPRESS_VERSIONS)('%s', (_version, createApp) => {
    it('sends the DPoP challenge and the DPoP-Nonce header', async () => {
      const app = createApp();
      app.get('/', (_req, _res, next) => {
        next(new UseDpopNonceError('n-1', { algs: ['ES256'] }));
      });
      app.use(mtlsErrorHandler());
      const reply = await getOnce(app);
      expect(reply.status).toBe(401);
      expect(reply.headers.get('dpop-nonce')).toBe('n-1');
      expect(reply.headers.get('www-authenticate')).toBe(
        'DPoP error="use_dpop_nonce", error_description="the DPoP proof must carry the nonce in the DPoP-Nonce header", algs="ES256"',
      );
      expect(JSON.parse(reply.text)).toEqual({
        error: 'use_dpop_nonce',
        error_description: 'the DPoP proof must carry the nonce in the DPoP-Nonce header',
      });
    });

    it('answers invalid_dpop_proof with a generic body, never the detailed message', async () => {
      const app = createApp();
      app.get('/', (_req, _res, next) => {
        next(new InvalidDpopProofError('htu', { message: 'htu https://evil.example/x' }));
      });
      app.use(mtlsErrorHandler());
      const reply = await getOnce(app);
      expect(reply.status).toBe(401);
      const { text } = reply;
      expect(JSON.parse(text)).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'the DPoP proof is for another URL',
      });
      expect(text).not.toContain('evil');
    });
  });

  it('recognises both as MtlsErrors', () => {
    expect(isMtlsError(new InvalidDpopProofError('missing'))).toBe(true);
    expect(isMtlsError(new UseDpopNonceError('n'))).toBe(true);
  });
});
