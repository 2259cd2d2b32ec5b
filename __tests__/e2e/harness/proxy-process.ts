import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { acceptsConnections } from '../../../scripts/local-services';

/** How to launch one proxy in the foreground. */
export interface ProxyProcessOptions {
  /** Name used in messages (`nginx`). */
  readonly name: string;
  /** Absolute path of the binary. */
  readonly command: string;
  readonly args: readonly string[];
  /** Working directory: the per-suite temp dir that holds the config, pid and logs. */
  readonly dir: string;
  /** Extra environment variables. */
  readonly env?: NodeJS.ProcessEnv;
  /** Every listener that must accept connections before the proxy counts as started. */
  readonly listeners: readonly { readonly host: string; readonly port: number }[];
  /** Log files the proxy writes itself, shown when it fails to start or a test fails. */
  readonly logFiles?: readonly string[];
  /** Bound on the start-up wait (default 15 s). */
  readonly startTimeoutMs?: number;
}

/** A started proxy. */
export interface ProxyProcess {
  readonly name: string;
  readonly pid: number;
  /** stdout/stderr and the tails of its log files. */
  logs(): string;
  /** Stops the proxy and its children (SIGTERM, then SIGKILL after 5 s) and waits for exit. */
  stop(): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;
const live = new Set<number>();

process.once('exit', () => {
  for (const pid of live) killGroup(pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function tail(text: string, limit = 8 * 1024): string {
  return text.length > limit ? `…${text.slice(-limit)}` : text;
}

/**
 * Starts a proxy binary in the foreground, in its own process group, and waits (bounded) until
 * all its listeners accept connections. If it exits early or never listens, it is killed and the
 * returned promise rejects with its output and logs.
 */
export async function startProxyProcess(options: ProxyProcessOptions): Promise<ProxyProcess> {
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.dir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
      resolve();
    });
    child.once('error', (error) => {
      exitInfo = `spawn error: ${error.message}`;
      resolve();
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    throw new Error(`${options.name} could not be started (${exitInfo ?? 'no pid'}): ${output}`);
  }
  live.add(pid);

  const logs = (): string => {
    const parts = [`--- ${options.name} output ---\n${tail(output)}`];
    for (const file of options.logFiles ?? []) {
      if (existsSync(file)) parts.push(`--- ${file} ---\n${tail(readFileSync(file, 'utf8'))}`);
    }
    return parts.join('\n');
  };

  const stop = async (): Promise<void> => {
    if (exitInfo === undefined) {
      killGroup(pid, 'SIGTERM');
      const timer = new AbortController();
      const timedOut = await Promise.race([
        exited.then(() => false),
        sleep(5000, true, { signal: timer.signal }).catch(() => false),
      ]);
      timer.abort();
      if (timedOut) {
        killGroup(pid, 'SIGKILL');
        await exited;
      }
    }
    // Children that outlive their parent (Apache workers) share its process group.
    killGroup(pid, 'SIGKILL');
    live.delete(pid);
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  const pending = [...options.listeners];
  while (pending.length > 0) {
    if (exitInfo !== undefined) {
      await stop();
      throw new Error(`${options.name} exited during start-up (${exitInfo})\n${logs()}`);
    }
    const next = pending[0] as (typeof pending)[number];
    if (await acceptsConnections(next.host, next.port)) {
      pending.shift();
      continue;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${options.name} did not listen on ${next.host}:${next.port} within the start-up bound\n${logs()}`,
      );
    }
    await sleep(50);
  }
  return { name: options.name, pid, logs, stop };
}

/**
 * Wraps a test body so that, when it fails, the error carries the proxies' output and logs:
 * a failing e2e test shows what the proxy said.
 */
export function withProxyLogs(
  proxies: () => readonly (ProxyProcess | undefined)[],
  body: () => Promise<void>,
): () => Promise<void> {
  return async () => {
    try {
      await body();
    } catch (error) {
      const logs = proxies()
        .filter((p): p is ProxyProcess => p !== undefined)
        .map((p) => p.logs())
        .join('\n');
      if (error instanceof Error) {
        error.message = `${error.message}\n\n${logs}`;
      }
      throw error;
    }
  };
}
