/**
 * Runnable entry of the Node TLS front, configured by environment variables.
 *
 * | variable         | meaning                                                           | default            |
 * | ---------------- | ----------------------------------------------------------------- | ------------------ |
 * | `UPSTREAM`       | the app, an `http:` origin                                        | required           |
 * | `TLS_CERT_FILE`  | PEM server certificate followed by its intermediates              | required           |
 * | `TLS_KEY_FILE`   | PEM server private key                                            | required           |
 * | `CLIENT_CA_FILE` | PEM CA(s) named in the certificate request (a hint, not a check)  | none               |
 * | `FORMAT`         | how the certificate is forwarded (a `clientCertificate()` format) | `rfc9440`          |
 * | `MAIN_LISTEN`    | `host:port` of the listener that never asks for a certificate     | `127.0.0.1:8443`   |
 * | `MTLS_LISTEN`    | `host:port` of the listener that asks for one                     | `127.0.0.1:9443`   |
 *
 * Set `MAIN_LISTEN` or `MTLS_LISTEN` to `off` to leave that listener out. Run it compiled
 * (`npm run demo` compiles the samples into `.tmp/demo/`): `node .tmp/demo/samples/tls-front/main.js`.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import type { BuiltInFormat } from '../../lib';
import {
  createTlsFront,
  type ListenAddress,
  type TlsFront,
  type TlsFrontOptions,
} from './tls-front';

/** The front's options and listening addresses the environment describes. */
export interface TlsFrontConfig {
  readonly options: TlsFrontOptions;
  readonly main: ListenAddress | undefined;
  readonly mtls: ListenAddress | undefined;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`tls front: set ${name} (see samples/tls-front/README.md).`);
  }
  return value;
}

function address(name: string, value: string): ListenAddress | undefined {
  if (value === 'off') return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    throw new Error(`tls front: ${name} must be host:port (or off), not ${JSON.stringify(value)}.`);
  }
  return { host: match[1] ?? (match[2] as string), port };
}

/**
 * Reads the configuration from environment variables (see the table above).
 *
 * @throws {Error} naming the missing or invalid variable.
 */
export function tlsFrontConfigFromEnv(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): TlsFrontConfig {
  const ca = env.CLIENT_CA_FILE;
  const main = address('MAIN_LISTEN', env.MAIN_LISTEN ?? '127.0.0.1:8443');
  const mtls = address('MTLS_LISTEN', env.MTLS_LISTEN ?? '127.0.0.1:9443');
  if (main === undefined && mtls === undefined) {
    throw new Error('tls front: MAIN_LISTEN and MTLS_LISTEN cannot both be off.');
  }
  return {
    options: {
      upstream: required(env, 'UPSTREAM'),
      cert: readFile(required(env, 'TLS_CERT_FILE')),
      key: readFile(required(env, 'TLS_KEY_FILE')),
      ca: ca === undefined || ca === '' ? undefined : readFile(ca),
      format: (env.FORMAT ?? 'rfc9440') as BuiltInFormat,
    },
    main,
    mtls,
  };
}

/** Creates the front from `env` and starts its listeners. */
export async function startTlsFront(env: NodeJS.ProcessEnv = process.env): Promise<TlsFront> {
  const config = tlsFrontConfigFromEnv(env);
  const front = createTlsFront(config.options);
  await front.listen({ main: config.main, mtls: config.mtls });
  return front;
}

if (require.main === module) {
  startTlsFront().then(
    (front) => {
      console.log('tls front listening: main', front.main.address(), 'mtls', front.mtls.address());
    },
    (error: unknown) => {
      console.error((error as Error).message);
      process.exitCode = 1;
    },
  );
}
