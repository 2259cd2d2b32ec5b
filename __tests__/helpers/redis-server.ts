import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProxyProcess, type ProxyProcess } from '../e2e/harness/proxy-process';
import { pingRedis, REDIS_INSTALL_HINT } from '../../bench/redis';
import { freePort, locateBinary } from '../../scripts/local-services';

// one PING probe and install hint for the tests and the benchmark
export { pingRedis, REDIS_INSTALL_HINT } from '../../bench/redis';

/**
 * Decides whether the Redis tests can run, at test-file load time, exactly as the e2e suites do
 * for proxy binaries (`requireProxyBinary`):
 *
 * - installed: returns the path of `redis-server`;
 * - missing and `EXPRESS_MTLS_REQUIRE_PROXIES=1` (set by `.ci/run`): throws, so the suite fails
 *   with what to install;
 * - missing otherwise: prints a loud warning and returns `undefined`; the caller then registers
 *   no live Redis tests (never `it.skip`).
 */
export function requireRedisServer(
  env: NodeJS.ProcessEnv = process.env,
  command = 'redis-server',
): string | undefined {
  const path = locateBinary(command, env.PATH);
  if (path !== undefined) return path;
  const message =
    `express-mtls: no ${command} binary is installed, so the replay-store tests against a ` +
    `real Redis cannot run. Install it with: ${REDIS_INSTALL_HINT}`;
  if (env.EXPRESS_MTLS_REQUIRE_PROXIES === '1') {
    throw new Error(`${message} (EXPRESS_MTLS_REQUIRE_PROXIES=1 forbids skipping them).`);
  }
  console.warn(`\n!!!!!!!!\n${message}\nNo live Redis tests were registered.\n!!!!!!!!\n`);
  return undefined;
}

/** A running `redis-server` on a loopback port. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** Its output (the log goes to stdout). */
  logs(): string;
  /** Freezes the process (SIGSTOP): it accepts nothing and answers nothing until `resume()`. */
  pause(): void;
  /** Thaws a paused process (SIGCONT). */
  resume(): void;
  /** Kills it at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Stops it (SIGTERM), waits for the exit and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` (the binary `requireRedisServer()` found) on `127.0.0.1:<port>` (a free
 * port by default) with a generated configuration: no persistence (no RDB, no AOF), `bind
 * 127.0.0.1`, `protected-mode yes`, its directory a new temporary folder. Resolves once `PING`
 * answers `PONG` (bounded: 15 s), and rejects with the server's output otherwise.
 */
export async function startRedisServer(binary: string, port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'express-mtls-redis-'));
  const config = join(dir, 'redis.conf');
  writeFileSync(
    config,
    [
      'bind 127.0.0.1',
      `port ${chosen}`,
      'protected-mode yes',
      'daemonize no',
      'save ""',
      'appendonly no',
      `dir ${dir}`,
      'logfile ""',
      'databases 1',
      '',
    ].join('\n'),
  );
  let process_: ProxyProcess;
  try {
    process_ = await startProxyProcess({
      name: 'redis-server',
      command: binary,
      args: [config],
      dir,
      listeners: [{ host: '127.0.0.1', port: chosen }],
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const deadline = Date.now() + 15_000;
  while (!(await pingRedis(chosen))) {
    if (Date.now() > deadline) {
      const logs = process_.logs();
      await process_.stop();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not answer PING on port ${chosen}\n${logs}`);
    }
    await sleep(50);
  }
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(process_.pid, name);
    } catch {
      // already gone
    }
  };
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    pid: process_.pid,
    logs: () => process_.logs(),
    pause: () => {
      signal('SIGSTOP');
    },
    resume: () => {
      signal('SIGCONT');
    },
    kill: async () => {
      signal('SIGCONT');
      signal('SIGKILL');
      await process_.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    stop: async () => {
      signal('SIGCONT');
      await process_.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
