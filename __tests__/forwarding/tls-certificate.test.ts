import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ClientCertificate } from '../../lib';
import {
  createTlsCertificateReader,
  isTlsSocket,
  type TlsPeer,
} from '../../lib/forwarding/tls-certificate';
import { key, pem, X5T_S256 } from '../helpers/fixtures';
import { reasonOf } from './support/vectors';

interface Seen {
  certificate?: ClientCertificate | undefined;
  error?: string | undefined;
}

describe('createTlsCertificateReader (real TLS connections on 127.0.0.1)', () => {
  const servers: Server[] = [];
  let seen: Seen[] = [];

  async function serve(withCa: boolean, maxChainLength = 8): Promise<number> {
    const read = createTlsCertificateReader(maxChainLength);
    const server = createServer(
      {
        key: key('server'),
        cert: pem('server-fullchain'),
        requestCert: true,
        rejectUnauthorized: false,
        ...(withCa ? { ca: pem('root-ca') } : {}),
      },
      (req, res) => {
        const entry: Seen = {};
        try {
          entry.certificate = read(req.socket as unknown as TlsPeer);
        } catch (error) {
          entry.error = reasonOf(() => {
            throw error;
          });
        }
        seen.push(entry);
        res.end('ok');
      },
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  function call(
    port: number,
    client?: 'client-a' | 'self-signed' | 'client-a+root',
    agent?: Agent,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: pem('root-ca'),
          agent: agent ?? false,
          ...(client === undefined
            ? {}
            : client === 'self-signed'
              ? { key: key(client), cert: pem(client) }
              : {
                  key: key('client-a'),
                  cert:
                    pem('client-a-fullchain') + (client === 'client-a+root' ? pem('root-ca') : ''),
                }),
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  beforeEach(() => {
    seen = [];
  });

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reads the presented certificate and chain, authorized when Node verified it', async () => {
    await call(await serve(true), 'client-a');
    const certificate = seen[0]?.certificate;
    expect(certificate?.thumbprint).toBe(X5T_S256['client-a']);
    expect(certificate?.chain[0]?.thumbprint).toBe(X5T_S256['intermediate-ca']);
    expect(certificate?.source).toEqual({ type: 'tls', authorized: true });
  });

  it("reports authorized: false and Node's reason when the server has no matching ca", async () => {
    await call(await serve(false), 'client-a');
    expect(seen[0]?.certificate?.thumbprint).toBe(X5T_S256['client-a']);
    expect(seen[0]?.certificate?.source).toEqual({
      type: 'tls',
      authorized: false,
      authorizationError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    });
  });

  it('stops the chain at a self-signed certificate (its own issuer)', async () => {
    await call(await serve(false), 'self-signed');
    expect(seen[0]?.certificate?.thumbprint).toBe(X5T_S256['self-signed']);
    expect(seen[0]?.certificate?.chain).toEqual([]);
  });

  it('returns undefined when the client sent no certificate', async () => {
    await call(await serve(true));
    expect(seen).toEqual([{ certificate: undefined }]);
  });

  it('caches per socket: keep-alive requests get the same object', async () => {
    const port = await serve(true);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await call(port, 'client-a', agent);
      await call(port, 'client-a', agent);
      await call(port, undefined);
    } finally {
      agent.destroy();
    }
    expect(seen[0]?.certificate).toBeDefined();
    expect(seen[1]?.certificate).toBe(seen[0]?.certificate);
    expect(seen[2]?.certificate).toBeUndefined();
  });

  it('refuses a chain longer than maxChainLength (chain_too_long)', async () => {
    const port = await serve(true, 0);
    await call(port, 'client-a');
    await call(port, 'client-a+root');
    expect(seen.map((entry) => entry.error)).toEqual(['chain_too_long', 'chain_too_long']);
  });

  it('reads a presented root too, and stops at it', async () => {
    await call(await serve(true, 2), 'client-a+root');
    expect(seen[0]?.certificate?.chain.map((c) => c.thumbprint)).toEqual([
      X5T_S256['intermediate-ca'],
      X5T_S256['root-ca'],
    ]);
  });

  it('caches "no certificate" per socket too', async () => {
    const port = await serve(true);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await call(port, undefined, agent);
      await call(port, undefined, agent);
    } finally {
      agent.destroy();
    }
    expect(seen).toEqual([{ certificate: undefined }, { certificate: undefined }]);
  });
});

describe('TLS peer helpers', () => {
  it('isTlsSocket tells TLS sockets from plain ones', () => {
    expect(isTlsSocket({ encrypted: true })).toBe(true);
    expect(isTlsSocket({})).toBe(false);
  });

  it('a TLS peer without getPeerX509Certificate has no certificate', () => {
    expect(createTlsCertificateReader(8)({ encrypted: true })).toBeUndefined();
  });

  it('records an Error authorizationError by its message', async () => {
    const { X509Certificate } = await import('node:crypto');
    const peer: TlsPeer = {
      encrypted: true,
      authorized: false,
      authorizationError: new Error('CERT_HAS_EXPIRED'),
      getPeerX509Certificate: () => new X509Certificate(pem('client-b')),
    };
    expect(createTlsCertificateReader(8)(peer)?.source).toEqual({
      type: 'tls',
      authorized: false,
      authorizationError: 'CERT_HAS_EXPIRED',
    });
  });
});
