/**
 * Runnable entry of the Prometheus sample, configured by environment variables, listening on
 * plain HTTP behind a TLS-terminating proxy that forwards the client certificate.
 *
 * | variable             | meaning                                                  | default     |
 * | -------------------- | -------------------------------------------------------- | ----------- |
 * | `TRUST_ANCHORS_FILE` | PEM CA certificate(s) that issue client certificates     | required    |
 * | `CERT_FORMAT`        | how the proxy forwards the certificate                   | `nginx`     |
 * | `TRUST_PROXY`        | comma-separated addresses/CIDRs the proxy connects from  | `127.0.0.1` |
 * | `HOST`, `PORT`       | where to listen                                          | `127.0.0.1`, `9464` |
 *
 * Scrape `http://HOST:PORT/metrics` (keep it off the public listener in production).
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { BuiltInFormat } from '../../lib';
import { createPrometheusSample, type PrometheusSampleOptions } from './prometheus';

/** The listening address and options the environment describes. */
export interface PrometheusSampleConfig {
  readonly host: string;
  readonly port: number;
  readonly options: PrometheusSampleOptions;
}

/**
 * Reads the configuration from environment variables (see the table above).
 *
 * @throws {Error} naming the missing or invalid variable.
 */
export function prometheusConfigFromEnv(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): PrometheusSampleConfig {
  const file = env.TRUST_ANCHORS_FILE;
  if (file === undefined || file === '') {
    throw new Error('prometheus: set TRUST_ANCHORS_FILE (PEM CA certificates of your clients).');
  }
  const port = Number(env.PORT ?? '9464');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('prometheus: PORT must be a port number.');
  }
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    options: {
      trustAnchors: [readFile(file)],
      certificate: {
        format: (env.CERT_FORMAT ?? 'nginx') as BuiltInFormat,
        trustProxy: (env.TRUST_PROXY ?? '127.0.0.1').split(',').map((s) => s.trim()),
      },
    },
  };
}

/** Creates the sample from `env` and listens; resolves with the server (closing it shuts down). */
export function startPrometheusSample(env: NodeJS.ProcessEnv = process.env): Promise<Server> {
  const config = prometheusConfigFromEnv(env);
  const sample = createPrometheusSample(config.options);
  const server = createServer(sample.app);
  server.on('close', () => {
    void sample.shutdown();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

if (require.main === module) {
  startPrometheusSample().then(
    (server) => {
      console.log('prometheus sample listening on', server.address());
    },
    (error: unknown) => {
      console.error((error as Error).message);
      process.exitCode = 1;
    },
  );
}
