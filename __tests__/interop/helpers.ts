import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { key, pem, type PkiName } from '../helpers/fixtures';

/** An HTTPS answer. */
export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTPS request with Node's client (global fetch cannot present a client certificate). */
export function httpsCall(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    certificate?: PkiName;
  } = {},
): Promise<HttpsAnswer> {
  const tls =
    options.certificate === undefined
      ? {}
      : { key: key(options.certificate), cert: pem(options.certificate) };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: pem('root-ca'),
        agent: false,
        ...tls,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The running authorization server child process. */
export interface AuthorizationServer {
  readonly issuer: string;
  readonly stderr: () => string;
  /** Resolves once the server has logged `text` on stderr (its grant.error details). */
  waitForLog(text: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts oidc-provider (authorization-server.mjs) on a free loopback port. */
export function startAuthorizationServer(): Promise<AuthorizationServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(__dirname, 'authorization-server.mjs')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`authorization server did not start: ${stderr}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`authorization server exited (${String(code)}): ${stderr}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /listening (\d+)/.exec(stdout)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        issuer: `https://127.0.0.1:${port}`,
        stderr: () => stderr,
        waitForLog: (text) =>
          new Promise<void>((done, fail) => {
            const deadline = setTimeout(() => {
              fail(new Error(`the authorization server never logged "${text}": ${stderr}`));
            }, 5000);
            const check = (): void => {
              if (stderr.includes(text)) {
                clearTimeout(deadline);
                child.stderr?.off('data', check);
                done();
              }
            };
            child.stderr?.on('data', check);
            check();
          }),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) {
              done();
              return;
            }
            child.once('exit', () => {
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** Asks the AS for a client_credentials token; returns the JSON answer and status. */
export async function requestToken(
  as: AuthorizationServer,
  params: Record<string, string>,
  certificate?: PkiName,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const answer = await httpsCall(`${as.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
    ...(certificate === undefined ? {} : { certificate }),
  });
  return { status: answer.status, json: JSON.parse(answer.body) as Record<string, unknown> };
}

/** Decodes a JWS segment (header 0, payload 1) without verifying: for assertions only. */
export function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(
    Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'),
  ) as Record<string, unknown>;
}
