import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import request from 'supertest';
import { DIAGNOSTICS_CHANNELS } from '../../lib/diagnostics';
import { grantedScopes, requireScopes } from '../../lib/binding/require-scopes';
import { mtlsErrorHandler } from '../../lib/error-handler';
import type { MtlsError } from '../../lib/errors';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { X5T_S256 } from '../helpers/fixtures';
import { CERT_HEADER, certHeader, resourceServer } from './helpers/app';
import { AUDIENCE, claims, ISSUER, privateKey, publicPem, signJwt } from './helpers/keys';

const STATIC = { issuer: ISSUER, audience: AUDIENCE, publicKey: publicPem('rsa') };

function token(extra: Record<string, unknown>): string {
  return signJwt(
    claims({ cnf: { 'x5t#S256': X5T_S256['client-a'] }, ...extra }),
    privateKey('rsa'),
    'RS256',
  );
}

describe('grantedScopes', () => {
  it('reads scope (space-separated, RFC 9068 §2.2.3) before scp', () => {
    expect([...grantedScopes({ scope: 'a  b', scp: ['c'] })]).toEqual(['a', 'b']);
    expect([...grantedScopes({ scp: ['a', 1, 'b'] })]).toEqual(['a', 'b']);
    expect([...grantedScopes({ scp: 'a b' })]).toEqual(['a', 'b']);
    expect([...grantedScopes({ scope: 5 })]).toEqual([]);
    expect([...grantedScopes({})]).toEqual([]);
  });
});

describe('requireScopes() factory', () => {
  it('returns a named middleware', () => {
    expect(requireScopes('read').name).toBe('requireScopesMiddleware');
  });

  it.each([
    [[], 'requireScopes(): name at least one scope, e.g. requireScopes("read").'],
    [
      ['read write'],
      'requireScopes(): "read write" is not a scope (RFC 6749 §3.3: no spaces, quotes or backslashes; pass scopes as separate arguments).',
    ],
    [
      [''],
      'requireScopes(): "" is not a scope (RFC 6749 §3.3: no spaces, quotes or backslashes; pass scopes as separate arguments).',
    ],
    [
      ['a"b'],
      'requireScopes(): "a\\"b" is not a scope (RFC 6749 §3.3: no spaces, quotes or backslashes; pass scopes as separate arguments).',
    ],
    [
      [42],
      'requireScopes(): 42 is not a scope (RFC 6749 §3.3: no spaces, quotes or backslashes; pass scopes as separate arguments).',
    ],
  ])('throws a TypeError for %j', (scopes, message) => {
    expect(() => requireScopes(...(scopes as string[]))).toThrow(new TypeError(message));
  });
});

describe.each(EXPRESS_VERSIONS)('requireScopes() on %s', (_name, makeApp) => {
  it('passes when every required scope is granted (scope or scp)', async () => {
    const { app } = resourceServer(makeApp, STATIC, [requireScopes('read', 'write')]);
    for (const extra of [{ scope: 'write admin read' }, { scp: ['read', 'write'] }]) {
      await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${token(extra)}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(200);
    }
  });

  it('answers 403 insufficient_scope naming all required scopes, with the token realm', async () => {
    const { app, errors } = resourceServer(makeApp, { ...STATIC, realm: 'payments' }, [
      requireScopes('read', 'write', 'read'),
    ]);
    const res = await request(app)
      .get('/resource')
      .set('Authorization', `Bearer ${token({ scope: 'read' })}`)
      .set(CERT_HEADER, certHeader('client-a'))
      .expect(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="payments", scope="read write", error="insufficient_scope", error_description="the access token lacks a required scope"',
    );
    expect(res.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'the access token lacks a required scope',
    });
    const error = errors[0] as MtlsError;
    expect(error.code).toBe('ERR_MTLS_INSUFFICIENT_SCOPE');
    expect(error.message).toBe('insufficient scope: missing write');
  });

  it('publishes the missing scopes on the token diagnostics channel', async () => {
    const events: unknown[] = [];
    const listener = (message: unknown): void => {
      events.push(message);
    };
    subscribe(DIAGNOSTICS_CHANNELS.token, listener);
    try {
      const { app } = resourceServer(makeApp, STATIC, [requireScopes('read', 'write')]);
      await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${token({ scope: 'read' })}`)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(403);
      expect(events[1]).toEqual({
        outcome: 'rejected',
        code: 'ERR_MTLS_INSUFFICIENT_SCOPE',
        missingScopes: ['write'],
        certificateThumbprint: X5T_S256['client-a'],
      });
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNELS.token, listener);
    }
  });

  it('answers 403 for a token without any scope', async () => {
    const { app } = resourceServer(makeApp, STATIC, [requireScopes('read')]);
    await request(app)
      .get('/resource')
      .set('Authorization', `Bearer ${token({})}`)
      .set(CERT_HEADER, certHeader('client-a'))
      .expect(403);
  });

  it('fails with 500 when requireCertificateBoundToken() did not run', async () => {
    const app = makeApp();
    const errors: unknown[] = [];
    app.get('/resource', requireScopes('read'), (_req, res) => res.end());
    app.use((err: unknown, _req: unknown, _res: unknown, next: (e: unknown) => void) => {
      errors.push(err);
      next(err);
    });
    app.use(mtlsErrorHandler());
    await request(app).get('/resource').expect(500);
    expect((errors[0] as MtlsError).code).toBe('ERR_MTLS_MISCONFIGURED');
    expect((errors[0] as MtlsError).message).toBe(
      'requireScopes(): req.auth is not set. Mount requireCertificateBoundToken() before requireScopes().',
    );
  });
});
