import type { X509Certificate } from 'node:crypto';
import type { ClientCertificate, CertificateSource } from '../certificate';
import { buildCertificate } from './build-certificate';

/** The parts of a `tls.TLSSocket` read here. */
export interface TlsPeer {
  readonly encrypted?: boolean;
  readonly authorized?: boolean;
  readonly authorizationError?: Error | string | null;
  getPeerX509Certificate?: () => X509Certificate | undefined;
}

/** Whether the request's socket is a TLS socket (Node terminates TLS itself). */
export function isTlsSocket(socket: object): socket is TlsPeer {
  return (socket as TlsPeer).encrypted === true;
}

/**
 * Creates a reader of the certificate a TLS peer presented, with the chain as Node's TLS layer
 * reports it (the presented certificates, possibly completed by Node from its `ca`); it returns
 * `undefined` when the peer sent none. `source.authorized` / `source.authorizationError` say
 * whether Node verified it against the server's `ca` (with `requestCert: true,
 * rejectUnauthorized: false` an unverified certificate still arrives here). Results are cached
 * per socket, so keep-alive requests reuse them.
 *
 * The reader throws {@link ForwardedCertificateError} `chain_too_long` (or a structural error).
 *
 * @see {@link https://nodejs.org/api/tls.html#tlssocketgetpeerx509certificate | Node: getPeerX509Certificate()}
 */
export function createTlsCertificateReader(
  maxChainLength: number,
): (socket: TlsPeer) => ClientCertificate | undefined {
  const bySocket = new WeakMap<object, ClientCertificate | null>();
  return (socket) => {
    const cached = bySocket.get(socket);
    if (cached !== undefined) return cached ?? undefined;
    const certificate = readPeerCertificate(socket, maxChainLength);
    bySocket.set(socket, certificate ?? null);
    return certificate;
  };
}

function readPeerCertificate(
  socket: TlsPeer,
  maxChainLength: number,
): ClientCertificate | undefined {
  const leaf = socket.getPeerX509Certificate?.();
  if (leaf === undefined) return undefined;
  const ders: Buffer[] = [];
  let current: X509Certificate | undefined = leaf;
  while (current !== undefined && ders.length <= maxChainLength + 1) {
    ders.push(current.raw);
    current = current.issuerCertificate;
  }
  const error = socket.authorizationError;
  const source: CertificateSource =
    socket.authorized === true || error === undefined || error === null
      ? { type: 'tls', authorized: socket.authorized === true }
      : {
          type: 'tls',
          authorized: false,
          authorizationError: typeof error === 'string' ? error : error.message,
        };
  return buildCertificate(ders, source, maxChainLength);
}
