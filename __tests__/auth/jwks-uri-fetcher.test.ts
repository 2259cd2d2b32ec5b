import { createServer as createHttpsServer } from 'node:https';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientRegistrationError } from '../../lib/auth/client-metadata';
import {
  JwksFetchError,
  JwksUriFetcher,
  type JwksUriFetcherOptions,
} from '../../lib/auth/jwks-uri-fetcher';
import { HttpClientError } from '../../lib/internal/http-client';
import { key, pem } from '../helpers/fixtures';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real loopback HTTP server whose behaviour each test sets; counts requests. */
class JwksServer {
  readonly server: Server;
  handler: Handler = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [{ kid: String(this.requests) }] }));
  };
  requests = 0;

  constructor(server: Server = createServer()) {
    this.server = server;
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.requests++;
      this.handler(req, res);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path = '/jwks', scheme = 'http'): string {
    return `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }
}

let clock = 1_000_000;
const now = (): number => clock;

function fetcher(options: Partial<JwksUriFetcherOptions> = {}): JwksUriFetcher<unknown> {
  return new JwksUriFetcher(
    {
      timeout: 2000,
      maxBytes: 10_000,
      cacheTtl: 60_000,
      cooldown: 10_000,
      cacheSize: 10,
      allowHttp: true,
      now,
      ...options,
    },
    (json) => json,
  );
}

async function failure(promise: Promise<unknown>): Promise<JwksFetchError> {
  try {
    await promise;
  } catch (error) {
    return error as JwksFetchError;
  }
  throw new Error('expected a rejection');
}

describe('JwksUriFetcher (real loopback server)', () => {
  let jwks: JwksServer;

  beforeEach(async () => {
    clock = 1_000_000;
    jwks = await new JwksServer().start();
  });

  afterEach(async () => {
    await jwks.stop();
  });

  it('fetches once and serves the cached set while fresh', async () => {
    const f = fetcher();
    expect(await f.get(jwks.url())).toEqual({ value: { keys: [{ kid: '1' }] }, fresh: true });
    clock += 59_999;
    expect(await f.get(jwks.url())).toEqual({ value: { keys: [{ kid: '1' }] }, fresh: false });
    expect(jwks.requests).toBe(1);
  });

  it('fetches again once cacheTtl has passed', async () => {
    const f = fetcher();
    await f.get(jwks.url());
    clock += 60_000;
    expect(await f.get(jwks.url())).toEqual({ value: { keys: [{ kid: '2' }] }, fresh: true });
    expect(jwks.requests).toBe(2);
  });

  it('keeps one entry per URI', async () => {
    const f = fetcher();
    await f.get(jwks.url('/a'));
    await f.get(jwks.url('/b'));
    await f.get(jwks.url('/a'));
    expect(jwks.requests).toBe(2);
  });

  it('shares one download between concurrent requests', async () => {
    const f = fetcher();
    const results = await Promise.all([f.get(jwks.url()), f.get(jwks.url()), f.get(jwks.url())]);
    expect(results.map((r) => r.value)).toEqual([
      { keys: [{ kid: '1' }] },
      { keys: [{ kid: '1' }] },
      { keys: [{ kid: '1' }] },
    ]);
    expect(jwks.requests).toBe(1);
  });

  it('refreshes on demand at most once per cooldown', async () => {
    const f = fetcher();
    await f.get(jwks.url());
    expect(await f.refresh(jwks.url())).toBeUndefined();
    clock += 9_999;
    expect(await f.refresh(jwks.url())).toBeUndefined();
    clock += 1;
    expect(await f.refresh(jwks.url())).toEqual({ keys: [{ kid: '2' }] });
    expect(await f.get(jwks.url())).toEqual({ value: { keys: [{ kid: '2' }] }, fresh: false });
    expect(jwks.requests).toBe(2);
  });

  it('remembers a failure for the cooldown instead of asking again', async () => {
    jwks.handler = (_req, res) => {
      res.statusCode = 500;
      res.end('down');
    };
    const f = fetcher();
    const first = await failure(f.get(jwks.url()));
    expect(first).toBeInstanceOf(JwksFetchError);
    expect(first).toMatchObject({
      reason: 'jwks_uri_unavailable',
      message: 'jwks_uri answered HTTP 500',
    });
    expect(await failure(f.get(jwks.url()))).toBe(first);
    expect(await f.refresh(jwks.url())).toBeUndefined();
    expect(jwks.requests).toBe(1);
    clock += 10_000;
    jwks.handler = (_req, res) => res.end('{"keys":[]}');
    expect(await f.get(jwks.url())).toEqual({ value: { keys: [] }, fresh: true });
    expect(jwks.requests).toBe(2);
  });

  it('drops the cached set when a refresh fails', async () => {
    const f = fetcher({ cooldown: 0 });
    await f.get(jwks.url());
    jwks.handler = (_req, res) => {
      res.statusCode = 404;
      res.end();
    };
    expect(await failure(f.refresh(jwks.url()))).toMatchObject({
      reason: 'jwks_uri_unavailable',
      message: 'jwks_uri answered HTTP 404',
    });
    expect(await failure(f.get(jwks.url()))).toMatchObject({ reason: 'jwks_uri_unavailable' });
  });

  it('fails closed when the server is down', async () => {
    const url = jwks.url();
    await jwks.stop();
    jwks = await new JwksServer().start();
    const error = await failure(fetcher().get(url));
    expect(error).toMatchObject({
      reason: 'jwks_uri_unavailable',
      message: 'jwks_uri request failed',
    });
    expect(error.cause).toBeInstanceOf(HttpClientError);
    expect(error.cause).toMatchObject({
      kind: 'network',
      detail: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('gives up after the timeout', async () => {
    jwks.handler = () => {
      /* never answers */
    };
    expect(await failure(fetcher({ timeout: 200 }).get(jwks.url()))).toMatchObject({
      reason: 'jwks_uri_unavailable',
      message: 'jwks_uri no answer within 200 ms',
    });
  });

  it('does not follow redirects', async () => {
    jwks.handler = (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', '/elsewhere');
      res.end();
    };
    expect(await failure(fetcher().get(jwks.url()))).toMatchObject({
      reason: 'jwks_uri_unavailable',
      message: 'jwks_uri request failed',
    });
    expect(jwks.requests).toBe(1);
  });

  it('refuses a body announced larger than maxBytes', async () => {
    jwks.handler = (_req, res) => res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(200) }));
    expect(await failure(fetcher({ maxBytes: 100 }).get(jwks.url()))).toMatchObject({
      reason: 'jwks_uri_invalid',
      message: 'jwks_uri returned more than 100 bytes',
    });
  });

  it('refuses a streamed body that grows past maxBytes', async () => {
    jwks.handler = (_req, res) => {
      res.write('{"keys":[],"pad":"');
      res.write('x'.repeat(200));
      res.end('"}');
    };
    expect(await failure(fetcher({ maxBytes: 100 }).get(jwks.url()))).toMatchObject({
      reason: 'jwks_uri_invalid',
      message: 'jwks_uri returned more than 100 bytes',
    });
  });

  it('reads an empty 200 body as invalid JSON', async () => {
    jwks.handler = (_req, res) => res.end();
    expect(await failure(fetcher().get(jwks.url()))).toMatchObject({
      reason: 'jwks_uri_invalid',
      message: 'jwks_uri did not return JSON',
    });
  });

  it('refuses garbage', async () => {
    jwks.handler = (_req, res) => res.end('<html>not json</html>');
    expect(await failure(fetcher().get(jwks.url()))).toMatchObject({
      reason: 'jwks_uri_invalid',
      message: 'jwks_uri did not return JSON',
    });
  });

  it('turns a transform failure into jwks_uri_invalid', async () => {
    const f = new JwksUriFetcher(
      { timeout: 2000, maxBytes: 1000, cacheTtl: 1000, cooldown: 0, cacheSize: 1, allowHttp: true },
      () => {
        throw new ClientRegistrationError(
          'invalid_registration',
          'the JWK Set has no "keys" array',
        );
      },
    );
    expect(await failure(f.get(jwks.url()))).toMatchObject({
      reason: 'jwks_uri_invalid',
      message: 'not a usable JWK Set: the JWK Set has no "keys" array',
    });
  });

  it.each([
    ['http://127.0.0.1/jwks', false, 'jwks_uri must be an absolute https: URL'],
    ['ftp://127.0.0.1/jwks', true, 'jwks_uri must be an absolute https: URL (or http:)'],
    ['/relative/jwks', false, 'jwks_uri must be an absolute https: URL'],
    ['not a url', false, 'jwks_uri must be an absolute https: URL'],
  ])('refuses %j (allowHttp %s) as invalid_registration', async (uri, allowHttp, message) => {
    const f = fetcher({ allowHttp });
    for (const call of [f.get(uri), f.refresh(uri)]) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(ClientRegistrationError);
      expect(error).toMatchObject({ reason: 'invalid_registration', message });
    }
    expect(jwks.requests).toBe(0);
  });
});

describe('JwksUriFetcher over HTTPS', () => {
  it('verifies the server certificate with the platform CAs (the test CA is not one)', async () => {
    const tls = await new JwksServer(
      createHttpsServer({ key: key('server'), cert: pem('server-fullchain') }),
    ).start();
    try {
      const error = await failure(fetcher({ allowHttp: false }).get(tls.url('/jwks', 'https')));
      expect(error).toMatchObject({
        reason: 'jwks_uri_unavailable',
        message: 'jwks_uri request failed',
      });
      expect(tls.requests).toBe(0);
    } finally {
      await tls.stop();
    }
  });
});
