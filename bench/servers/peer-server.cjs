'use strict';
/**
 * The peer's benchmark server: Express 5 with Auth0's express-oauth2-jwt-bearer, RS256 with a
 * local JWKS, and its mTLS certificate binding. A plain CommonJS file: the peer declares its own
 * `req.auth`, which cannot share a TypeScript program with this library's.
 *
 * The peer has no proxy trust and no certificate parsing: `getCertificate` hands it the PEM that
 * nginx's `$ssl_client_escaped_cert` carries (percent-decoded), and it hashes the base64 body.
 * `mtls.required` makes it refuse unbound tokens, as ours does by default; DPoP, which it enables
 * by default, is turned off, so that it does only what ours does. The `peer-dpop` case turns
 * DPoP on and required instead (its DPoP mode, without mTLS).
 */
const express = require('express');
const { auth } = require('express-oauth2-jwt-bearer');

/** The peer's middleware for a benchmark configuration (also driven in-process by bench/stack.ts). */
function peerMiddleware(config) {
  if (config.kind === 'peer-dpop') {
    // DPoP only, as ours runs with methods: ['dpop']; the peer checks no jti (no replay store).
    return auth({
      issuer: config.issuer,
      audience: config.audience,
      jwksUri: config.jwksUri,
      tokenSigningAlg: 'RS256',
      dpop: { enabled: true, required: true },
    });
  }
  return auth({
    issuer: config.issuer,
    audience: config.audience,
    jwksUri: config.jwksUri,
    tokenSigningAlg: 'RS256',
    mtls: { enabled: true, required: true },
    dpop: { enabled: false },
    getCertificate: (req) => {
      const value = req.headers['x-ssl-cert'];
      return typeof value === 'string' ? decodeURIComponent(value) : undefined;
    },
  });
}

function createPeerApp(config) {
  const app = express();
  app.use(peerMiddleware(config));
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  // The peer's errors carry status and WWW-Authenticate headers, as ours do: render them alike.
  // eslint-disable-next-line no-unused-vars
  app.use((err, _req, res, _next) => {
    res.status(typeof err.status === 'number' ? err.status : 500);
    if (err.headers) res.set(err.headers);
    res.json({ error: err.code || 'error' });
  });
  return app;
}

module.exports = { peerMiddleware, createPeerApp };

if (require.main === module) {
  let requests = 0;
  const server = createPeerApp(JSON.parse(process.argv[2])).listen(0, '127.0.0.1', () => {
    process.send({ port: server.address().port });
  });
  server.on('request', () => {
    requests++;
  });
  process.on('message', (message) => {
    if (message !== 'stats') return;
    const usage = process.cpuUsage();
    process.send({ stats: { cpu: usage.user + usage.system, requests } });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
