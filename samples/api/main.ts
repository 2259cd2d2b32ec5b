/**
 * Runnable entry of the sample API, configured by environment variables, listening on plain HTTP
 * behind a TLS-terminating proxy that forwards the client certificate (the Node TLS front in
 * `samples/tls-front/`, or nginx with `samples/nginx/`).
 *
 * | variable        | meaning                                                        | default               |
 * | --------------- | -------------------------------------------------------------- | --------------------- |
 * | `ISSUER`        | the token server's issuer                                      | required              |
 * | `AUDIENCE`      | this API's identifier (`aud`)                                  | required              |
 * | `JWKS_URI`      | the token server's JWKS                                        | required              |
 * | `JWKS_CA_FILE`  | PEM CA certificate(s) to trust for `JWKS_URI` (private PKI)    | the system's CAs      |
 * | `CERT_FORMAT`   | how the proxy forwards the certificate (`clientCertificate()`) | `nginx`               |
 * | `TRUST_PROXY`   | comma-separated addresses/CIDRs the proxy connects from        | `127.0.0.1`           |
 * | `HOST`, `PORT`  | where to listen                                                | `127.0.0.1`, `5000`   |
 *
 * Run it compiled (`npm run demo` compiles the samples into `.tmp/demo/`):
 * `node .tmp/demo/samples/api/main.js`.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Agent } from 'node:https';
import type { BuiltInFormat } from '../../lib';
import { createApi, type ApiOptions } from './api';

/** The listening address and options the environment describes. */
export interface ApiConfig {
  readonly host: string;
  readonly port: number;
  readonly options: ApiOptions;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`api: set ${name} (see samples/api/README.md).`);
  }
  return value;
}

/**
 * Reads the configuration from environment variables (see the table above).
 *
 * @throws {Error} naming the missing or invalid variable.
 */
export function apiConfigFromEnv(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ApiConfig {
  const port = Number(env.PORT ?? '5000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('api: PORT must be a port number.');
  }
  const ca = env.JWKS_CA_FILE;
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    options: {
      issuer: required(env, 'ISSUER'),
      audience: required(env, 'AUDIENCE'),
      jwksUri: required(env, 'JWKS_URI'),
      jwksOptions:
        ca === undefined || ca === '' ? undefined : { agent: new Agent({ ca: readFile(ca) }) },
      certificate: {
        format: (env.CERT_FORMAT ?? 'nginx') as BuiltInFormat,
        trustProxy: (env.TRUST_PROXY ?? '127.0.0.1').split(',').map((s) => s.trim()),
      },
    },
  };
}

/** Creates the API from `env` and listens; resolves with the listening server. */
export function startApi(env: NodeJS.ProcessEnv = process.env): Promise<Server> {
  const config = apiConfigFromEnv(env);
  const server = createServer(createApi(config.options));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

if (require.main === module) {
  startApi().then(
    (server) => {
      console.log('api listening on', server.address());
    },
    (error: unknown) => {
      console.error((error as Error).message);
      process.exitCode = 1;
    },
  );
}
