/**
 * What the benchmark, the soak, the demo and the tests share to run real services on this
 * machine: finding an installed binary, free and listening ports on loopback, and stopping a child
 * process. Node only, no
 * test framework, so that `bench/` and `soak/` may import it as the tests do.
 *
 * @packageDocumentation
 */
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** Searched after `PATH`: servers and proxies live in sbin, often not on a user's `PATH`. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin'];

/**
 * The absolute path of an executable named `command` on `searchPath` (a `PATH` value) or in the
 * usual system directories, or `undefined` when none is installed.
 */
export function locateBinary(
  command: string,
  searchPath = process.env.PATH ?? '',
): string | undefined {
  const dirs = [...searchPath.split(delimiter).filter((d) => d !== ''), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** A TCP port that was free on `host` a moment ago (the kernel picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') {
          reject(new Error('no TCP address'));
        } else {
          resolve(address.port);
        }
      });
    });
  });
}

/** Whether something accepts TCP connections on `host:port` right now (within a second). */
export function acceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('timeout', () => {
      done(false);
    });
  });
}

/**
 * A function that stops `child` (SIGTERM, unless it has already exited) and resolves once it
 * has exited. Call it right after spawning, so that an exit before the first stop is not missed.
 */
export function childStopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
}
