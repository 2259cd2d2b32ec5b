import {
  Agent as HttpAgent,
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  Agent as HttpsAgent,
  createServer as createHttpsServer,
  Server as HttpsServer,
} from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  fetchBounded,
  HttpClientError,
  type BoundedRequest,
  type HttpFailureKind,
} from '../../lib/internal/http-client';
import { key, pem } from '../helpers/fixtures';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** A real loopback server that records requests and knows when each connection closes. */
interface Loopback {
  readonly origin: string;
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  readonly bodies: Buffer[];
  /** Resolves once every connection the server accepted so far is closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

const servers: Server[] = [];

async function serve(handler: Handler, server: Server = createHttpServer()): Promise<Loopback> {
  const requests: Loopback['requests'] = [];
  const bodies: Buffer[] = [];
  const closings: Promise<void>[] = [];
  server.on('connection', (socket: Socket) => {
    closings.push(
      new Promise((resolve) =>
        socket.on('close', () => {
          resolve();
        }),
      ),
    );
  });
  server.on('secureConnection', (socket: Socket) => {
    closings.push(
      new Promise((resolve) =>
        socket.on('close', () => {
          resolve();
        }),
      ),
    );
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      bodies.push(Buffer.concat(chunks));
      handler(req, res, Buffer.concat(chunks));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = server instanceof HttpsServer ? 'https' : 'http';
  return {
    origin: `${scheme}://127.0.0.1:${port}`,
    requests,
    bodies,
    allClosed: () => Promise.all(closings).then(() => undefined),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => {
            resolve();
          });
        }),
    ),
  );
});

/** The rejection of `promise`, which must be an HttpClientError. */
async function failure(promise: Promise<unknown>): Promise<HttpClientError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpClientError);
    return error as HttpClientError;
  }
  throw new Error('expected a rejection');
}

