import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headerLines } from '../../lib/internal/header-lines';
import { get } from '../forwarding/support/http';

describe('headerLines (duplicate detection on a real Node HTTP server)', () => {
  let server: Server;
  let port: number;
  let inspect: (req: IncomingMessage) => unknown;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(inspect(req) ?? null));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function lines(name: string, headers: [string, string][]): Promise<unknown> {
    inspect = (req) => headerLines(req, name);
    return JSON.parse((await get({ port }, headers)).body) as unknown;
  }

  it('is undefined when the header is absent', async () => {
    expect(await lines('x-ssl-cert', [['x-other', 'a']])).toBeNull();
  });

  it('returns one line, with or without commas in it', async () => {
    expect(await lines('x-ssl-cert', [['x-ssl-cert', 'abc']])).toEqual(['abc']);
    expect(await lines('client-cert-chain', [['Client-Cert-Chain', ':a:, :b:']])).toEqual([
      ':a:, :b:',
    ]);
  });

  it('separates repeated lines that Node joined with ", " (any case)', async () => {
    expect(
      await lines('x-ssl-cert', [
        ['X-SSL-Cert', 'first'],
        ['x-ssl-cert', 'second'],
      ]),
    ).toEqual(['first', 'second']);
  });

  it('sees an empty line next to a non-empty one', async () => {
    expect(
      await lines('x-client-cert', [
        ['x-client-cert', ''],
        ['x-client-cert', 'MIIB'],
      ]),
    ).toEqual(['', 'MIIB']);
  });

  it('finds repetitions of headers Node de-duplicates itself (it keeps only the first)', async () => {
    expect(
      await lines('from', [
        ['from', 'a@example.test'],
        ['from', 'b@example.test'],
      ]),
    ).toEqual(['a@example.test', 'b@example.test']);
  });

  it('falls back to req.headers when an earlier layer set the header there', async () => {
    inspect = (req) => {
      req.headers['x-injected'] = 'a, b';
      return headerLines(req, 'x-injected');
    };
    expect(JSON.parse((await get({ port })).body)).toEqual(['a, b']);
    inspect = (req) => {
      req.headers['set-cookie'] = ['a=1', 'b=2'];
      return headerLines(req, 'set-cookie');
    };
    expect(JSON.parse((await get({ port })).body)).toEqual(['a=1', 'b=2']);
  });
});
