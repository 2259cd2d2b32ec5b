import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptsConnections, freePort, locateBinary } from '../../scripts/local-services';
import { requireProxyBinary } from './harness/binaries';
import { startProxyProcess, withProxyLogs, type ProxyProcess } from './harness/proxy-process';
import { renderTemplate } from './harness/template';

/** Whether a process with this pid is running (a zombie, killed but not reaped, is not). */
async function becomesDead(pid: number, withinMs = 3000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/s.test(stat);
  } catch {
    return false;
  }
}

describe('e2e harness', () => {
  describe('renderTemplate', () => {
    it('fills every {{NAME}} placeholder, leaving proxy syntax alone', () => {
      expect(
        renderTemplate('listen {{PORT}}; $ssl_client_verify {http.x} {{PORT}}', { PORT: '8443' }),
      ).toBe('listen 8443; $ssl_client_verify {http.x} 8443');
    });

    it('refuses a placeholder without a value', () => {
      expect(() => renderTemplate('{{A}} {{B}}', { A: '1' })).toThrow(
        'template placeholders without a value: B',
      );
    });

    it('refuses a value the template does not use', () => {
      expect(() => renderTemplate('{{A}}', { A: '1', C: '3' })).toThrow(
        'values not used by the template: C',
      );
    });
  });

  describe('requireProxyBinary', () => {
    const missing = 'express-mtls-no-such-proxy';

    it('finds an installed binary (sh) on PATH', () => {
      expect(locateBinary('sh')).toMatch(/\/sh$/);
      expect(requireProxyBinary('shell', [missing, 'sh'])).toMatch(/\/sh$/);
    });

    it('fails with what to install when EXPRESS_MTLS_REQUIRE_PROXIES=1', () => {
      expect(() =>
        requireProxyBinary('Foo', [missing], { PATH: '', EXPRESS_MTLS_REQUIRE_PROXIES: '1' }),
      ).toThrow(/no Foo binary \(express-mtls-no-such-proxy\).*apt-get install -y nginx haproxy/s);
    });

    it('otherwise warns loudly and returns undefined', () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        expect(requireProxyBinary('Foo', [missing], { PATH: '' })).toBeUndefined();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn.mock.calls[0]?.[0]).toMatch(/apt-get install -y nginx haproxy caddy apache2/);
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe('withProxyLogs', () => {
    const proxy: ProxyProcess = {
      name: 'fake',
      pid: 0,
      logs: () => '--- fake error.log ---\nupstream prematurely closed connection',
      stop: () => Promise.resolve(),
    };

    it("appends the proxies' logs to a failing test's error", async () => {
      const body = withProxyLogs(
        () => [proxy, undefined],
        () => Promise.reject(new Error('expected 200, got 502')),
      );
      await expect(body()).rejects.toThrow(
        /^expected 200, got 502\n\n--- fake error\.log ---\nupstream prematurely closed/,
      );
    });

    it('passes a successful test through untouched', async () => {
      let ran = false;
      await withProxyLogs(
        () => [proxy],
        () => {
          ran = true;
          return Promise.resolve();
        },
      )();
      expect(ran).toBe(true);
    });
  });

  describe('startProxyProcess', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'express-mtls-harness-'));
    });
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('waits until the listener accepts connections, and stops the process', async () => {
      const port = await freePort();
      const script = `require('net').createServer().listen(${port}, '127.0.0.1')`;
      const proxy = await startProxyProcess({
        name: 'node listener',
        command: process.execPath,
        args: ['-e', script],
        dir,
        listeners: [{ host: '127.0.0.1', port }],
      });
      expect(alive(proxy.pid)).toBe(true);
      await proxy.stop();
      expect(alive(proxy.pid)).toBe(false);
      expect(await acceptsConnections('127.0.0.1', port)).toBe(false);
    });

    it('rejects with the output when the process exits during start-up', async () => {
      await expect(
        startProxyProcess({
          name: 'broken proxy',
          command: '/bin/sh',
          args: ['-c', 'echo "bad directive on line 3" >&2; exit 3'],
          dir,
          listeners: [{ host: '127.0.0.1', port: await freePort() }],
        }),
      ).rejects.toThrow(/broken proxy exited during start-up \(exit code 3\)[^]*bad directive/);
    });

    it('rejects and kills the process when it never listens (bounded wait)', async () => {
      const port = await freePort();
      const pidFile = join(dir, 'sleeper.pid');
      await expect(
        startProxyProcess({
          name: 'silent proxy',
          command: '/bin/sh',
          args: ['-c', `echo $$ > ${pidFile}; exec sleep 30`],
          dir,
          listeners: [{ host: '127.0.0.1', port }],
          startTimeoutMs: 300,
        }),
      ).rejects.toThrow(`silent proxy did not listen on 127.0.0.1:${port}`);
      expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    });

    it('kills the whole process group (children too) on stop', async () => {
      const port = await freePort();
      const childPidFile = join(dir, 'child.pid');
      const listen = `require('net').createServer().listen(${port}, '127.0.0.1')`;
      const proxy = await startProxyProcess({
        name: 'forking proxy',
        command: '/bin/sh',
        args: [
          '-c',
          `sleep 30 & echo $! > ${childPidFile}; exec "$0" -e "$1"`,
          process.execPath,
          listen,
        ],
        dir,
        listeners: [{ host: '127.0.0.1', port }],
      });
      try {
        const childPid = Number(readFileSync(childPidFile, 'utf8'));
        expect(alive(childPid)).toBe(true);
        await proxy.stop();
        // SIGKILL is delivered at once but the kernel tears the process down asynchronously.
        expect(await becomesDead(childPid)).toBe(true);
      } finally {
        await proxy.stop();
      }
    });
  });
});
