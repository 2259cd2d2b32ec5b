import { Agent } from 'node:http';
import { jwksKeySource, type JwksKeySourceOptions } from '../../lib/binding/jwks-key-source';
import type { KeyLookup } from '../../lib/binding/key-source';
import { publicKey } from './helpers/keys';
import { closedPortUrl, sendJson, startServer, type LoopbackServer } from './helpers/servers';

const rsaJwk = { ...publicKey('rsa').export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig' };
const otherJwk = {
  ...publicKey('rsa-other').export({ format: 'jwk' }),
  kid: 'rsa-2',
  alg: 'PS256',
};
const edJwk = { ...publicKey('ed25519').export({ format: 'jwk' }), kid: 'ed-1' };
const ecJwk = { ...publicKey('ec-p256').export({ format: 'jwk' }), kid: 'ec-1' };

const ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'EdDSA'];

function options(uri: string, extra: Partial<JwksKeySourceOptions> = {}): JwksKeySourceOptions {
  return {
    jwksUri: uri,
    timeout: 2000,
    cacheMaxAge: 600_000,
    cacheMaxEntries: 16,
    requestsPerMinute: 10,
    agent: undefined,
    headers: undefined,
    algorithms: ASYMMETRIC,
    ...extra,
  };
}

async function lookup(result: KeyLookup | Promise<KeyLookup>): Promise<KeyLookup> {
  return result;
}

