/**
 * RFC 8705 Appendix A: the example certificate (Figure 6), its x5t#S256 (Figure 5) and its JWK
 * (Figure 7), pinned as literals from the RFC text and confirmed with openssl (see
 * __tests__/fixtures/binding/README.md).
 */
import request from 'supertest';
import { confirmationClaim, thumbprint, ClientCertificate } from '../../lib/certificate';
import type { MtlsError } from '../../lib/errors';
import { CERT_HEADER, certHeader, resourceServer } from '../binding/helpers/app';
import {
  AUDIENCE,
  claims,
  ISSUER,
  privateKey,
  publicPem,
  RFC8705_CERT,
  signJwt,
} from '../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';

const X5T = 'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0';

describe('RFC 8705 Appendix A vector', () => {
  it('thumbprint() and confirmationClaim() give the x5t#S256 of Figure 5', () => {
    expect(thumbprint(RFC8705_CERT)).toBe(X5T);
    expect(confirmationClaim(RFC8705_CERT)).toEqual({ 'x5t#S256': X5T });
    expect(ClientCertificate.from(RFC8705_CERT).thumbprint).toBe(X5T);
  });

  it('holds the public key of the JWK of Figure 7', () => {
    const jwk = ClientCertificate.from(RFC8705_CERT).publicKey.export({ format: 'jwk' });
    expect(jwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: '1yfLHCpXqFjxCeHHHMVDTcLscpb07KUxudBmOMn8C7Q',
      y: '8_coZwxS7LfA4vOLS9WuneIXhbGGWvsDSb0tH6IxLm8',
    });
  });

  describe.each(EXPRESS_VERSIONS)(
    'a token carrying the cnf of Figure 5 on %s',
    (_name, makeApp) => {
      const options = { issuer: ISSUER, audience: AUDIENCE, publicKey: publicPem('rsa') };
      const jwt = signJwt(claims({ cnf: { 'x5t#S256': X5T } }), privateKey('rsa'), 'RS256');

      it('is accepted with the Appendix A certificate (expired in 2022: the binding does not look at validity, RFC 8705 §6.3)', async () => {
        const { app } = resourceServer(makeApp, options);
        const res = await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${jwt}`)
          .set(CERT_HEADER, encodeURIComponent(RFC8705_CERT))
          .expect(200);
        expect(res.body.auth.thumbprint).toBe(X5T);
      });

      it('is refused with another certificate (binding_mismatch)', async () => {
        const { app, errors } = resourceServer(makeApp, options);
        await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${jwt}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(401);
        expect((errors[0] as MtlsError).code).toBe('ERR_MTLS_INVALID_TOKEN');
        expect((errors[0] as MtlsError).reason).toBe('binding_mismatch');
      });
    },
  );
});
