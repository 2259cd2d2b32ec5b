import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { checkServer, statusOf } from '../../bench/precheck';

const GOOD = { name: 'good', headers: { authorization: 'Bearer good' }, status: 200 };
const BAD = { name: 'bad', headers: { authorization: 'Bearer bad' }, status: 401 };

/** A real HTTP server on 127.0.0.1 answering `status(req)`. */
async function serve(
  status: (authorization: string | undefined) => number,
): Promise<{ url: string; server: Server }> {
  const app = express();
  app.get('/', (req, res) => {
    res.status(status(req.headers.authorization)).end();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describe('the pre-check', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('passes a server that accepts the good request and refuses the bad one', async () => {
    const { url, server } = await serve((a) => (a === 'Bearer good' ? 200 : 401));
    servers.push(server);
    expect(await checkServer(url, [GOOD, BAD])).toEqual([
      { name: 'good', expected: 200, actual: 200, ok: true },
      { name: 'bad', expected: 401, actual: 401, ok: true },
    ]);
  });

  it('fails a server that lets everything through', async () => {
    const { url, server } = await serve(() => 200);
    servers.push(server);
    const outcomes = await checkServer(url, [GOOD, BAD]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false]);
    expect(outcomes[1]).toMatchObject({ expected: 401, actual: 200 });
  });

  it('fails a server that refuses everything', async () => {
    const { url, server } = await serve(() => 401);
    servers.push(server);
    expect((await checkServer(url, [GOOD, BAD])).map((o) => o.ok)).toEqual([false, true]);
  });

  it('fails, with the error, when nothing listens', async () => {
    const { url, server } = await serve(() => 200);
    await new Promise((resolve) => server.close(resolve));
    const [outcome] = await checkServer(url, [GOOD]);
    expect(outcome?.ok).toBe(false);
    expect(outcome?.actual).toMatch(/ECONNREFUSED/);
    await expect(statusOf(url, {})).rejects.toThrow(/ECONNREFUSED/);
  });
});