describe('jwksKeySource (jwks-rsa against a real loopback JWKS endpoint)', () => {
  let keys: unknown[] = [rsaJwk, otherJwk, edJwk, ecJwk];
  let server: LoopbackServer;

  beforeAll(async () => {
    server = await startServer((_req, res) => {
      sendJson(res, 200, { keys });
    });
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    keys = [rsaJwk, otherJwk, edJwk, ecJwk];
    server.requests.length = 0;
  });

  it('fetches a key by kid once, converts it to a KeyObject, then answers synchronously', async () => {
    const source = jwksKeySource(options(`${server.url}/jwks`));
    const found = await lookup(source.get('rsa-1'));
    expect(found.status).toBe('key');
    if (found.status !== 'key') return;
    expect(found.key.equals(publicKey('rsa'))).toBe(true);
    expect([...found.algorithms]).toEqual(['RS256', 'PS256']);
    const again = source.get('rsa-1');
    expect(again).toBe(found);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /jwks']);
  });

  it('derives each key algorithms from its type and its JWK alg', async () => {
    const source = jwksKeySource(options(`${server.url}/jwks`));
    const algs = async (kid: string): Promise<string[]> => {
      const found = await lookup(source.get(kid));
      return found.status === 'key' ? [...found.algorithms] : [];
    };
    expect(await algs('rsa-2')).toEqual(['PS256']);
    expect(await algs('ed-1')).toEqual(['EdDSA']);
    expect(await algs('ec-1')).toEqual(['ES256']);
  });

  it('shares one fetch between concurrent lookups of the same kid', async () => {
    const source = jwksKeySource(options(`${server.url}/jwks`));
    const [a, b] = await Promise.all([lookup(source.get('rsa-1')), lookup(source.get('rsa-1'))]);
    expect(a).toBe(b);
    expect(server.requests).toHaveLength(1);
  });

  it('refetches for an unknown kid, then refuses it as signature', async () => {
    const source = jwksKeySource(options(`${server.url}/jwks`));
    await lookup(source.get('rsa-1'));
    expect(await lookup(source.get('rotated'))).toEqual({
      status: 'invalid',
      reason: 'signature',
      detail: 'no key of the JWKS matches the token kid',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('finds a key rotated in after the first fetch', async () => {
    const source = jwksKeySource(options(`${server.url}/jwks`));
    keys = [rsaJwk];
    await lookup(source.get('rsa-1'));
    keys = [rsaJwk, { ...edJwk, kid: 'new' }];
    expect((await lookup(source.get('new'))).status).toBe('key');
  });

  it('uses the only key for a token without kid, and refuses when there are several', async () => {
    keys = [rsaJwk];
    const single = jwksKeySource(options(`${server.url}/jwks`));
    expect((await lookup(single.get(undefined))).status).toBe('key');
    keys = [rsaJwk, edJwk];
    const several = jwksKeySource(options(`${server.url}/jwks`));
    expect(await lookup(several.get(undefined))).toEqual({
      status: 'invalid',
      reason: 'signature',
      detail: 'no key of the JWKS matches the token kid',
    });
  });

  it('rate-limits refetches for unknown kids', async () => {
    const source = jwksKeySource(options(`${server.url}/jwks`, { requestsPerMinute: 1 }));
    await lookup(source.get('rsa-1'));
    expect(await lookup(source.get('unknown'))).toEqual({
      status: 'invalid',
      reason: 'signature',
      detail: 'unknown kid, and the JWKS refetch rate limit is reached',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('refetches once the cache entry is older than cacheMaxAge', async () => {
    const source = jwksKeySource(options(`${server.url}/jwks`, { cacheMaxAge: 1 }));
    await lookup(source.get('rsa-1'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await lookup(source.get('rsa-1'))).status).toBe('key');
    expect(server.requests).toHaveLength(2);
  });

  it('sends the configured headers through the configured agent', async () => {
    let connections = 0;
    class CountingAgent extends Agent {
      override createConnection(
        ...args: Parameters<Agent['createConnection']>
      ): ReturnType<Agent['createConnection']> {
        connections++;
        return super.createConnection(...args);
      }
    }
    const agent = new CountingAgent();
    const source = jwksKeySource(
      options(`${server.url}/jwks`, { agent, headers: { 'x-api-key': 'k1' } }),
    );
    await lookup(source.get('rsa-1'));
    expect(server.requests[0]?.headers['x-api-key']).toBe('k1');
    expect(connections).toBe(1);
    agent.destroy();
  });
});

describe('jwksKeySource fails closed (503) when the JWKS cannot be used', () => {
  const servers: LoopbackServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  async function serving(handler: Parameters<typeof startServer>[0]): Promise<string> {
    const server = await startServer(handler);
    servers.push(server);
    return `${server.url}/jwks`;
  }

  async function outcome(uri: string, timeout = 2000): Promise<KeyLookup> {
    return lookup(jwksKeySource(options(uri, { timeout })).get('rsa-1'));
  }

  it('down: connection refused', async () => {
    const uri = `${await closedPortUrl()}/jwks`;
    const result = await outcome(uri);
    expect(result).toMatchObject({ status: 'unavailable', reason: 'jwks_unavailable' });
    expect(result.status === 'unavailable' && result.detail).toMatch(
      new RegExp(`^JWKS ${uri} unusable: .*ECONNREFUSED`),
    );
  });

  it('slow: no answer within the timeout', async () => {
    const uri = await serving(() => undefined);
    expect(await outcome(uri, 200)).toMatchObject({
      status: 'unavailable',
      reason: 'jwks_unavailable',
      detail: `JWKS ${uri} unusable: no answer within 200 ms`,
    });
  });

  it.each([
    [
      'not JSON',
      (res: Parameters<typeof sendJson>[0]) => {
        sendJson(res, 200, '<html>');
      },
    ],
    [
      'an HTTP error',
      (res: Parameters<typeof sendJson>[0]) => {
        sendJson(res, 500, { error: 'x' });
      },
    ],
    [
      'JSON null',
      (res: Parameters<typeof sendJson>[0]) => {
        sendJson(res, 200, 'null');
      },
    ],
    [
      'no keys',
      (res: Parameters<typeof sendJson>[0]) => {
        sendJson(res, 200, { keys: [] });
      },
    ],
    [
      'no signing keys',
      (res: Parameters<typeof sendJson>[0]) => {
        sendJson(res, 200, {
          keys: [
            { kty: 'oct', k: 'AAAA', kid: 'rsa-1' },
            { ...rsaJwk, use: 'enc' },
          ],
        });
      },
    ],
  ])('garbage: %s', async (_name, answer) => {
    const uri = await serving((_req, res) => {
      answer(res);
    });
    expect(await outcome(uri)).toMatchObject({ status: 'unavailable', reason: 'jwks_unavailable' });
  });
});

describe('jwksKeySource: the JWKS download is bounded (one HTTP client, jwks-rsa only reads)', () => {
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  /** A loopback server; `closed()` resolves once every connection it accepted is closed. */
  async function serving(
    handler: Parameters<typeof startServer>[0],
  ): Promise<{ uri: string; server: LoopbackServer; closed: () => Promise<void> }> {
    const closings: Promise<void>[] = [];
    const server = await startServer(handler, (socket) => {
      closings.push(
        new Promise((resolve) =>
          socket.on('close', () => {
            resolve();
          }),
        ),
      );
    });
    servers.push(server);
    const closed = async (): Promise<void> => {
      await Promise.all(closings);
    };
    return { uri: `${server.url}/jwks`, server, closed };
  }

  it('a slow body under the cap (slowloris): 503 at the deadline, and the socket is freed', async () => {
    const { uri, closed } = await serving((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      const drip = setInterval(() => res.write(' '), 20);
      res.on('close', () => {
        clearInterval(drip);
      });
    });
    const started = Date.now();
    expect(await lookup(jwksKeySource(options(uri, { timeout: 200 })).get('rsa-1'))).toMatchObject({
      status: 'unavailable',
      reason: 'jwks_unavailable',
      detail: `JWKS ${uri} unusable: no answer within 200 ms`,
    });
    expect(Date.now() - started).toBeLessThan(1500);
    const freed = await Promise.race([
      closed().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 1000, 'still open')),
    ]);
    expect(freed).toBe('closed');
  });

  it('a JWKS larger than the cap is 503, even when it holds the key (announced or streamed)', async () => {
    const big = JSON.stringify({ keys: [rsaJwk], padding: 'x'.repeat(2 * 1024 * 1024) });
    const { uri } = await serving((req, res) => {
      if (req.url === '/jwks') {
        sendJson(res, 200, big);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(big.slice(0, 1000));
      res.end(big.slice(1000));
    });
    for (const url of [uri, `${uri}-chunked`]) {
      expect(await lookup(jwksKeySource(options(url)).get('rsa-1'))).toMatchObject({
        status: 'unavailable',
        reason: 'jwks_unavailable',
        detail: `JWKS ${url} unusable: answer larger than 1048576 bytes`,
      });
    }
    const small = jwksKeySource(options(uri, { maxBytes: 100 }));
    expect(await lookup(small.get('rsa-1'))).toMatchObject({
      detail: `JWKS ${uri} unusable: answer larger than 100 bytes`,
    });
  });

  it('a redirect is not followed, to another host or not: 503', async () => {
    const elsewhere = await serving((_req, res) => {
      sendJson(res, 200, { keys: [rsaJwk] });
    });
    const { uri } = await serving((_req, res) => {
      res.writeHead(302, { location: elsewhere.uri.replace('127.0.0.1', 'localhost') }).end();
    });
    expect(await lookup(jwksKeySource(options(uri)).get('rsa-1'))).toMatchObject({
      status: 'unavailable',
      reason: 'jwks_unavailable',
      detail: `JWKS ${uri} unusable: answered HTTP 302 (redirects are not followed)`,
    });
    expect(elsewhere.server.requests).toHaveLength(0);
  });

  it('an empty 200 body is a JWKS without keys: 503', async () => {
    const { uri } = await serving((_req, res) => res.end());
    expect(await lookup(jwksKeySource(options(uri)).get('rsa-1'))).toMatchObject({
      status: 'unavailable',
      reason: 'jwks_unavailable',
      detail: `JWKS ${uri} unusable: The JWKS endpoint did not contain any keys`,
    });
  });
});
