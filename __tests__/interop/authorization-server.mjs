// A real RFC 8705 and RFC 9449 authorization server for the interop tests: oidc-provider (ESM)
// behind a Node https server that requests client certificates. Started as a child process by
// oidc-provider.test.ts and oidc-provider-dpop.test.ts; prints "listening <port>" when ready.
// Test PKI only, loopback only.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import Provider, { errors } from 'oidc-provider';

const file = (path) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const privateJwk = (path, kid, alg) => ({
  ...createPrivateKey(file(path)).export({ format: 'jwk' }),
  kid,
  alg,
  use: 'sig',
});

const selfSignedPem = file('pki/self-signed.pem');
const selfSignedDer = selfSignedPem.replace(/-----[A-Z ]+-----|\s/g, '');

const server = createServer({
  key: file('pki/server.key'),
  cert: file('pki/server-fullchain.pem'),
  ca: file('pki/ca-chain.pem'),
  requestCert: true,
  rejectUnauthorized: false,
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

const RESOURCES = {
  'https://rs.example.test/': { alg: 'RS256', format: 'jwt' },
  'https://rs-es.example.test/': { alg: 'ES256', format: 'jwt' },
  'https://other.example.test/': { alg: 'RS256', format: 'jwt' },
  'https://rs-opaque.example.test/': { alg: 'RS256', format: 'opaque' },
};

const client = (id, extra) => ({
  client_id: id,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  ...extra,
});

const provider = new Provider(`https://127.0.0.1:${port}`, {
  jwks: {
    keys: [
      privateJwk('binding/rsa.key', 'as-rs256', 'RS256'),
      privateJwk('binding/ec-p256.key', 'as-es256', 'ES256'),
    ],
  },
  clientAuthMethods: [
    'tls_client_auth',
    'self_signed_tls_client_auth',
    'client_secret_post',
    'client_secret_basic',
  ],
  clients: [
    client('pki-client', {
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_dns: 'client-a.example.test',
      tls_client_certificate_bound_access_tokens: true,
    }),
    client('self-signed-client', {
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: {
        keys: [
          {
            ...createPublicKey(file('pki/self-signed.key')).export({ format: 'jwk' }),
            x5c: [selfSignedDer],
          },
        ],
      },
      tls_client_certificate_bound_access_tokens: true,
    }),
    client('dpop-client', {
      token_endpoint_auth_method: 'client_secret_post',
      client_secret: 'dpop-client-secret-0123456789abcdef',
      dpop_bound_access_tokens: true,
    }),
    client('rs-introspector', {
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: 'rs-introspector-secret-0123456789abcdef',
    }),
    client('unbound-client', {
      token_endpoint_auth_method: 'client_secret_post',
      client_secret: 'unbound-client-secret-0123456789abcdef',
    }),
  ],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    dPoP: { enabled: true },
    introspection: {
      enabled: true,
      allowedPolicy: (ctx) => ctx.oidc.client.clientId === 'rs-introspector',
    },
    mTLS: {
      enabled: true,
      certificateBoundAccessTokens: true,
      tlsClientAuth: true,
      selfSignedTlsClientAuth: true,
      getCertificate: (ctx) => ctx.socket.getPeerX509Certificate(),
      certificateAuthorized: (ctx) => ctx.socket.authorized === true,
      certificateSubjectMatches: (ctx, property, expected) => {
        const certificate = ctx.socket.getPeerX509Certificate();
        if (certificate === undefined || property !== 'tls_client_auth_san_dns') return false;
        return (
          certificate.checkHost(expected, { subject: 'never', wildcards: false }) !== undefined
        );
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf ?? 'https://rs.example.test/',
      getResourceServerInfo: (_ctx, resource) => {
        const info = RESOURCES[resource];
        if (info === undefined) throw new errors.InvalidTarget();
        return {
          scope: 'read write',
          audience: resource,
          accessTokenTTL: 300,
          accessTokenFormat: info.format,
          ...(info.format === 'jwt' ? { jwt: { sign: { alg: info.alg } } } : {}),
        };
      },
    },
  },
  ttl: { ClientCredentials: () => 300 },
  clientBasedCORS: () => false,
});

provider.on('grant.error', (_ctx, error) => {
  process.stderr.write(`grant.error: ${error.message} (${error.error_detail ?? ''})\n`);
});
server.on('request', provider.callback());
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
process.stdout.write(`listening ${port}\n`);
