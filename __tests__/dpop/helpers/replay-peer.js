'use strict';
/**
 * One "instance" of a resource server for the multi-process replay tests: its own process, its own
 * Redis client (`redis` or `ioredis`, argv[2]) on argv[3], its own redisReplayStore(). The parent
 * sends `{ id, key, ttl, count }` over IPC; the peer runs `count` concurrent adds of `key` and
 * answers `{ id, results }` (or `{ id, error }`).
 */
const path = require('node:path');
const { ROOT } = require('./register-ts');

const { redisReplayStore } = require(path.join(ROOT, 'lib', 'dpop', 'replay-redis.ts'));

async function connect(kind, url) {
  if (kind === 'redis') {
    const client = require('redis').createClient({ url });
    client.on('error', () => undefined);
    await client.connect();
    return { client, close: () => client.quit() };
  }
  const Redis = require('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: () => client.quit() };
}

async function main() {
  const [kind, url, prefix] = process.argv.slice(2);
  const { client, close } = await connect(kind, url);
  const store = redisReplayStore({ client, prefix });
  process.on('message', (message) => {
    const { id, key, ttl, count } = message;
    Promise.all(Array.from({ length: count }, () => store.add(key, ttl))).then(
      (results) => process.send({ id, results }),
      (error) => process.send({ id, error: String(error && error.message) }),
    );
  });
  process.on('disconnect', () => {
    close().finally(() => process.exit(0));
  });
  process.send({ ready: true, pid: process.pid });
}

main().catch((error) => {
  process.send({ failed: String(error && error.stack) });
  process.exit(1);
});
