'use strict';
/**
 * One instance of a resource server for the multi-instance tests, in its own process: Express 5,
 * requireSenderConstrainedToken() with DPoP nonces and a redisReplayStore() on its own Redis
 * client (`redis` or `ioredis`), listening on a free loopback port. Started with fork() and one
 * JSON argument:
 *   { name, kind: 'redis' | 'ioredis', redisUrl, issuer, audience, publicKey, publicUrl,
 *     nonceSecret, replayTimeout }
 * Sends `{ ready: true, port, pid }` over IPC once listening, or `{ failed }`. Refusals carry the
 * error's code and reason in the `X-Test-Error-Code` / `X-Test-Error-Reason` headers, set before
 * mtlsErrorHandler() answers, so the parent can assert them. Exits when the IPC channel closes.
 */
const path = require('node:path');
const { ROOT } = require('./register-ts');

const lib = (file) => require(path.join(ROOT, 'lib', file));
const { requireSenderConstrainedToken } = lib('binding/require-sender-constrained-token.ts');
const { redisReplayStore } = lib('dpop/replay-redis.ts');
const { mtlsErrorHandler } = lib('error-handler.ts');
const express = require('express');

/** A client that reconnects every 100 ms and never waits long for a dead server. */
async function connect(kind, url) {
  if (kind === 'redis') {
    const client = require('redis').createClient({
      url,
      socket: { reconnectStrategy: () => 100, connectTimeout: 1000 },
    });
    client.on('error', () => undefined);
    await client.connect();
    return { client, close: () => client.destroy() };
  }
  const Redis = require('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 100,
    connectTimeout: 1000,
  });
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: () => client.disconnect() };
}

async function main() {
  const config = JSON.parse(process.argv[2]);
  const { client, close } = await connect(config.kind, config.redisUrl);
  const app = express();
  app.use(
    requireSenderConstrainedToken({
      issuer: config.issuer,
      audience: config.audience,
      publicKey: config.publicKey,
      methods: ['dpop'],
      dpop: {
        publicUrl: config.publicUrl,
        nonce: { secret: config.nonceSecret },
        replay: redisReplayStore({ client }),
        replayTimeout: config.replayTimeout,
      },
    }),
  );
  app.get('/resource', (req, res) => {
    res.json({ instance: config.name, pid: process.pid, client: config.kind, auth: req.auth });
  });
  app.use((err, _req, res, next) => {
    res.setHeader('X-Test-Error-Code', String(err.code));
    if (err.reason !== undefined) res.setHeader('X-Test-Error-Reason', String(err.reason));
    next(err);
  }, mtlsErrorHandler());
  const server = app.listen(0, '127.0.0.1', () => {
    process.send({ ready: true, port: server.address().port, pid: process.pid });
  });
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close();
    close();
    process.exit(0);
  });
}

main().catch((error) => {
  process.send({ failed: String(error && error.stack) });
  process.exit(1);
});
