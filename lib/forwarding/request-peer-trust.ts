/**
 * The Express glue of proxy trust, shared by the middlewares that believe a forwarded header
 * (`clientCertificate()`, `proxyAssertedIdentity()`): read the app's `trust proxy` setting and
 * the immediate TCP peer from `req`, then ask {@link resolveTrust} and the trust function.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-4 | RFC 9440 §4}
 * @packageDocumentation
 */
import type { Request } from 'express';
import {
  normalizePeerAddress,
  resolveTrust,
  type TrustConfig,
  type UntrustedPeerReason,
} from './trust-proxy';

/** The app's `trust proxy` setting and its compiled function, as Express keeps them. */
export interface AppTrust {
  readonly setting: unknown;
  readonly fn: unknown;
}

/** A trust function's answer for one connection (a connection's peer never changes). */
export type PeerTrustMemo = WeakMap<object, { readonly fn: unknown; readonly trusted: boolean }>;

/** The Express app's `trust proxy` setting and its compiled function (none without an app). */
export function appTrust(req: Request): AppTrust | undefined {
  const app = req.app as Request['app'] | undefined;
  return app === undefined
    ? undefined
    : { fn: app.get('trust proxy fn'), setting: app.get('trust proxy') };
}

/**
 * Whether the immediate peer of `req` (`req.socket.remoteAddress`, never `X-Forwarded-For`) may
 * set a forwarded header: `undefined` when it may, otherwise why not. With `memo`, a trust
 * function is asked once per connection. Warnings are the caller's: each names its middleware.
 */
export function untrustedPeer(
  req: Request,
  config: TrustConfig,
  memo?: PeerTrustMemo,
): UntrustedPeerReason | undefined {
  const trust = resolveTrust(config, appTrust(req));
  if (trust.kind === 'any') return undefined;
  if (trust.kind === 'none') return trust.reason;
  const cached = memo?.get(req.socket);
  if (cached?.fn === trust.fn) {
    return cached.trusted ? undefined : 'untrusted_peer';
  }
  const answer: unknown = trust.fn(normalizePeerAddress(req.socket.remoteAddress), 0);
  const trusted = answer === true;
  memo?.set(req.socket, { fn: trust.fn, trusted });
  return trusted ? undefined : 'untrusted_peer';
}
