import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { defaultRevocationFetcher, guardedFetch } from '../../../lib/auth/revocation/fetch';
import type { RevocationFetchRequest } from '../../../lib/auth/revocation/types';
import { HttpClientError } from '../../../lib/internal/http-client';
import { key, pem } from '../../helpers/fixtures';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function withServer(
  handler: Handler,
  run: (origin: string) => Promise<void>,
  tls = false,
): Promise<void> {
  const server = tls
    ? createHttpsServer({ key: key('server'), cert: pem('server') }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await run(`${tls ? 'https' : 'http'}://127.0.0.1:${port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function get(url: string, extra: Partial<RevocationFetchRequest> = {}): Promise<Uint8Array> {
  return defaultRevocationFetcher({
    url,
    method: 'GET',
    headers: {},
    signal: new AbortController().signal,
    maxBytes: 1024,
    ...extra,
  });
}

describe('defaultRevocationFetcher (node:http / node:https)', () => {
  test('GET returns the body; POST sends the body with its length and headers', async () => {
    const seen: unknown[] = [];
    await withServer(
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push([
            req.method,
            req.headers['content-type'],
            req.headers['content-length'],
            Buffer.concat(chunks).toString(),
          ]);
          res.end('answer');
        });
      },
      async (origin) => {
        expect(Buffer.from(await get(`${origin}/a.crl`)).toString()).toBe('answer');
        const posted = await get(`${origin}/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/ocsp-request' },
          body: Buffer.from('query'),
        });
        expect(Buffer.from(posted).toString()).toBe('answer');
      },
    );
    expect(seen).toEqual([
      ['GET', undefined, undefined, ''],
      ['POST', 'application/ocsp-request', '5', 'query'],
    ]);
  });

  test('refuses invalid URLs and other schemes', async () => {
    await expect(get('not a url')).rejects.toThrow('invalid URL not a url');
    await expect(get('ldap://ldap.example.test/cn=crl')).rejects.toThrow(
      'unsupported URL scheme ldap:',
    );
  });

  test('refuses non-2xx answers without following redirects', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(302, { Location: 'http://elsewhere.test/' }).end();
      },
      async (origin) => {
        await expect(get(origin)).rejects.toThrow(`HTTP 302 from ${origin}`);
      },
    );
  });

  test('stops at maxBytes, whether the length is declared or streamed', async () => {
    await withServer(
      (req, res) => {
        if (req.url === '/declared') {
          res.writeHead(200, { 'Content-Length': '2048' }).end(Buffer.alloc(2048));
          return;
        }
        res.write(Buffer.alloc(800));
        res.write(Buffer.alloc(800));
        res.end();
      },
      async (origin) => {
        await expect(get(`${origin}/declared`)).rejects.toThrow('response larger than 1024 bytes');
        await expect(get(`${origin}/streamed`)).rejects.toThrow('response larger than 1024 bytes');
      },
    );
  });

  test('https: the server certificate is verified against the default CAs', async () => {
    await withServer(
      (_req, res) => res.end('x'),
      async (origin) => {
        await expect(get(origin)).rejects.toThrow(/request to https:\/\/127\.0\.0\.1:\d+ failed/);
      },
      true,
    );
  });

  test('a connection reset while reading fails', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('partial', () => res.socket?.destroy());
      },
      async (origin) => {
        await expect(get(origin)).rejects.toThrow(/failed/);
      },
    );
  });
});

describe('guardedFetch', () => {
  test('wraps errors that are not Errors', async () => {
    await expect(
      guardedFetch(
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile fetcher
        () => Promise.reject('nope'),
        { url: 'http://x.test/', method: 'GET', headers: {}, maxBytes: 10 },
        1000,
      ),
    ).rejects.toThrow('fetching http://x.test/ failed: nope');
  });
});

describe('defaultRevocationFetcher frees the socket of a refused answer', () => {
  test.each([
    [500, 'HTTP 500 from'],
    [302, 'HTTP 302 from'],
  ])(
    'HTTP %i with an endless body: rejected, and the connection closed at once',
    async (status, text) => {
      const closings: Promise<void>[] = [];
      const server = createHttpServer((_req, res) => {
        res.writeHead(status, { location: 'http://elsewhere.test/' });
        const drip = setInterval(() => res.write('x'.repeat(100)), 10);
        res.on('close', () => {
          clearInterval(drip);
        });
      });
      server.on('connection', (socket: Socket) => {
        closings.push(
          new Promise((resolve) =>
            socket.on('close', () => {
              resolve();
            }),
          ),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        await expect(get(`http://127.0.0.1:${port}/`)).rejects.toThrow(text);
        const freed = await Promise.race([
          Promise.all(closings).then(() => 'closed'),
          new Promise((resolve) => setTimeout(resolve, 1000, 'still open')),
        ]);
        expect(freed).toBe('closed');
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );
});

describe('guardedFetch: every failure is one HttpClientError (an outage for the checker)', () => {
  const request = { url: 'http://x.test/crl', method: 'GET' as const, headers: {}, maxBytes: 4 };

  test.each([
    [
      'a deadline',
      () => new Promise<Uint8Array>(() => undefined),
      'timeout',
      'no answer from http://x.test/crl within 50 ms',
    ],
    [
      'no bytes',
      () => Promise.resolve('text' as unknown as Uint8Array),
      'network',
      'the fetcher did not return bytes',
    ],
    [
      'too many bytes',
      () => Promise.resolve(new Uint8Array(5)),
      'too_large',
      'response larger than 4 bytes',
    ],
    [
      'a thrown error',
      () => Promise.reject(new Error('boom')),
      'network',
      'fetching http://x.test/crl failed: boom',
    ],
    [
      'its own HttpClientError',
      () => Promise.reject(new HttpClientError('status', 'answered HTTP 404')),
      'status',
      'answered HTTP 404',
    ],
  ])('%s', async (_name, fetcher, kind, message) => {
    const failure = guardedFetch(fetcher, request, 50).catch((error: unknown) => error);
    const error = await failure;
    expect(error).toBeInstanceOf(HttpClientError);
    expect(error).toMatchObject({ kind, message });
  });

  test('bytes within maxBytes and the deadline are returned as they are', async () => {
    const bytes = Uint8Array.of(1, 2, 3, 4);
    await expect(guardedFetch(() => Promise.resolve(bytes), request, 1000)).resolves.toBe(bytes);
  });

  test('the signal a fetcher gets is aborted at the deadline', async () => {
    let signal: AbortSignal | undefined;
    await expect(
      guardedFetch(
        (r) => {
          signal = r.signal;
          return new Promise<Uint8Array>(() => undefined);
        },
        request,
        30,
      ),
    ).rejects.toMatchObject({ kind: 'timeout' });
    expect(signal?.aborted).toBe(true);
  });
});
