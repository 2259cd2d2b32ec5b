import { createHash } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import { request as httpsRequest } from 'node:https';
import { clientCertificate, type BuiltInFormat } from '../../../lib';
import {
  createTlsFront,
  STRIPPED_HEADERS,
  type TlsFront,
  type TlsFrontOptions,
} from '../../../samples/tls-front/tls-front';
import { freePort } from '../../../scripts/local-services';
import { EXPRESS_VERSIONS } from '../../helpers/express-versions';
import { key, pem, X5T_S256 } from '../../helpers/fixtures';
import { call, CLIENT_A_WITH_CHAIN, listenHttp, type Listening } from '../helpers';
import { FORMAT_NAMES } from '../../../lib/forwarding/formats';

/** Every built-in format, from the registry: a new codec is tested here without an edit. */
const FORMATS: readonly BuiltInFormat[] = FORMAT_NAMES;
const SERVER = { key: key('server'), cert: pem('server-fullchain') } as const;
const DOWNLOAD_BYTES = 3 * 1024 * 1024 + 17;

/** Deterministic bytes: the test's own data, hashed on both sides. */
function pattern(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every header name the tests forge, with a value naming client-b. */
const FORGED: Record<string, string> = {
  ...Object.fromEntries(STRIPPED_HEADERS.map((name) => [name, 'forged-by-client'])),
  'x-forwarded-client-cert': 'Hash=00;Cert="forged"',
  'x-forwarded-tls-client-cert': 'forged',
  'x-amzn-mtls-clientcert': 'forged',
  'x-amzn-mtls-clientcert-leaf': 'forged',
  'x-forwarded-for': '203.0.113.9',
  'x-forwarded-proto': 'http',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-port': '1',
  'x-my-cert': 'forged',
};

/** Hooks of the app's /slow-upload route: when it starts, and `req.complete` when it closes. */
interface SlowUpload {
  started(): void;
  closed(complete: boolean): void;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The app behind the front: one router per format under `/<format>/`. */
function upstreamApp(createApp: () => Express, hooks: { slowUpload?: SlowUpload }): Express {
  const app = createApp();
  const echo = (req: Request, res: Response): void => {
    res.json({
      thumbprint: req.clientCert?.thumbprint ?? null,
      subject: req.clientCert?.subject ?? null,
      chain: req.clientCert?.chain.map((c) => c.thumbprint) ?? null,
      rawHeaders: req.rawHeaders,
    });
  };
  for (const format of FORMATS) {
    app.get(`/${format}/echo`, clientCertificate({ format, trustProxy: '127.0.0.1' }), echo);
  }
  app.get(
    '/custom/echo',
    clientCertificate({ format: 'der-base64', header: 'x-my-cert', trustProxy: '127.0.0.1' }),
    echo,
  );
  app.post('/upload', (req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      res.json({ bytes, sha256: hash.digest('hex') });
    });
  });
  app.get('/download', (_req, res) => {
    res.type('application/octet-stream');
    const data = pattern(DOWNLOAD_BYTES);
    let offset = 0;
    const pump = (): void => {
      while (offset < data.length) {
        const chunk = data.subarray(offset, offset + 65536);
        offset += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  app.get('/cookies', (_req, res) => {
    res.append('Set-Cookie', 'a=1').append('Set-Cookie', 'b=2').json({});
  });
  app.get('/hang', () => {
    // never answers
  });
  app.get('/break', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial');
    setImmediate(() => res.socket?.destroy());
  });
  app.post('/slow-upload', (req) => {
    const slowUpload = hooks.slowUpload;
    req.on('close', () => {
      slowUpload?.closed(req.complete);
    });
    slowUpload?.started();
    req.resume();
  });
  return app;
}

describe('createTlsFront(): options', () => {
  const base: TlsFrontOptions = { upstream: 'http://127.0.0.1:1', ...SERVER };
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown option', { upstrem: 'x' }, /unknown option "upstrem"/],
    [
      'an https: upstream',
      { upstream: 'https://127.0.0.1:1' },
      /"upstream" must be an http: origin/,
    ],
    ['an upstream with a path', { upstream: 'http://127.0.0.1:1/app' }, /"upstream"/],
    ['an upstream with a query', { upstream: 'http://127.0.0.1:1/?a' }, /"upstream"/],
    ['a non-URL upstream', { upstream: '127.0.0.1:1' }, /"upstream"/],
    ['a missing upstream', { upstream: undefined }, /"upstream"/],
    ['an unknown format', { format: 'haproxy' }, /format must be one of/],
    ['a bad header name', { header: 'bad header' }, /header/],
    ['a non-boolean forwardChain', { forwardChain: 'yes' }, /"forwardChain" must be a boolean/],
    ['a zero maxChainLength', { maxChainLength: 0 }, /"maxChainLength" must be a positive integer/],
    ['a fractional maxHeaderSize', { maxHeaderSize: 1.5 }, /"maxHeaderSize"/],
    [
      'a negative certificate limit',
      { maxCertificateHeaderBytes: -1 },
      /"maxCertificateHeaderBytes"/,
    ],
    ['a zero upstreamTimeout', { upstreamTimeout: 0 }, /"upstreamTimeout"/],
    ['stripHeaders not an array', { stripHeaders: 'x-a' }, /"stripHeaders" must be an array/],
    ['stripHeaders with a non-string', { stripHeaders: [1] }, /"stripHeaders"/],
    ['a certificate that is not PEM', { cert: 'nope' }, /./],
  ])('refuses %s with a TypeError', (_name, change, message) => {
    expect(() => createTlsFront({ ...base, ...change })).toThrow(TypeError);
    expect(() => createTlsFront({ ...base, ...change })).toThrow(message);
  });

  it('refuses a missing options object', () => {
    expect(() => createTlsFront(null as unknown as TlsFrontOptions)).toThrow(
      /pass an options object/,
    );
  });

  it('treats undefined options as not given', async () => {
    const front = createTlsFront({ ...base, format: undefined, forwardChain: undefined });
    await expect(front.listen({})).rejects.toThrow(/give a main and\/or an mtls address/);
    await front.close();
  });

  it('closes what it started when a listener cannot start', async () => {
    const front = createTlsFront(base);
    const other = createTlsFront(base);
    const started = await other.listen({ mtls: { host: '127.0.0.1', port: 0 } });
    const busy = started.mtls?.port ?? 0;
    await expect(
      front.listen({
        main: { host: '127.0.0.1', port: 0 },
        mtls: { host: '127.0.0.1', port: busy },
      }),
    ).rejects.toThrow(/EADDRINUSE/);
    expect(front.main.listening).toBe(false);
    await other.close();
    await front.close();
  });
});

describe.each(EXPRESS_VERSIONS)('Node TLS front in front of %s', (_label, createApp) => {
  const hooks: { slowUpload?: SlowUpload } = {};
  let app: Listening;
  const fronts: TlsFront[] = [];

  async function startFront(
    options: Partial<TlsFrontOptions> = {},
  ): Promise<{ main: number; mtls: number }> {
    const front = createTlsFront({
      upstream: `http://127.0.0.1:${app.port}`,
      ...SERVER,
      ...options,
    });
    fronts.push(front);
    const loopback = { host: '127.0.0.1', port: 0 };
    const addresses = await front.listen({ main: loopback, mtls: loopback });
    return { main: addresses.main?.port ?? 0, mtls: addresses.mtls?.port ?? 0 };
  }

  beforeAll(async () => {
    app = await listenHttp(upstreamApp(createApp, hooks));
  });

  afterAll(async () => {
    await Promise.all(fronts.map((f) => f.close()));
    await app.close();
  });

  describe.each(FORMATS)('format %s', (format) => {
    let ports: { main: number; mtls: number };
    beforeAll(async () => {
      ports = await startFront({ format });
    });

    it('forwards client-a and its intermediate: the app reads openssl’s thumbprints', async () => {
      const reply = await call({
        port: ports.mtls,
        path: `/${format}/echo`,
        servername: 'mtls.localhost',
        client: CLIENT_A_WITH_CHAIN,
      });
      expect(reply.status).toBe(200);
      expect(reply.json.thumbprint).toBe(X5T_S256['client-a']);
      expect(reply.json.subject).toBe('CN=client-a,OU=Payments,O=express-mtls tests,C=US');
      expect(reply.json.chain).toEqual([X5T_S256['intermediate-ca']]);
    });

    it('forwards a self-signed certificate alone', async () => {
      const reply = await call({
        port: ports.mtls,
        path: `/${format}/echo`,
        client: 'self-signed',
      });
      expect(reply.json.thumbprint).toBe(X5T_S256['self-signed']);
      expect(reply.json.chain).toEqual([]);
    });

    it('forwards no certificate when the client presents none, and drops forged headers', async () => {
      const reply = await call({ port: ports.mtls, path: `/${format}/echo`, headers: FORGED });
      expect(reply.status).toBe(200);
      expect(reply.json.thumbprint).toBeNull();
    });

    it('main listener: no certificate is requested, so none is forwarded', async () => {
      const reply = await call({
        port: ports.main,
        path: `/${format}/echo`,
        client: CLIENT_A_WITH_CHAIN,
        headers: FORGED,
      });
      expect(reply.status).toBe(200);
      expect(reply.json.thumbprint).toBeNull();
    });
  });

  describe('headers', () => {
    let ports: { main: number; mtls: number };
    beforeAll(async () => {
      ports = await startFront({ stripHeaders: ['X-My-Cert'] });
    });

    function headerMap(raw: readonly string[]): Map<string, string[]> {
      const map = new Map<string, string[]>();
      for (let i = 0; i < raw.length; i += 2) {
        const name = (raw[i] as string).toLowerCase();
        map.set(name, [...(map.get(name) ?? []), raw[i + 1] as string]);
      }
      return map;
    }

    it.each(['main', 'mtls'] as const)(
      '%s listener: removes every forged certificate and origin header, sets X-Forwarded-*',
      async (listener) => {
        const reply = await call({
          port: ports[listener],
          path: '/rfc9440/echo',
          headers: { ...FORGED, 'x-kept': 'yes' },
          client: CLIENT_A_WITH_CHAIN,
        });
        const seen = headerMap(reply.json.rawHeaders);
        for (const name of Object.keys(FORGED)) {
          for (const value of seen.get(name) ?? []) {
            expect([name, value]).not.toEqual([name, FORGED[name]]);
          }
        }
        expect(seen.get('x-forwarded-for')).toEqual(['127.0.0.1']);
        expect(seen.get('x-forwarded-proto')).toEqual(['https']);
        expect(seen.get('x-forwarded-host')).toEqual([`localhost:${ports[listener]}`]);
        expect(seen.get('host')).toEqual([`localhost:${ports[listener]}`]);
        expect(seen.get('x-kept')).toEqual(['yes']);
        expect(seen.has('forwarded')).toBe(false);
        expect(seen.has('x-real-ip')).toBe(false);
        expect(seen.has('x-my-cert')).toBe(false);
        expect(seen.has('client-cert')).toBe(listener === 'mtls');
        expect(reply.json.thumbprint).toBe(listener === 'mtls' ? X5T_S256['client-a'] : null);
      },
    );

    it('removes hop-by-hop headers and those named in Connection', async () => {
      const reply = await call({
        port: ports.mtls,
        path: '/rfc9440/echo',
        headers: {
          connection: 'keep-alive, x-hop',
          'x-hop': '1',
          'keep-alive': 'timeout=5',
          te: 'trailers',
          'proxy-authorization': 'Basic Zm9yZ2Vk',
          'x-end-to-end': '1',
        },
      });
      const seen = headerMap(reply.json.rawHeaders);
      expect(seen.has('x-hop')).toBe(false);
      expect(seen.has('te')).toBe(false);
      expect(seen.has('proxy-authorization')).toBe(false);
      expect(seen.get('keep-alive')).toBeUndefined();
      expect(seen.get('x-end-to-end')).toEqual(['1']);
    });

    it('keeps repeated response headers (Set-Cookie)', async () => {
      const reply = await call({ port: ports.main, path: '/cookies' });
      expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    });

    it('uses a custom certificate header name, and strips client copies of it', async () => {
      const custom = await startFront({ format: 'der-base64', header: 'x-my-cert' });
      const forged = await call({
        port: custom.mtls,
        path: '/custom/echo',
        headers: { 'x-my-cert': pem('client-b').replace(/-----[^-]+-----|\s/g, '') },
      });
      expect(forged.json.thumbprint).toBeNull();
      const real = await call({ port: custom.mtls, path: '/custom/echo', client: 'client-a' });
      expect(real.json.thumbprint).toBe(X5T_S256['client-a']);
    });

    it('answers 431 itself when the client sends more than maxHeaderSize bytes of headers', async () => {
      const reply = await call({
        port: ports.main,
        path: '/rfc9440/echo',
        headers: { 'x-big': 'a'.repeat(9000) },
      });
      expect(reply.status).toBe(431);
    });
  });

  describe('chains and limits', () => {
    it('forwards the leaf only with forwardChain: false', async () => {
      const ports = await startFront({ forwardChain: false });
      const reply = await call({
        port: ports.mtls,
        path: '/rfc9440/echo',
        client: CLIENT_A_WITH_CHAIN,
      });
      expect(reply.json.thumbprint).toBe(X5T_S256['client-a']);
      expect(reply.json.chain).toEqual([]);
    });

    it('answers 400 to a chain longer than maxChainLength', async () => {
      const ports = await startFront({ maxChainLength: 1 });
      const reply = await call({
        port: ports.mtls,
        path: '/rfc9440/echo',
        client: { cert: pem('client-a-fullchain') + pem('root-ca'), key: key('client-a') },
      });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ error: 'client certificate chain too long' });
      const fits = await call({
        port: ports.mtls,
        path: '/rfc9440/echo',
        client: CLIENT_A_WITH_CHAIN,
      });
      expect(fits.json.chain).toEqual([X5T_S256['intermediate-ca']]);
    });

    it('answers 431 when the certificate headers exceed maxCertificateHeaderBytes', async () => {
      const ports = await startFront({ maxCertificateHeaderBytes: 600 });
      const reply = await call({
        port: ports.mtls,
        path: '/rfc9440/echo',
        client: CLIENT_A_WITH_CHAIN,
      });
      expect(reply.status).toBe(431);
      expect(reply.json).toEqual({ error: 'client certificate too large to forward' });
      const none = await call({ port: ports.mtls, path: '/rfc9440/echo' });
      expect(none.status).toBe(200);
    });
  });

  describe('bodies and failures', () => {
    let ports: { main: number; mtls: number };
    beforeAll(async () => {
      // long enough that a 3 MiB body on a loaded CI machine never idles out (it did at 200 ms),
      // short enough for the /hang test
      ports = await startFront({ upstreamTimeout: 1500 });
    });

    it('streams a large request body to the app', async () => {
      const body = pattern(2 * 1024 * 1024 + 3);
      const reply = await call({ port: ports.mtls, method: 'POST', path: '/upload', body });
      expect(reply.json).toEqual({ bytes: body.length, sha256: sha256(body) });
    });

    it('streams a large response body to the client', async () => {
      const reply = await call({ port: ports.main, path: '/download' });
      expect(reply.body.length).toBe(DOWNLOAD_BYTES);
      expect(sha256(reply.body)).toBe(sha256(pattern(DOWNLOAD_BYTES)));
    });

    it('answers 504 when the app does not answer within upstreamTimeout', async () => {
      const reply = await call({ port: ports.main, path: '/hang' });
      expect(reply.status).toBe(504);
      expect(reply.json).toEqual({ error: 'upstream timed out' });
      expect(reply.headers['cache-control']).toBe('no-store');
    });

    it('breaks the client connection when the app breaks off mid-response', async () => {
      const outcome = await new Promise<{ status: number; complete: boolean }>((resolve) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: ports.main,
            path: '/break',
            ca: pem('root-ca'),
            servername: 'localhost',
            agent: false,
          },
          (res) => {
            res.resume();
            res.on('error', () => {
              // reported through complete === false
            });
            res.on('close', () => {
              resolve({ status: res.statusCode ?? 0, complete: res.complete });
            });
          },
        );
        req.on('error', () => {
          resolve({ status: 0, complete: false });
        });
        req.end();
      });
      expect(outcome).toEqual({ status: 200, complete: false });
    });

    it('aborts the upstream request when the client goes away mid-body', async () => {
      const started = deferred<undefined>();
      const closed = deferred<boolean>();
      hooks.slowUpload = {
        started: () => {
          started.resolve(undefined);
        },
        closed: closed.resolve,
      };
      const req = httpsRequest({
        host: '127.0.0.1',
        port: ports.mtls,
        method: 'POST',
        path: '/slow-upload',
        ca: pem('root-ca'),
        servername: 'localhost',
        agent: false,
        headers: { 'content-length': '1000000' },
      });
      req.on('error', () => {
        // the client itself destroys the request
      });
      req.write(Buffer.alloc(1000));
      await started.promise;
      req.destroy();
      await expect(closed.promise).resolves.toBe(false);
    });
  });

  it('answers 502 when the app cannot be reached', async () => {
    const closedPort = await freePort();
    const front = createTlsFront({ upstream: `http://127.0.0.1:${closedPort}`, ...SERVER });
    fronts.push(front);
    const { main } = await front.listen({ main: { host: '127.0.0.1', port: 0 } });
    const reply = await call({ port: main?.port ?? 0, path: '/' });
    expect(reply.status).toBe(502);
    expect(reply.json).toEqual({ error: 'upstream unavailable' });
  });
});
