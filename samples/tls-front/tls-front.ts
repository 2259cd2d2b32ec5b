/**
 * A small TLS terminator in Node: the "extract the certificate in a front proxy and forward it in
 * a header" pattern, for when there is no nginx or Envoy in front of the app. It answers HTTPS on
 * two listeners and forwards every request over plain HTTP to one upstream app:
 *
 * - the **main** listener never requests a client certificate (browsers never see a certificate
 *   picker there);
 * - the **MTLS** listener requests one (`requestCert: true, rejectUnauthorized: false`: any
 *   certificate, self-signed included, gets through; the app decides) and forwards it in the
 *   chosen format with the library's `encodeForwardedCertificate()`, so that
 *   `clientCertificate({ format })` reads back exactly what the client presented.
 *
 * On both, every header a client could use to claim a certificate or an origin is removed first.
 * Bodies are streamed both ways; an unreachable or failing upstream gives `502`, a silent one
 * `504`; a client that goes away aborts the upstream request. WebSocket upgrades and HTTP/2 are
 * not supported. A sample: in your own code import from `'express-mtls'` instead of `'../../lib'`.
 *
 * @packageDocumentation
 */
import type { X509Certificate } from 'node:crypto';
import {
  Agent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ClientCertificate, encodeForwardedCertificate, type BuiltInFormat } from '../../lib';

/** Options of {@link createTlsFront}. */
export interface TlsFrontOptions {
  /** The app, as an `http:` origin such as `http://127.0.0.1:3000`. Required. */
  readonly upstream: string;
  /** The server's private key (PEM). Required. */
  readonly key: string | Buffer;
  /** The server's certificate followed by its intermediates (PEM). Required. */
  readonly cert: string | Buffer;
  /**
   * CA certificates named in the MTLS listener's certificate request (a hint for clients that
   * pick among several certificates). The front verifies nothing either way. Default: none.
   */
  readonly ca?: string | Buffer | readonly (string | Buffer)[] | undefined;
  /** How the certificate is forwarded: a `clientCertificate()` format. Default: `'rfc9440'`. */
  readonly format?: BuiltInFormat | undefined;
  /** The certificate header's name. Default: the format's conventional header. */
  readonly header?: string | undefined;
  /** The chain header's name (`rfc9440`). Default: `client-cert-chain`. */
  readonly chainHeader?: string | undefined;
  /** Forward the intermediates the client presented after its certificate. Default: `true`. */
  readonly forwardChain?: boolean | undefined;
  /** The most certificates after the leaf; a longer chain is answered `400`. Default: `8`. */
  readonly maxChainLength?: number | undefined;
  /**
   * The most bytes of request headers a client may send (Node's `maxHeaderSize`; Node answers
   * `431`). Default: `8192`, which leaves room for the certificate header in the app's 16 KiB.
   */
  readonly maxHeaderSize?: number | undefined;
  /** The most bytes of forwarded certificate headers; more is answered `431`. Default: `8192`. */
  readonly maxCertificateHeaderBytes?: number | undefined;
  /** More request headers to remove (lower-case), besides the built-in list. Default: none. */
  readonly stripHeaders?: readonly string[] | undefined;
  /** Milliseconds of upstream inactivity before the request fails with `504`. Default: `30000`. */
  readonly upstreamTimeout?: number | undefined;
}

/** Where one listener listens. */
export interface ListenAddress {
  readonly host: string;
  /** `0` lets the system pick a free port. */
  readonly port: number;
}

/** A created front: two HTTPS servers (not yet listening) sharing one upstream. */
export interface TlsFront {
  /** Never requests a client certificate. */
  readonly main: Server;
  /** Requests a client certificate and forwards it. */
  readonly mtls: Server;
  /** Starts the listeners given (at least one); resolves with their addresses. */
  listen(addresses: {
    readonly main?: ListenAddress | undefined;
    readonly mtls?: ListenAddress | undefined;
  }): Promise<{ main?: AddressInfo; mtls?: AddressInfo }>;
  /** Stops both listeners, closes every connection and the upstream pool. */
  close(): Promise<void>;
}

/**
 * Request headers removed before forwarding, whatever their value: the certificate headers of
 * every format `clientCertificate()` reads, proxies' verification verdicts, and the origin
 * headers this front sets itself. Names starting with `x-forwarded-` or `x-amzn-mtls-` go too.
 */
