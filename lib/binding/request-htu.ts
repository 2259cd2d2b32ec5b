/**
 * The Express glue of the DPoP `htu` (RFC 9449 §4.3): reads the request target, `Host`, the TLS
 * flag and — only from a trusted proxy — `X-Forwarded-Proto`/`-Host` off `req`, and hands them
 * to the pure `requestHtu()`.
 *
 * @packageDocumentation
 */
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import { normalizeHtu, requestHtu } from '../dpop/htu';
import { untrustedPeer, type PeerTrustMemo } from '../forwarding/request-peer-trust';
import type { TrustConfig } from '../forwarding/trust-proxy';
import { headerLines } from '../internal/header-lines';
import { warnOnce } from '../warnings';
import type { PublicUrlSetting } from './sender-constrained-options';

const FROM_HOST =
  "requireSenderConstrainedToken(): dpop.publicUrl is not set, so a DPoP proof's htu is checked " +
  "against the request's Host header (or X-Forwarded-Host from a trusted proxy), which the " +
  'client writes: a proof made for another server, with a token this API also accepts, passes ' +
  "here once. Set dpop.publicUrl to this API's public base URL.";

/** The middlewares that already reported reading `htu` from `Host` (one check per request). */
const warned = new WeakSet<HtuSettings>();

/** What the `htu` of a request depends on, resolved once per middleware. */
export interface HtuSettings {
  readonly publicUrl: PublicUrlSetting;
  readonly trust: TrustConfig;
}

/**
 * The request's `htu`, or `undefined` when it cannot be known (the proof is then refused as
 * `htu`): `publicUrl(req)` normalised, or `publicUrl`'s base with the request path, or the
 * connection's scheme and the one `Host` header — replaced by `X-Forwarded-Proto`/`-Host` only
 * when the immediate peer is a trusted proxy (warning `MTLS_DPOP_HTU_FROM_HOST` once: the client
 * writes those). A repeated `Host`, or a `publicUrl` function that throws or returns something
 * that is not an absolute http(s) URL, gives `undefined`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-4.3 | RFC 9449 §4.3}
 */
export function requestHtuOf(
  req: Request,
  settings: HtuSettings,
  memo: PeerTrustMemo,
): string | undefined {
  const { publicUrl } = settings;
  if (typeof publicUrl === 'function') {
    try {
      return normalizeHtu(publicUrl(req));
    } catch {
      return undefined;
    }
  }
  if (publicUrl === undefined && !warned.has(settings)) {
    warned.add(settings);
    warnOnce('MTLS_DPOP_HTU_FROM_HOST', FROM_HOST);
  }
  const host = headerLines(req, 'host');
  const forwardedProto = req.headers['x-forwarded-proto'];
  const forwardedHost = req.headers['x-forwarded-host'];
  const forwarded = forwardedProto !== undefined || forwardedHost !== undefined;
  return requestHtu(
    {
      target: req.originalUrl,
      host: host?.length === 1 ? host[0] : undefined,
      encrypted: (req.socket as Partial<TLSSocket>).encrypted === true,
      trustForwarded:
        publicUrl === undefined &&
        forwarded &&
        untrustedPeer(req, settings.trust, memo) === undefined,
      forwardedProto: typeof forwardedProto === 'string' ? forwardedProto : undefined,
      forwardedHost: typeof forwardedHost === 'string' ? forwardedHost : undefined,
    },
    publicUrl,
  );
}
