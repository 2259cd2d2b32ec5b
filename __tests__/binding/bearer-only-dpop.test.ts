/**
 * requireCertificateBoundToken() is the Bearer-only, mTLS-only form: what it answers to DPoP
 * requests and DPoP-bound tokens is pinned here (it is what it answered before the seam).
 */
import request from 'supertest';
import type { MtlsError } from '../../lib/errors';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { X5T_S256 } from '../helpers/fixtures';
import { CERT_HEADER, certHeader, resourceServer } from './helpers/app';
import { AUDIENCE, claims, ISSUER, privateKey, publicPem, signJwt } from './helpers/keys';

const STATIC = { issuer: ISSUER, audience: AUDIENCE, publicKey: publicPem('rsa') };
const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
const PROOF = 'eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJHRVQifQ.c2ln';

function token(cnf: Record<string, unknown>): string {
  return signJwt(claims({ cnf }), privateKey('rsa'), 'RS256');
}

describe.each(EXPRESS_VERSIONS)('requireCertificateBoundToken() and DPoP on %s', (_n, makeApp) => {
  it('treats Authorization: DPoP as no bearer token: 401 ERR_MTLS_TOKEN_MISSING', async () => {
    const { app, errors } = resourceServer(makeApp, STATIC);
    const res = await request(app)
      .get('/resource')
      .set('Authorization', `DPoP ${token({ 'x5t#S256': X5T_S256['client-a'] })}`)
      .set('DPoP', PROOF)
      .set(CERT_HEADER, certHeader('client-a'))
      .expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect((errors[0] as MtlsError).code).toBe('ERR_MTLS_TOKEN_MISSING');
  });

  it('refuses a DPoP-bound token (cnf.jkt) sent as Bearer as unbound, even with allowUnboundTokens', async () => {
    for (const allowUnboundTokens of [false, true]) {
      const { app, errors } = resourceServer(makeApp, { ...STATIC, allowUnboundTokens });
      const res = await request(app)
        .get('/resource')
        .set('Authorization', `Bearer ${token({ jkt: JKT })}`)
        .set('DPoP', PROOF)
        .set(CERT_HEADER, certHeader('client-a'))
        .expect(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="the access token is not certificate-bound"',
      );
      expect((errors[0] as MtlsError).reason).toBe('unbound');
    }
  });

  it('refuses a token bound both ways as malformed (only part of it could be verified)', async () => {
    const { app, errors } = resourceServer(makeApp, STATIC);
    await request(app)
      .get('/resource')
      .set('Authorization', `Bearer ${token({ 'x5t#S256': X5T_S256['client-a'], jkt: JKT })}`)
      .set(CERT_HEADER, certHeader('client-a'))
      .expect(401);
    expect((errors[0] as MtlsError).reason).toBe('malformed');
  });
});
