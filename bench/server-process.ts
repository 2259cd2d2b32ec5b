/**
 * Starts a benchmark server in its own Node process and stops it. The server reports its port
 * over IPC; it exits by itself when this process goes (IPC disconnect), so none is left behind.
 *
 * @packageDocumentation
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadyMessage, ServerConfig, StatsMessage } from './servers/server-config';
import { childStopper } from '../scripts/local-services';

/** A running server process. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** The server process's CPU time (user + system, µs) and requests served so far. */
  stats(): Promise<StatsMessage['stats']>;
  /** Stops the process and waits for its exit. */
  stop(): Promise<void>;
}

/** The repository root (the directory holding this package's package.json). */
export function repositoryRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bench'))) {
    const parent = join(dir, '..');
    if (parent === dir) throw new Error(`no repository root above ${from}`);
    dir = parent;
  }
  return dir;
}

/** The script of a server: the peer's CommonJS file, or ours compiled next to this module. */
export function serverScript(config: ServerConfig): string {
  return config.kind === 'peer' || config.kind === 'peer-dpop'
    ? join(repositoryRoot(), 'bench', 'servers', 'peer-server.cjs')
    : join(__dirname, 'servers', 'ours-server.js');
}

/**
 * Starts the server of `config` and resolves once it listens. With `profile`, the process runs
 * with `--cpu-prof` and writes `<profile.dir>/<profile.name>.cpuprofile` when stopped.
 */
export function startServer(
  config: ServerConfig,
  profile?: { readonly dir: string; readonly name: string },
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  const execArgv =
    profile === undefined
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${profile.dir}`,
          `--cpu-prof-name=${profile.name}.cpuprofile`,
        ];
  const child: ChildProcess = fork(serverScript(config), [JSON.stringify(config)], {
    cwd: repositoryRoot(),
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv,
  });
  const stop = childStopper(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the ${config.kind} server did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    const stats = (): Promise<StatsMessage['stats']> =>
      new Promise((answer) => {
        const listener = (message: unknown): void => {
          if (typeof message === 'object' && message !== null && 'stats' in message) {
            child.off('message', listener);
            answer((message as StatsMessage).stats);
          }
        };
        child.on('message', listener);
        child.send('stats');
      });
    child.once('message', (message: ReadyMessage) => {
      clearTimeout(timer);
      resolve({ url: `http://127.0.0.1:${message.port}/`, pid: child.pid as number, stats, stop });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the ${config.kind} server exited before listening (${code ?? signal})`));
    });
  });
}
