/**
 * Runs two (or more) instances of the sample API as separate processes on one Redis: the
 * layout of two pods or a PM2 cluster behind one load balancer. Configured by environment
 * variables:
 *
 * | variable             | meaning                                                        | default         |
 * | -------------------- | -------------------------------------------------------------- | --------------- |
 * | `ISSUER`             | the token server's issuer                                      | required        |
 * | `AUDIENCE`           | this API's identifier (`aud`)                                  | required        |
 * | `JWKS_URI`           | the token server's JWKS                                        | required        |
 * | `JWKS_CA_FILE`       | PEM CA certificate(s) to trust for `JWKS_URI` (private PKI)    | the system's    |
 * | `REDIS_URL`          | the Redis every instance shares                                | required        |
 * | `PUBLIC_URL`         | the URL clients call (the load balancer), for DPoP `htu`       | required        |
 * | `DPOP_NONCE_SECRETS` | comma-separated nonce secrets, current first, ≥ 32 bytes each | required        |
 * | `CERT_FORMAT`        | how the proxy forwards the certificate (`clientCertificate()`) | `nginx`         |
 * | `TRUST_PROXY`        | comma-separated addresses/CIDRs the proxy connects from        | `127.0.0.1`     |
 * | `HOST`, `PORTS`      | where the instances listen, one port each                      | `127.0.0.1`, `5001,5002` |
 *
 * The parent forks one process per port (`INSTANCE_PORT` set) and stops them when it stops.
 * Each instance prints `instance <pid> listening on http://<host>:<port>` once it listens.
 * Run it compiled (`npm run demo` compiles the samples into `.tmp/demo/`):
 * `node .tmp/demo/samples/multi-instance/main.js`.
 *
 * @packageDocumentation
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { apiConfigFromEnv } from '../api/main';
import { createInstance, type InstanceOptions } from './instance';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`multi-instance: set ${name} (see samples/multi-instance/README.md).`);
  }
  return value;
}

/** The instances' ports from `PORTS` (default `5001,5002`). */
export function portsFromEnv(env: NodeJS.ProcessEnv): number[] {
  const ports = (env.PORTS ?? '5001,5002').split(',').map((p) => Number(p.trim()));
  if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new Error('multi-instance: PORTS must be comma-separated port numbers.');
  }
  return ports;
}

/**
 * Reads one instance's options from `env` (the sample API's variables plus `REDIS_URL`,
 * `PUBLIC_URL` and `DPOP_NONCE_SECRETS`).
 *
 * @throws {Error} naming the missing or invalid variable.
 */
export function instanceOptionsFromEnv(env: NodeJS.ProcessEnv): InstanceOptions {
  const { options } = apiConfigFromEnv({ ...env, PORT: undefined });
  return {
    ...options,
    redisUrl: required(env, 'REDIS_URL'),
    publicUrl: required(env, 'PUBLIC_URL'),
    nonceSecrets: required(env, 'DPOP_NONCE_SECRETS').split(','),
  };
}

/** A listening instance. */
export interface RunningInstance {
  readonly server: Server;
  /** Closes the server and every connection, then the Redis connection. */
  stop(): Promise<void>;
}

/** Starts one instance on `port`; resolves once it listens. */
export function startInstance(env: NodeJS.ProcessEnv, port: number): Promise<RunningInstance> {
  const instance = createInstance(instanceOptionsFromEnv(env));
  const server = createServer(instance.app);
  const stop = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });
    await instance.close();
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, env.HOST ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve({ server, stop });
    });
  });
}

/** Forks one process per port of `PORTS`, each running this file with `INSTANCE_PORT` set. */
export function startInstances(env: NodeJS.ProcessEnv = process.env): ChildProcess[] {
  instanceOptionsFromEnv(env);
  return portsFromEnv(env).map((port) =>
    fork(process.argv[1] as string, process.argv.slice(2), {
      env: { ...env, INSTANCE_PORT: String(port) },
      stdio: 'inherit',
    }),
  );
}

/* istanbul ignore next -- the process entry point, run by the tests as a process */
if (require.main === module) {
  const port = process.env.INSTANCE_PORT;
  if (port !== undefined) {
    startInstance(process.env, Number(port)).then(
      (instance) => {
        console.log(
          `instance ${process.pid} listening on http://${process.env.HOST ?? '127.0.0.1'}:${port}`,
        );
        const stop = (): void => {
          void instance.stop().finally(() => process.exit(0));
        };
        process.on('disconnect', stop);
        process.on('SIGTERM', stop);
      },
      (error: unknown) => {
        console.error((error as Error).message);
        process.exit(1);
      },
    );
  } else {
    try {
      const children = startInstances();
      const stop = (): void => {
        for (const child of children) child.kill('SIGTERM');
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      for (const child of children) {
        child.on('exit', (code) => {
          if (code !== 0 && code !== null) process.exitCode = code;
        });
      }
    } catch (error) {
      console.error((error as Error).message);
      process.exitCode = 1;
    }
  }
}