/** Resolves when `promise` does, or fails the test after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: not within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

function get(url: string, extra: Partial<BoundedRequest> = {}): ReturnType<typeof fetchBounded> {
  return fetchBounded({ url, maxBytes: 1024, timeoutMs: 2000, ...extra });
}

describe('fetchBounded: answers', () => {
  it('GET resolves to the status, headers and whole body, sending no body and no length', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(203, { 'content-type': 'text/plain', 'x-a': '1' });
      res.write('hello ');
      res.end('world');
    });
    const response = await get(`${server.origin}/path?q=1`, { headers: { 'x-req': 'r' } });
    expect(response.status).toBe(203);
    expect(response.headers['x-a']).toBe('1');
    expect(response.body.toString()).toBe('hello world');
    expect(server.requests).toEqual([
      {
        method: 'GET',
        url: '/path?q=1',
        headers: expect.objectContaining({ 'x-req': 'r', host: expect.any(String) }) as unknown,
      },
    ]);
    expect(server.requests[0]?.headers['content-length']).toBeUndefined();
  });

  it('POST sends the body with its length in bytes (a string is sent as UTF-8)', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    await fetchBounded({
      url: new URL(`${server.origin}/form`),
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '1' },
      body: 'token=é',
      maxBytes: 10,
    });
    await fetchBounded({
      url: `${server.origin}/ocsp`,
      method: 'POST',
      body: Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00),
      maxBytes: 10,
    });
    expect(server.requests.map((r) => [r.method, r.headers['content-length']])).toEqual([
      ['POST', '8'],
      ['POST', '5'],
    ]);
    expect(server.bodies[0]?.toString('utf8')).toBe('token=é');
    expect([...(server.bodies[1] ?? [])]).toEqual([0x30, 0x03, 0x02, 0x01, 0x00]);
  });

  it('accepts a body of exactly maxBytes, declared and streamed', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/declared') res.end(Buffer.alloc(16, 1));
      else {
        res.write(Buffer.alloc(8, 1));
        res.end(Buffer.alloc(8, 2));
      }
    });
    expect((await get(`${server.origin}/declared`, { maxBytes: 16 })).body).toHaveLength(16);
    expect((await get(`${server.origin}/streamed`, { maxBytes: 16 })).body).toHaveLength(16);
  });

  it('with expectStatus, accepts that status only', async () => {
    const server = await serve((req, res) => {
      res.statusCode = req.url === '/200' ? 200 : 204;
      res.end();
    });
    expect((await get(`${server.origin}/200`, { expectStatus: 200 })).status).toBe(200);
    expect(await failure(get(`${server.origin}/204`, { expectStatus: 200 }))).toMatchObject({
      kind: 'status',
      status: 204,
      detail: 'answered HTTP 204',
      message: `HTTP 204 from ${server.origin}`,
    });
  });

  it('asks the content-type hook before reading the body', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/json') res.setHeader('content-type', 'application/json');
      if (req.url === '/hostile') res.setHeader('content-type', 'text/html\t\xe9; x="\\"');
      res.end('{}');
    });
    const seen: (string | undefined)[] = [];
    const isJson = (type: string | undefined): boolean => {
      seen.push(type);
      return type === 'application/json';
    };
    expect((await get(`${server.origin}/json`, { acceptContentType: isJson })).status).toBe(200);
    const missing = await failure(get(`${server.origin}/none`, { acceptContentType: isJson }));
    expect(missing).toMatchObject({
      kind: 'content_type',
      detail: 'unexpected content-type "undefined"',
      message: `unexpected content-type "undefined" from ${server.origin}`,
    });
    const hostile = await failure(get(`${server.origin}/hostile`, { acceptContentType: isJson }));
    expect(hostile.kind).toBe('content_type');
    // the server's bytes (é sent as UTF-8, read as Latin-1) are quoted and escaped, never copied raw
    expect(hostile.detail).toBe(
      'unexpected content-type "text/html\\u0009\\u00c3\\u00a9; x=\\"\\\\\\""',
    );
    expect(seen).toEqual(['application/json', undefined, expect.any(String)]);
  });
});

describe('fetchBounded: refusals, each a typed HttpClientError', () => {
  it.each([
    ['not a url', 'invalid URL not a url'],
    ['/relative', 'invalid URL /relative'],
    ['ftp://127.0.0.1/x', 'unsupported URL scheme ftp:'],
    ['file:///etc/passwd', 'unsupported URL scheme file:'],
  ])('%j is invalid_url, and nothing is sent', async (url, message) => {
    expect(await failure(get(url))).toMatchObject({ kind: 'invalid_url', message });
  });

  it('a non-2xx answer is status; its body is not drained, the socket is closed', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      // an endless error body: the client must not keep reading it
      const drip = setInterval(() => res.write('x'.repeat(100)), 10);
      res.on('close', () => {
        clearInterval(drip);
      });
    });
    const error = await failure(get(server.origin));
    expect(error).toMatchObject({
      kind: 'status',
      status: 500,
      detail: 'answered HTTP 500',
      message: `HTTP 500 from ${server.origin}`,
    });
    await within(server.allClosed(), 1000, 'socket of the refused answer closed');
  });

  it('a redirect to another host is not followed: redirect, and the other host sees nothing', async () => {
    const elsewhere = await serve((_req, res) => res.end('{"keys":[]}'));
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.origin.replace('127.0.0.1', 'localhost')}/x` });
      res.end();
    });
    const error = await failure(
      fetchBounded({ url: server.origin, maxBytes: 100, expectStatus: 200 }),
    );
    expect(error).toMatchObject({
      kind: 'redirect' satisfies HttpFailureKind,
      status: 302,
      detail: 'answered HTTP 302 (redirects are not followed)',
      message: `HTTP 302 from ${server.origin} (redirects are not followed)`,
    });
    expect(elsewhere.requests).toHaveLength(0);
  });

  it.each([301, 303, 307, 308])('HTTP %i to the same host is a redirect too', async (status) => {
    const server = await serve((req, res) => {
      res.writeHead(req.url === '/' ? status : 200, { location: '/moved' });
      res.end('moved');
    });
    expect(await failure(get(`${server.origin}/`))).toMatchObject({ kind: 'redirect', status });
    expect(server.requests.map((r) => r.url)).toEqual(['/']);
  });

  it('a body announced larger than maxBytes is too_large before a byte is read', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
      // the rest never comes: only the announced length can explain a prompt refusal
    });
    const error = await within(failure(get(server.origin, { maxBytes: 100 })), 1000, 'refusal');
    expect(error).toMatchObject({
      kind: 'too_large',
      detail: 'answer larger than 100 bytes',
      message: 'response larger than 100 bytes',
    });
    await within(server.allClosed(), 1000, 'socket closed');
  });

  it('a streamed body growing past maxBytes is too_large, and reading stops there', async () => {
    let written = 0;
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const pump = setInterval(() => {
        written += 64;
        res.write(Buffer.alloc(64, 0x20));
      }, 5);
      res.on('close', () => {
        clearInterval(pump);
      });
    });
    const error = await failure(get(server.origin, { maxBytes: 300, timeoutMs: 5000 }));
    expect(error).toMatchObject({ kind: 'too_large', detail: 'answer larger than 300 bytes' });
    await within(server.allClosed(), 1000, 'socket closed');
    expect(written).toBeLessThan(2000);
  });

  it('slow headers: timeout after timeoutMs, and the socket is freed', async () => {
    const server = await serve(() => undefined);
    const started = Date.now();
    const error = await failure(get(server.origin, { timeoutMs: 150 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(error).toMatchObject({
      kind: 'timeout',
      detail: 'no answer within 150 ms',
      message: `no answer from ${server.origin} within 150 ms`,
    });
    await within(server.allClosed(), 1000, 'socket closed');
  });

  it('slow body under the cap (slowloris): the deadline covers the whole answer', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 20);
      res.on('close', () => {
        clearInterval(drip);
      });
    });
    const started = Date.now();
    const error = await failure(get(server.origin, { timeoutMs: 200, maxBytes: 1_000_000 }));
    expect(error).toMatchObject({ kind: 'timeout', detail: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
    await within(server.allClosed(), 1000, 'socket closed');
  });

  it('connection refused is network, with the cause', async () => {
    const server = await serve(() => undefined);
    await server.close();
    const error = await failure(get(server.origin));
    expect(error.kind).toBe('network');
    expect(error.detail).toMatch(/ECONNREFUSED/);
    expect(error.message).toMatch(
      new RegExp(`^request to ${server.origin} failed: .*ECONNREFUSED`),
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('a connection reset before the answer is network', async () => {
    const server = await serve((req) => req.socket.destroy());
    expect(await failure(get(server.origin))).toMatchObject({ kind: 'network' });
  });

  it('a connection reset in the middle of the body is network, never a short body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"keys":', () => setTimeout(() => res.socket?.destroy(), 10));
    });
    expect(await failure(get(server.origin))).toMatchObject({ kind: 'network' });
  });

  it('a chunked body cut short is network too', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":', () => setTimeout(() => res.socket?.destroy(), 10));
    });
    expect(await failure(get(server.origin))).toMatchObject({ kind: 'network' });
  });

  it('a header Node refuses to send (CR LF injection) rejects with its error as it is, sending nothing', async () => {
    const server = await serve((_req, res) => res.end());
    const pending = get(server.origin, { headers: { 'x-a': 'v\r\nx-b: injected' } });
    await expect(pending).rejects.not.toBeInstanceOf(HttpClientError);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
    expect(server.requests).toHaveLength(0);
  });

  it("the caller's signal: already aborted sends nothing; aborted later frees the socket", async () => {
    const server = await serve(() => undefined);
    const aborted = new AbortController();
    aborted.abort();
    expect(await failure(get(server.origin, { signal: aborted.signal }))).toMatchObject({
      kind: 'timeout',
      detail: 'aborted',
      message: `request to ${server.origin} aborted`,
    });
    expect(server.requests).toHaveLength(0);

    const later = new AbortController();
    const pending = failure(get(server.origin, { signal: later.signal, timeoutMs: undefined }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    later.abort();
    expect(await pending).toMatchObject({ kind: 'timeout', detail: 'aborted' });
    await within(server.allClosed(), 1000, 'socket closed');
  });

  it('a settled request ignores a later abort of its signal', async () => {
    const server = await serve((_req, res) => res.end('done'));
    const controller = new AbortController();
    const response = await get(server.origin, { signal: controller.signal });
    controller.abort();
    expect(response.body.toString()).toBe('done');
  });
});

describe('fetchBounded over HTTPS', () => {
  const tlsServer = (extra: object = {}): Server =>
    createHttpsServer({ key: key('server'), cert: pem('server-fullchain'), ...extra });

  it('verifies the server certificate: unknown CA is network', async () => {
    const server = await serve((_req, res) => res.end('x'), tlsServer());
    const error = await failure(get(server.origin));
    expect(error.kind).toBe('network');
    expect(server.requests).toHaveLength(0);
  });

  it('trusts a private CA and presents a client certificate given by the agent (mutual TLS)', async () => {
    const seen: { authorized: boolean; subject: string | undefined }[] = [];
    const server = await serve(
      (req, res) => {
        const socket = req.socket;
        if (!(socket instanceof TLSSocket)) throw new Error('expected a TLS socket');
        seen.push({
          authorized: socket.authorized,
          subject: socket.getPeerX509Certificate()?.subject,
        });
        res.end('secret');
      },
      tlsServer({ ca: pem('ca-chain'), requestCert: true, rejectUnauthorized: true }),
    );
    const agent = new HttpsAgent({
      key: key('client-a'),
      cert: pem('client-a-fullchain'),
      ca: pem('root-ca'),
    });
    try {
      const response = await get(server.origin, { agent });
      expect(response.body.toString()).toBe('secret');
      expect(seen).toHaveLength(1);
      expect(seen[0]?.authorized).toBe(true);
      expect(seen[0]?.subject).toMatch(/CN=client-a/);
    } finally {
      agent.destroy();
    }
  });

  it('an http: agent for an https: URL rejects with the configuration error as it is', async () => {
    const agent = new HttpAgent();
    const pending = get('https://127.0.0.1:1/', { agent });
    await expect(pending).rejects.not.toBeInstanceOf(HttpClientError);
    await expect(pending).rejects.toThrow(/Protocol "https:" not supported/);
    agent.destroy();
  });
});
