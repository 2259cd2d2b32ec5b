/**
 * Interop: access tokens minted by a real authorization server (oidc-provider 9 with its RFC 8705
 * features, in a child process) are accepted by requireCertificateBoundToken() with the
 * certificate they are bound to, and refused with another certificate or none. Keys come from
 * the provider's /jwks over https (jwks-rsa with the test CA).
 */
import { createServer as createHttpsServer, Agent as HttpsAgent, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { requireCertificateBoundToken } from '../../lib/binding/require-certificate-bound-token';
import { requireScopes } from '../../lib/binding/require-scopes';
import type { CertificateBoundTokenOptions } from '../../lib/binding/bound-token-options';
import { mtlsErrorHandler } from '../../lib/error-handler';
import type { MtlsError } from '../../lib/errors';
import { clientCertificate } from '../../lib/forwarding/client-certificate';
import { CERT_HEADER, certHeader, resourceServer } from '../binding/helpers/app';
import { tamper } from '../binding/helpers/keys';
import { EXPRESS_VERSIONS } from '../helpers/express-versions';
import { key, pem, X5T_S256 } from '../helpers/fixtures';
import {
  decodeSegment,
  httpsCall,
  requestToken,
  startAuthorizationServer,
  type AuthorizationServer,
} from './helpers';

const RS = 'https://rs.example.test/';
const RS_ES = 'https://rs-es.example.test/';

let as: AuthorizationServer;
let jwksAgent: HttpsAgent;
let pkiToken: string;
let selfSignedToken: string;
let unboundToken: string;
let otherAudienceToken: string;

function challenge(description: string): string {
  return `Bearer realm="api", error="invalid_token", error_description="${description}"`;
}

function rsOptions(
  audience = RS,
  extra: Partial<CertificateBoundTokenOptions> = {},
): CertificateBoundTokenOptions {
  return {
    issuer: as.issuer,
    audience,
    jwksUri: `${as.issuer}/jwks`,
    jwksOptions: { agent: jwksAgent },
    typ: 'at+jwt',
    ...extra,
  };
}

async function token(
  params: Record<string, string>,
  certificate?: 'client-a' | 'self-signed',
): Promise<string> {
  const { status, json } = await requestToken(as, params, certificate);
  if (status !== 200 || typeof json.access_token !== 'string') {
    throw new Error(`token request failed: ${status} ${JSON.stringify(json)} ${as.stderr()}`);
  }
  return json.access_token;
}

beforeAll(async () => {
  as = await startAuthorizationServer();
  jwksAgent = new HttpsAgent({ ca: pem('root-ca'), keepAlive: false });
  pkiToken = await token({ client_id: 'pki-client', scope: 'read' }, 'client-a');
  selfSignedToken = await token(
    { client_id: 'self-signed-client', scope: 'read write', resource: RS_ES },
    'self-signed',
  );
  unboundToken = await token({
    client_id: 'unbound-client',
    client_secret: 'unbound-client-secret-0123456789abcdef',
    scope: 'read',
  });
  otherAudienceToken = await token(
    { client_id: 'pki-client', resource: 'https://other.example.test/' },
    'client-a',
  );
});

afterAll(async () => {
  jwksAgent.destroy();
  await as.stop();
});

describe('oidc-provider as an RFC 8705 authorization server', () => {
  it('binds the tls_client_auth token to client-a: cnf x5t#S256 equals the openssl thumbprint', () => {
    expect(decodeSegment(pkiToken, 0)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: 'as-rs256' });
    const payload = decodeSegment(pkiToken, 1);
    expect(payload).toMatchObject({
      iss: as.issuer,
      aud: RS,
      client_id: 'pki-client',
      scope: 'read',
    });
    expect(payload.cnf).toEqual({ 'x5t#S256': 'g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw' });
  });

  it('binds the self_signed_tls_client_auth token to the self-signed certificate (ES256)', () => {
    expect(decodeSegment(selfSignedToken, 0)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(decodeSegment(selfSignedToken, 1).cnf).toEqual({
      'x5t#S256': 'yENRGKvLK20U0GjeK4z5rHCaj2HZxmhhJ0__-84WeJA',
    });
  });

  it('issues no cnf to a client that did not ask for bound tokens', () => {
    expect(decodeSegment(unboundToken, 1).cnf).toBeUndefined();
  });

  it('refuses client-b, or no certificate, for the client registered with client-a (invalid_client)', async () => {
    for (const certificate of ['client-b', undefined] as const) {
      const { status, json } = await requestToken(as, { client_id: 'pki-client' }, certificate);
      expect(status).toBe(401);
      expect(json.error).toBe('invalid_client');
    }
    await as.waitForLog('certificate subject value does not match the registered one');
    await as.waitForLog('client certificate was not provided');
  });
});

describe.each(EXPRESS_VERSIONS)(
  'requireCertificateBoundToken() with oidc-provider tokens on %s',
  (_name, makeApp) => {
    function rs(audience = RS, extra: Partial<CertificateBoundTokenOptions> = {}) {
      return resourceServer(makeApp, rsOptions(audience, extra), [requireScopes('read')]);
    }

    describe('tls_client_auth (shared PKI: client-a ← intermediate ← root)', () => {
      it('accepts the token with the certificate it is bound to', async () => {
        const res = await request(rs().app)
          .get('/resource')
          .set('Authorization', `Bearer ${pkiToken}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(200);
        expect(res.body.auth.thumbprint).toBe(X5T_S256['client-a']);
        expect(res.body.auth.payload).toMatchObject({ client_id: 'pki-client', sub: 'pki-client' });
      });

      it('refuses it with another certificate (binding_mismatch)', async () => {
        const { app, errors } = rs();
        const res = await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${pkiToken}`)
          .set(CERT_HEADER, certHeader('client-b'))
          .expect(401);
        expect(res.headers['www-authenticate']).toBe(
          challenge('the client certificate does not match the access token binding'),
        );
        expect((errors[0] as MtlsError).code).toBe('ERR_MTLS_INVALID_TOKEN');
        expect((errors[0] as MtlsError).reason).toBe('binding_mismatch');
      });

      it('refuses it without a certificate (certificate_missing)', async () => {
        const { app, errors } = rs();
        const res = await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${pkiToken}`)
          .expect(401);
        expect(res.headers['www-authenticate']).toBe(
          challenge('a client certificate is required for this access token'),
        );
        expect((errors[0] as MtlsError).reason).toBe('certificate_missing');
      });

      it('refuses it with a tampered signature (signature)', async () => {
        const { app, errors } = rs();
        await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${tamper(pkiToken)}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(401);
        expect((errors[0] as MtlsError).reason).toBe('signature');
      });

      it('refuses a token minted for another resource (audience)', async () => {
        const { app, errors } = rs();
        await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${otherAudienceToken}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(401);
        expect((errors[0] as MtlsError).reason).toBe('audience');
      });

      it('refuses a scope the token was not granted (403 insufficient_scope)', async () => {
        const app = makeApp();
        app.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
        app.use(requireCertificateBoundToken(rsOptions()));
        app.get('/resource', requireScopes('write'), (_req, res) => res.end());
        app.use(mtlsErrorHandler());
        const res = await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${pkiToken}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(403);
        expect(res.headers['www-authenticate']).toBe(
          'Bearer realm="api", scope="write", error="insufficient_scope", error_description="the access token lacks a required scope"',
        );
      });
    });

    describe('self_signed_tls_client_auth (self-signed.pem), ES256', () => {
      it('accepts the token with the self-signed certificate', async () => {
        const res = await request(rs(RS_ES).app)
          .get('/resource')
          .set('Authorization', `Bearer ${selfSignedToken}`)
          .set(CERT_HEADER, certHeader('self-signed'))
          .expect(200);
        expect(res.body.auth.thumbprint).toBe(X5T_S256['self-signed']);
      });

      it('refuses it with the PKI certificate (binding_mismatch) and without one', async () => {
        const { app, errors } = rs(RS_ES);
        await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${selfSignedToken}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(401);
        await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${selfSignedToken}`)
          .expect(401);
        expect(errors.map((e) => (e as MtlsError).reason)).toEqual([
          'binding_mismatch',
          'certificate_missing',
        ]);
      });
    });

    describe('an unbound token (client_secret_post client)', () => {
      it('is refused by default (unbound), accepted with allowUnboundTokens', async () => {
        const { app, errors } = rs();
        const res = await request(app)
          .get('/resource')
          .set('Authorization', `Bearer ${unboundToken}`)
          .set(CERT_HEADER, certHeader('client-a'))
          .expect(401);
        expect(res.headers['www-authenticate']).toBe(
          challenge('the access token is not certificate-bound'),
        );
        expect((errors[0] as MtlsError).reason).toBe('unbound');
        const lenient = rs(RS, { allowUnboundTokens: true });
        await request(lenient.app)
          .get('/resource')
          .set('Authorization', `Bearer ${unboundToken}`)
          .expect(200);
      });
    });

    describe('the certificate read from our own TLS socket (no proxy)', () => {
      let server: Server;
      let url: string;
      beforeAll(async () => {
        const app: Express = makeApp();
        app.use(clientCertificate({ source: 'tls' }));
        app.use(requireCertificateBoundToken(rsOptions()));
        app.get('/resource', (req, res) => res.json({ thumbprint: req.auth?.thumbprint }));
        app.use(mtlsErrorHandler());
        server = createHttpsServer(
          {
            key: key('server'),
            cert: pem('server-fullchain'),
            requestCert: true,
            rejectUnauthorized: false,
          },
          app,
        );
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/resource`;
      });
      afterAll(async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      });

      it('accepts the token over mTLS with client-a, refuses it with client-b and without a certificate', async () => {
        const headers = { authorization: `Bearer ${pkiToken}` };
        const ok = await httpsCall(url, { headers, certificate: 'client-a' });
        expect(ok.status).toBe(200);
        expect(JSON.parse(ok.body)).toEqual({ thumbprint: X5T_S256['client-a'] });
        const other = await httpsCall(url, { headers, certificate: 'client-b' });
        expect(other.status).toBe(401);
        expect(other.headers['www-authenticate']).toBe(
          challenge('the client certificate does not match the access token binding'),
        );
        const none = await httpsCall(url, { headers });
        expect(none.status).toBe(401);
        expect(none.headers['www-authenticate']).toBe(
          challenge('a client certificate is required for this access token'),
        );
      });
    });
  },
);
