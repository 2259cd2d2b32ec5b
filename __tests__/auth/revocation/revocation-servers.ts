import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { defaultRevocationFetcher } from '../../../lib/auth/revocation/fetch';
import type { RevocationFetcher, RevocationFetchRequest } from '../../../lib/auth/revocation/types';
import { freePort } from '../../../scripts/local-services';
import { CHAINS_DIR } from '../chain/chain-fixtures';

export const REVOCATION_DIR = join(CHAINS_DIR, 'revocation');

/** The PEM text of a revocation fixture (certificate or CRL), by file name. */
export function revocationFile(name: string): string {
  return readFileSync(join(REVOCATION_DIR, name), 'utf8');
}

/**
 * Waits for openssl's "waiting for OCSP client connections" line. (A probe connection would
 * not do: OpenSSL 3.0's responder spins on a connection closed before any request.)
 */
async function waitForReady(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      reject(new Error(`openssl ocsp did not start: ${output}`));
    }, 10_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('waiting for OCSP client connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`openssl ocsp exited with ${String(code)}: ${output}`));
    });
  });
}

/** A real `openssl ocsp` responder for rev-int's database, signed by the delegated OCSP signer. */
export interface OcspResponder {
  readonly url: string;
  stop(): Promise<void>;
}

/** Where `openssl ocsp` finds its database and signer; rev-int's by default. */
export interface OcspResponderFiles {
  readonly cwd: string;
  readonly index: string;
  readonly signer: string;
  readonly signerKey: string;
  readonly ca: string;
}

export async function startOcspResponder(
  files: OcspResponderFiles = {
    cwd: REVOCATION_DIR,
    index: 'index.txt',
    signer: 'ocsp-signer.pem',
    signerKey: 'ocsp-signer.key',
    ca: 'rev-int.pem',
  },
): Promise<OcspResponder> {
  const port = await freePort();
  const child = spawn(
    'openssl',
    [
      'ocsp',
      '-index',
      files.index,
      '-port',
      String(port),
      '-rsigner',
      files.signer,
      '-rkey',
      files.signerKey,
      '-CA',
      files.ca,
      '-nmin',
      '5',
    ],
    { cwd: files.cwd, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await waitForReady(child);
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => {
          resolve();
        });
        child.kill();
      }),
  };
}

/** A loopback HTTP server for CRLs; counts requests per path. */
export interface CrlServer {
  readonly origin: string;
  readonly hits: Map<string, number>;
  stop(): Promise<void>;
}

export async function startCrlServer(files: Readonly<Record<string, Buffer>>): Promise<CrlServer> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = files[path];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/pkix-crl' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    stop: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

/**
 * The default fetcher, with the fixtures' host names (crl.revocation.test, ocsp.revocation.test)
 * mapped to loopback servers; records every request.
 */
export function loopbackFetcher(
  map: { crl?: string; ocsp?: string },
  log: RevocationFetchRequest[] = [],
): RevocationFetcher {
  return (request) => {
    log.push(request);
    let url = request.url;
    if (map.crl) url = url.replace('http://crl.revocation.test', map.crl);
    if (map.ocsp) url = url.replace('http://ocsp.revocation.test/', map.ocsp);
    return defaultRevocationFetcher({ ...request, url });
  };
}
