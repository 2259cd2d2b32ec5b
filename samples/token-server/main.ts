/**
 * Runnable entry of the sample token server, configured by environment variables, listening on
 * plain HTTP behind a TLS-terminating proxy that forwards the client certificate (the Node TLS
 * front in `samples/tls-front/`, or nginx with `samples/nginx/`).
 *
 * | variable             | meaning                                                         | default     |
 * | -------------------- | --------------------------------------------------------------- | ----------- |
 * | `ISSUER`             | issuer URL (the main host)                                      | required    |
 * | `MTLS_BASE_URL`      | base URL of the host that requests client certificates          | required    |
 * | `AUDIENCE`           | `aud` of the tokens (the API's identifier)                      | required    |
 * | `SIGNING_KEY_FILE`   | PEM private key, RSA ≥ 2048 (RS256) or EC P-256 (ES256)         | required    |
 * | `CLIENTS_FILE`       | JSON array of client registrations (`client_id`, method, …)     | required    |
 * | `TRUST_ANCHORS_FILE` | PEM CA certificate(s) for `tls_client_auth` clients             | none        |
 * | `CERT_FORMAT`        | how the proxy forwards the certificate (`clientCertificate()`)  | `nginx`     |
 * | `TRUST_PROXY`        | comma-separated addresses/CIDRs the proxy connects from         | `127.0.0.1` |
 * | `HOST`, `PORT`       | where to listen                                                 | `127.0.0.1`, `4000` |
 *
 * Run it compiled (`npm run demo` compiles the samples into `.tmp/demo/`):
 * `node .tmp/demo/samples/token-server/main.js`.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { BuiltInFormat } from '../../lib';
import { createTokenServer, type TokenServerClient, type TokenServerOptions } from './token-server';

/** The listening address and options the environment describes. */
export interface TokenServerConfig {
  readonly host: string;
  readonly port: number;
  readonly options: TokenServerOptions;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`token server: set ${name} (see samples/token-server/README.md).`);
  }
  return value;
}

/**
 * Reads the configuration from environment variables (see the table above).
 *
 * @throws {Error} naming the missing or invalid variable.
 */
export function tokenServerConfigFromEnv(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): TokenServerConfig {
  const port = Number(env.PORT ?? '4000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('token server: PORT must be a port number.');
  }
  let clients: unknown;
  try {
    clients = JSON.parse(readFile(required(env, 'CLIENTS_FILE')));
  } catch (error) {
    throw new Error(`token server: CLIENTS_FILE: ${(error as Error).message}`);
  }
  const anchors = env.TRUST_ANCHORS_FILE;
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    options: {
      issuer: required(env, 'ISSUER'),
      mtlsBaseUrl: required(env, 'MTLS_BASE_URL'),
      audience: required(env, 'AUDIENCE'),
      signingKey: readFile(required(env, 'SIGNING_KEY_FILE')),
      clients: clients as TokenServerClient[],
      trustAnchors: anchors === undefined || anchors === '' ? undefined : [readFile(anchors)],
      certificate: {
        format: (env.CERT_FORMAT ?? 'nginx') as BuiltInFormat,
        trustProxy: (env.TRUST_PROXY ?? '127.0.0.1').split(',').map((s) => s.trim()),
      },
    },
  };
}

/** Creates the token server from `env` and listens; resolves with the listening server. */
export function startTokenServer(env: NodeJS.ProcessEnv = process.env): Promise<Server> {
  const config = tokenServerConfigFromEnv(env);
  const server = createServer(createTokenServer(config.options));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

if (require.main === module) {
  startTokenServer().then(
    (server) => {
      console.log('token server listening on', server.address());
    },
    (error: unknown) => {
      console.error((error as Error).message);
      process.exitCode = 1;
    },
  );
}
