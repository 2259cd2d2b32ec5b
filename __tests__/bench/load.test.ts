import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { load, LoadError } from '../../bench/load';

async function serve(status: number): Promise<{ url: string; server: Server }> {
  const app = express();
  let seen = 0;
  app.get('/', (req, res) => {
    seen++;
    res
      .status(status)
      .set('x-seen', String(seen))
      .send(req.headers['x-n'] ?? '');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describe('load', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise((resolve) => {
            s.closeAllConnections();
            s.close(resolve);
          }),
      ),
    );
  });

  it('measures a server that answers 2xx, with its CPU time per request', async () => {
    const { url, server } = await serve(200);
    servers.push(server);
    let calls = 0;
    const result = await load({
      url,
      seconds: 1,
      connections: 2,
      headers: { 'x-n': '1' },
      stats: async () => ({ cpu: 1000 * ++calls, requests: calls === 1 ? 0 : 10 }),
    });
    expect(result.requests).toBeGreaterThan(0);
    expect(result.rps).toBeGreaterThan(0);
    expect(result.cpuPerRequest).toBe(100);
    expect(result.generatorCpuPerRequest).toBeGreaterThan(0);
  });

  it('gives every request its own headers when they come from a function', async () => {
    const { url, server } = await serve(200);
    servers.push(server);
    let n = 0;
    const result = await load({
      url,
      seconds: 1,
      connections: 2,
      headers: () => ({ 'x-n': String(++n) }),
    });
    expect(n).toBeGreaterThanOrEqual(result.requests);
    expect(result.cpuPerRequest).toBeNaN();
  });

  it('refuses to time a server that answers anything but 2xx', async () => {
    const { url, server } = await serve(401);
    servers.push(server);
    await expect(load({ url, seconds: 1, connections: 2, headers: {} })).rejects.toThrow(LoadError);
  });
});