export const STRIPPED_HEADERS: readonly string[] = Object.freeze([
  'x-ssl-cert',
  'x-ssl-client-cert',
  'x-ssl-client-verify',
  'x-client-cert',
  'x-client-cert-verify',
  'x-client-cert-chain',
  'client-cert',
  'client-cert-chain',
  'x-arr-clientcert',
  'ssl-client-cert',
  'forwarded',
  'x-real-ip',
]);
const STRIPPED_PREFIXES = ['x-forwarded-', 'x-amzn-mtls-'];
/** Hop-by-hop headers (RFC 9110 §7.6.1), never forwarded in either direction. */
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);
const KNOWN_OPTIONS = new Set<string>([
  'upstream',
  'key',
  'cert',
  'ca',
  'format',
  'header',
  'chainHeader',
  'forwardChain',
  'maxChainLength',
  'maxHeaderSize',
  'maxCertificateHeaderBytes',
  'stripHeaders',
  'upstreamTimeout',
]);
const FACTORY = 'createTlsFront()';

/** Why a request is answered by the front itself. */
class FrontError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${FACTORY}: "${name}" must be a positive integer.`);
  }
  return value;
}

function upstreamUrl(value: unknown): URL {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (url?.protocol !== 'http:' || url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new TypeError(
      `${FACTORY}: "upstream" must be an http: origin such as "http://127.0.0.1:3000".`,
    );
  }
  return url;
}

/** The leaf's DER and, when wanted, the DER of each certificate Node reports after it. */
function presentedChain(leaf: X509Certificate, withChain: boolean, max: number): Buffer[] {
  const ders = [leaf.raw];
  for (let next = leaf.issuerCertificate; withChain && next !== undefined;) {
    const der = next.raw;
    if (ders.some((seen) => seen.equals(der))) break;
    if (ders.length > max) throw new FrontError(400, 'client certificate chain too long');
    ders.push(der);
    next = next.issuerCertificate;
  }
  return ders;
}

function sendError(res: ServerResponse, error: FrontError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: error.message });
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** Names listed in `Connection` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(value: string | undefined): Set<string> {
  return new Set(
    (value ?? '')
      .toLowerCase()
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token !== ''),
  );
}

/**
 * Creates a Node TLS front for one upstream app (see the module description). Call
 * `listen({ main, mtls })` to start it; point the app's `clientCertificate({ format,
 * trustProxy })` at the address the front connects from (`127.0.0.1` on one host).
 *
 * @throws {TypeError} on invalid options, or an unusable key or certificate.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440 | RFC 9440}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-6.5 | RFC 8705 §6.5}
 */
export function createTlsFront(options: TlsFrontOptions): TlsFront {
  const given: unknown = options;
  if (typeof given !== 'object' || given === null) {
    throw new TypeError(`${FACTORY}: pass an options object.`);
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) throw new TypeError(`${FACTORY}: unknown option "${name}".`);
  }
  const upstream = upstreamUrl(options.upstream);
  const format = options.format ?? 'rfc9440';
  const encodeOptions = { header: options.header, chainHeader: options.chainHeader };
  // Validates the format and header names now, and names the headers this front sets.
  const serverCertificate = ClientCertificate.from(options.cert.toString());
  const sample = encodeForwardedCertificate(
    ClientCertificate.from(serverCertificate.der, { chain: [serverCertificate.der] }),
    format,
    encodeOptions,
  );
  const forwardChain = options.forwardChain ?? true;
  if (typeof forwardChain !== 'boolean') {
    throw new TypeError(`${FACTORY}: "forwardChain" must be a boolean.`);
  }
  const maxChainLength = positiveInteger('maxChainLength', options.maxChainLength, 8);
  const maxHeaderSize = positiveInteger('maxHeaderSize', options.maxHeaderSize, 8192);
  const maxCertificateBytes = positiveInteger(
    'maxCertificateHeaderBytes',
    options.maxCertificateHeaderBytes,
    8192,
  );
  const upstreamTimeout = positiveInteger('upstreamTimeout', options.upstreamTimeout, 30_000);
  const extra: unknown = options.stripHeaders ?? [];
  if (!Array.isArray(extra) || !extra.every((h) => typeof h === 'string')) {
    throw new TypeError(`${FACTORY}: "stripHeaders" must be an array of header names.`);
  }
  const stripped = new Set([
    ...STRIPPED_HEADERS,
    ...Object.keys(sample),
    ...extra.map((h: string) => h.toLowerCase()),
  ]);
  const isStripped = (name: string): boolean =>
    stripped.has(name) ||
    HOP_BY_HOP.has(name) ||
    STRIPPED_PREFIXES.some((prefix) => name.startsWith(prefix));

  const agent = new Agent({ keepAlive: true });
  const certificates = new WeakMap<TLSSocket, Record<string, string>>();

  const certificateHeaders = (socket: TLSSocket): Record<string, string> => {
    const cached = certificates.get(socket);
    if (cached !== undefined) return cached;
    const leaf = socket.getPeerX509Certificate();
    let headers: Record<string, string> = {};
    if (leaf !== undefined) {
      const [der, ...chain] = presentedChain(leaf, forwardChain, maxChainLength) as [
        Buffer,
        ...Buffer[],
      ];
      headers = encodeForwardedCertificate(
        ClientCertificate.from(der, { chain }),
        format,
        encodeOptions,
      );
      const bytes = Object.entries(headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
      if (bytes > maxCertificateBytes) {
        throw new FrontError(431, 'client certificate too large to forward');
      }
    }
    certificates.set(socket, headers);
    return headers;
  };

  const upstreamHeaders = (
    req: IncomingMessage,
    certificate: Readonly<Record<string, string>>,
  ): string[] => {
    const hopByHop = connectionTokens(req.headers.connection);
    const headers: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      const lower = name.toLowerCase();
      if (!isStripped(lower) && !hopByHop.has(lower)) {
        headers.push(name, req.rawHeaders[i + 1] as string);
      }
    }
    if (req.headers.host === undefined) headers.push('host', upstream.host);
    headers.push(
      'x-forwarded-for',
      req.socket.remoteAddress ?? '',
      'x-forwarded-proto',
      'https',
      'x-forwarded-host',
      req.headers.host ?? '',
    );
    for (const [name, value] of Object.entries(certificate)) headers.push(name, value);
    return headers;
  };

  const handler =
    (requestsCertificates: boolean) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      let certificate: Record<string, string> = {};
      try {
        if (requestsCertificates)
          certificate = certificateHeaders(req.socket as unknown as TLSSocket);
      } catch (error) {
        req.resume();
        sendError(
          res,
          error instanceof FrontError
            ? error
            : new FrontError(400, 'client certificate cannot be forwarded'),
        );
        return;
      }
      const proxied = httpRequest({
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: upstreamHeaders(req, certificate),
        setHost: false,
        agent,
        timeout: upstreamTimeout,
      });
      let failed = false;
      const fail = (error: FrontError): void => {
        if (failed) return;
        failed = true;
        proxied.destroy();
        req.resume();
        sendError(res, error);
      };
      proxied.on('timeout', () => {
        fail(new FrontError(504, 'upstream timed out'));
      });
      proxied.on('error', () => {
        fail(new FrontError(502, 'upstream unavailable'));
      });
      proxied.on('response', (answer: IncomingMessage) => {
        const headers: string[] = [];
        const hopByHop = connectionTokens(answer.headers.connection);
        for (let i = 0; i < answer.rawHeaders.length; i += 2) {
          const name = (answer.rawHeaders[i] as string).toLowerCase();
          if (!HOP_BY_HOP.has(name) && !hopByHop.has(name)) {
            headers.push(answer.rawHeaders[i] as string, answer.rawHeaders[i + 1] as string);
          }
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
        pipeline(answer, res, () => {
          // A client that went away, or an upstream that broke off: both ends are destroyed.
        });
      });
      res.on('close', () => {
        if (!res.writableFinished) proxied.destroy();
      });
      pipeline(req, proxied, () => {
        // Errors are reported on `proxied` ('error') and handled above.
      });
    };

  const tls = {
    key: options.key,
    cert: options.cert,
    minVersion: 'TLSv1.2',
    maxHeaderSize,
  } as const;
  const main = createServer({ ...tls }, handler(false));
  const mtls = createServer(
    {
      ...tls,
      requestCert: true,
      rejectUnauthorized: false,
      ...(options.ca === undefined
        ? {}
        : { ca: options.ca as string | Buffer | (string | Buffer)[] }),
    },
    handler(true),
  );

  const listenOne = (server: Server, address: ListenAddress): Promise<AddressInfo> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve(server.address() as AddressInfo);
      });
    });
  const closeOne = (server: Server): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => {
        resolve();
      });
      server.closeAllConnections();
    });

  return {
    main,
    mtls,
    async listen(addresses) {
      if (addresses.main === undefined && addresses.mtls === undefined) {
        throw new TypeError('TlsFront.listen(): give a main and/or an mtls address.');
      }
      const result: { main?: AddressInfo; mtls?: AddressInfo } = {};
      try {
        if (addresses.main !== undefined) result.main = await listenOne(main, addresses.main);
        if (addresses.mtls !== undefined) result.mtls = await listenOne(mtls, addresses.mtls);
      } catch (error) {
        await Promise.all([closeOne(main), closeOne(mtls)]);
        throw error;
      }
      return result;
    },
    async close() {
      await Promise.all([closeOne(main), closeOne(mtls)]);
      agent.destroy();
    },
  };
}
