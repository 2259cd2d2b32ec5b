import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** One HTTP exchange oauth4webapi made, as oauth4webapi-client.mjs recorded it. */
export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly dpop: string | null;
  readonly authorization: string | null;
  readonly status: number;
  readonly wwwAuthenticate: string | null;
  readonly dpopNonce: string | null;
  readonly body: string;
}

/** An error oauth4webapi threw, described (its class, code, parsed challenges…). */
export interface ClientError {
  readonly name: string;
  readonly code?: string;
  readonly status?: number;
  readonly error?: string;
  readonly error_description?: string;
  readonly challenges?: { scheme: string; parameters: Record<string, string> }[];
  readonly nonceError: boolean;
  readonly message: string;
}

export interface TokenResult {
  readonly exchanges: Exchange[];
  readonly tokens?: { access_token: string; token_type: string; expires_in: number };
  /** The thumbprint of the handle's key, as oauth4webapi computes it. */
  readonly jkt?: string;
  readonly error?: ClientError;
}

export interface ResourceResult {
  readonly exchanges: Exchange[];
  readonly status?: number;
  readonly body?: string;
  readonly error?: ClientError;
}

/** The oauth4webapi child process (oauth4webapi-client.mjs). */
export interface DpopClient {
  discover(
    issuer: string,
  ): Promise<{ token_endpoint: string; introspection_endpoint: string; dpop: string[] }>;
  token(args: {
    handle?: string;
    key?: string;
    clientId: string;
    clientSecret?: string;
    params: Record<string, string>;
    certificate?: string;
  }): Promise<TokenResult>;
  resource(args: {
    handle?: string;
    key?: string;
    accessToken: string;
    method: string;
    url: string;
    mutate?: { htu?: string; htm?: string };
    retryOnNonce?: boolean;
  }): Promise<ResourceResult>;
  stop(): Promise<void>;
}

/**
 * Forks oauth4webapi-client.mjs (oauth4webapi), trusting the test root CA for the authorization server's
 * https (NODE_EXTRA_CA_CERTS). Every call is bounded (10 s).
 */
export function startDpopClient(): Promise<DpopClient> {
  const child: ChildProcess = fork(join(__dirname, 'oauth4webapi-client.mjs'), [], {
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: join(__dirname, '../fixtures/pki/root-ca.pem'),
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let next = 0;
  function call<T>(op: string, args: object): Promise<T> {
    const id = ++next;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`dpop-client ${op} did not answer within 10 s: ${stderr}`));
      }, 10_000);
      function onMessage(message: { id?: number; result?: T; failed?: string }): void {
        if (message.id !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (message.failed !== undefined) reject(new Error(`dpop-client ${op}: ${message.failed}`));
        else resolve(message.result as T);
      }
      child.on('message', onMessage);
      child.send({ id, op, ...args });
    });
  }
  const client: DpopClient = {
    discover: (issuer) => call('discover', { issuer }),
    token: (args) => call('token', args),
    resource: (args) => call('resource', args),
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          done();
          return;
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.disconnect();
      }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dpop-client did not start: ${stderr}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dpop-client exited (${String(code)}): ${stderr}`));
    });
    child.once('message', () => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(client);
    });
  });
}
