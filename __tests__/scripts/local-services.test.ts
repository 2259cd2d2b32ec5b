import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  acceptsConnections,
  childStopper,
  freePort,
  locateBinary,
} from '../../scripts/local-services';

describe('scripts/local-services', () => {
  it('locateBinary: finds an executable on PATH, and no executable that is not installed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-services-'));
    try {
      const file = join(dir, 'fake-redis');
      writeFileSync(file, '#!/bin/sh\n');
      chmodSync(file, 0o755);
      expect(locateBinary('fake-redis', `/nonexistent:${dir}`)).toBe(file);
      expect(locateBinary('fake-redis', '')).toBeUndefined();
      writeFileSync(join(dir, 'not-executable'), '');
      expect(locateBinary('not-executable', dir)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('locateBinary: also looks in the system directories, off PATH', () => {
    expect(locateBinary('sh', '')).toMatch(/^\/(usr\/)?(local\/)?s?bin\/sh$/);
  });

  it('freePort gives a loopback port nothing listens on; acceptsConnections sees a listener', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await acceptsConnections('127.0.0.1', port)).toBe(false);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      expect(await acceptsConnections('127.0.0.1', port)).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('childStopper: stops a running child with SIGTERM, and resolves for one that already exited', async () => {
    const running = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const stopRunning = childStopper(running);
    await stopRunning();
    expect(running.signalCode).toBe('SIGTERM');
    const done = spawn(process.execPath, ['-e', '']);
    const stopDone = childStopper(done);
    await new Promise((resolve) => done.once('exit', resolve));
    await stopDone();
    expect(done.exitCode).toBe(0);
    expect(done.signalCode).toBeNull();
  });
});
