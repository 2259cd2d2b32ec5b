/**
 * The redis-server of the `dpop-redis` case: started by the benchmark on a free loopback port,
 * without persistence, and stopped with it. When `redis-server` is not installed, the case is
 * left out with a loud note (never a silent skip).
 *
 * @packageDocumentation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { childStopper, freePort } from '../scripts/local-services';

/** What to install when `redis-server` is missing. */
export const REDIS_INSTALL_HINT = 'apt-get install -y redis-server';

/** The note printed (and written to the report) when the Redis row cannot run. */
export function missingRedisNote(command = 'redis-server'): string {
  return (
    `!!! no ${command} binary is installed: the DPoP case with redisReplayStore() (dpop-redis) ` +
    `was NOT run, so the Redis store's cost is not measured. Install it with: ${REDIS_INSTALL_HINT}`
  );
}

/** Whether `PING` on `port` answers `+PONG` within a second. */
export function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('timeout', () => {
      done(false);
    });
  });
}

/** A running redis-server. */
export interface BenchRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts `binary` on `127.0.0.1:<free port>` with no RDB and no AOF; resolves once it answers
 * `PING` (within 10 s), else stops it and rejects with its output.
 */
export async function startBenchRedis(binary: string): Promise<BenchRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--protected-mode',
      'yes',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = childStopper(child);
  const deadline = Date.now() + 10_000;
  while (!(await pingRedis(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer PING on port ${port}\n${output}`);
    }
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
