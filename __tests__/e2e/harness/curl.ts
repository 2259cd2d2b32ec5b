import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { PKI_DIR } from '../../helpers/fixtures';
import type { EchoError, EchoResponse } from './app';

/** Client identities curl can present (files of the shared PKI). */
export type ClientIdentity = 'client-a' | 'client-b' | 'self-signed';

/** What curl sends for each identity: client-a with its intermediate, the others alone. */
const IDENTITY_FILES: Readonly<Record<ClientIdentity, { cert: string; key: string }>> = {
  'client-a': { cert: 'client-a-fullchain.pem', key: 'client-a.key' },
  'client-b': { cert: 'client-b.pem', key: 'client-b.key' },
  'self-signed': { cert: 'self-signed.pem', key: 'self-signed.key' },
};

/** One curl request. */
export interface CurlRequest {
  /** `https://localhost:<port>/…` (TLS to a proxy) or `http://127.0.0.1:<port>/…` (the app). */
  readonly url: string;
  /** Client certificate to present; none when omitted. */
  readonly identity?: ClientIdentity;
  /** Extra request header lines (`Name: value`), sent verbatim: forged certificate headers. */
  readonly headers?: readonly string[];
  /** Source address to bind (`--interface`), for requests from an untrusted peer. */
  readonly sourceAddress?: string;
}

/** The proxied response. */
export interface CurlResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * Runs the real curl (`--cert/--key/--cacert`). Host names resolve to 127.0.0.1 with
 * `--resolve`, so that proxies see the SNI and Host they route on. Rejects when curl itself fails
 * (connection or TLS error), with its stderr.
 */
export function curl(request: CurlRequest): Promise<CurlResponse> {
  const url = new URL(request.url);
  const args = ['--silent', '--show-error', '--max-time', '10', '--http1.1'];
  args.push('--cacert', join(PKI_DIR, 'root-ca.pem'));
  if (url.hostname !== '127.0.0.1') {
    args.push('--resolve', `${url.hostname}:${url.port}:127.0.0.1`);
  }
  if (request.identity !== undefined) {
    const files = IDENTITY_FILES[request.identity];
    args.push('--cert', join(PKI_DIR, files.cert), '--key', join(PKI_DIR, files.key));
  }
  for (const header of request.headers ?? []) args.push('--header', header);
  if (request.sourceAddress !== undefined) args.push('--interface', request.sourceAddress);
  args.push('--write-out', '\n%{http_code}', request.url);
  return new Promise((resolve, reject) => {
    execFile('curl', args, { maxBuffer: 1024 * 1024, timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`curl ${request.url} failed: ${stderr.trim() || error.message}`));
        return;
      }
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
    });
  });
}

/** A request through curl that must reach the e2e app: its JSON answer (status 200 required). */
export async function fetchEcho(request: CurlRequest): Promise<EchoResponse> {
  const response = await curl(request);
  if (response.status !== 200) {
    throw new Error(`expected 200 from ${request.url}, got ${response.status}: ${response.body}`);
  }
  return JSON.parse(response.body) as EchoResponse;
}

/** A request the e2e app must refuse: the status and the rendered `MtlsError`. */
export async function fetchError(
  request: CurlRequest,
): Promise<{ status: number; error: EchoError }> {
  const response = await curl(request);
  return { status: response.status, error: JSON.parse(response.body) as EchoError };
}
