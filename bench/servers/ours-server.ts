/**
 * A benchmark server process: bare Express 5, or Express 5 with this library's middlewares.
 * Started by the orchestrator with a {@link ServerConfig} as its one argument; it listens on
 * 127.0.0.1 on a free port, reports the port over IPC, and exits when the orchestrator goes.
 *
 * @packageDocumentation
 */
import express, { type Express, type RequestHandler } from 'express';
import Redis from 'ioredis';
import {
  clientCertificate,
  memoryReplayStore,
  mtlsErrorHandler,
  redisReplayStore,
  requireCertificateBoundToken,
  requireClientCertificate,
  requireSenderConstrainedToken,
  type ReplayStore,
} from '../../lib/index';
import { instrumentWithSdk } from './otel';
import type { ServerConfig } from './server-config';

/**
 * The most proofs the in-memory store holds: every proof of a run stays for the proof window
 * (305 s), so the default bound (100 000) would fill up at this rate and answer 503.
 */
export const BENCH_REPLAY_ENTRIES = 2_000_000;

/** The replay store of a DPoP case: in memory, or on the redis-server at `config.redisUrl`. */
function replayStore(config: ServerConfig): ReplayStore {
  if (config.kind !== 'dpop-redis') return memoryReplayStore({ maxEntries: BENCH_REPLAY_ENTRIES });
  if (config.redisUrl === undefined) throw new TypeError('the dpop-redis case needs redisUrl');
  return redisReplayStore({ client: new Redis(config.redisUrl, { lazyConnect: false }) });
}

/** The middlewares of each case, in mounting order. */
export function middlewares(config: ServerConfig): RequestHandler[] {
  if (config.kind === 'bare') return [];
  if (config.kind === 'dpop' || config.kind === 'dpop-redis') {
    return [
      requireSenderConstrainedToken({
        issuer: config.issuer,
        audience: config.audience,
        jwksUri: config.jwksUri,
        methods: ['dpop'],
        dpop: {
          replay: replayStore(config),
          // the loopback URL the load generator targets (the peer, too, reads Host); a real API
          // gives its public base URL here
          publicUrl: (req) => `http://${String(req.headers.host)}${req.originalUrl}`,
        },
      }),
    ];
  }
  const full = config.kind === 'full' || config.kind === 'full-otel';
  const chain: RequestHandler[] = [clientCertificate({ format: 'nginx', trustProxy: 'loopback' })];
  if (full) {
    chain.push(
      requireClientCertificate({
        trustAnchors: [config.trustAnchor],
        intermediates: [config.intermediate],
      }),
    );
  }
  if (config.kind === 'binding' || full) {
    chain.push(
      requireCertificateBoundToken({
        issuer: config.issuer,
        audience: config.audience,
        jwksUri: config.jwksUri,
      }),
    );
  }
  return chain;
}

/** The application of one case: the middlewares, then the same handler for every case. */
export function createApp(config: ServerConfig): Express {
  if (config.kind === 'full-otel') instrumentWithSdk();
  const app = express();
  for (const middleware of middlewares(config)) app.use(middleware);
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(mtlsErrorHandler());
  return app;
}

/* istanbul ignore next -- the process entry point, run by the orchestrator */
if (require.main === module) {
  const config = JSON.parse(process.argv[2] as string) as ServerConfig;
  // One process per case: the memory replay store's "one process only" warning is expected here.
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    if (warning.code === 'MTLS_REPLAY_STORE_LOCAL') return;
    for (const print of printers) print(warning);
  });
  let requests = 0;
  const server = createApp(config).listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
  server.on('request', () => {
    requests++;
  });
  process.on('message', (message) => {
    if (message !== 'stats') return;
    const usage = process.cpuUsage();
    process.send?.({ stats: { cpu: usage.user + usage.system, requests } });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
