/**
 * Observability without a logging dependency: express-mtls publishes events on
 * `node:diagnostics_channel`. Subscribe with `diagnostics_channel.subscribe(name, fn)`.
 *
 * Messages never carry key material, tokens or whole certificates: certificates appear as their
 * thumbprint and names.
 *
 * @packageDocumentation
 */
import { channel } from 'node:diagnostics_channel';

/** Names of every channel express-mtls publishes on. */
export const DIAGNOSTICS_CHANNELS = Object.freeze({
  /** A forwarded or TLS certificate was read into `req.clientCert`. */
  certificateAccepted: 'express-mtls:certificate:accepted',
  /**
   * A request has no certificate: no header from the trusted proxy (with `otherHeader` and
   * `suggestion` when another known certificate header arrived instead), a value meaning "none",
   * or no TLS certificate.
   */
  certificateAbsent: 'express-mtls:certificate:absent',
  /** A certificate header was present but ignored (untrusted peer, proxy did not verify). */
  certificateIgnored: 'express-mtls:certificate:ignored',
  /** A certificate header was rejected as malformed, duplicated, too large or too long. */
  certificateRejected: 'express-mtls:certificate:rejected',
  /** `requireClientCertificate()` accepted a client. */
  clientAuthenticated: 'express-mtls:client:authenticated',
  /** `requireClientCertificate()` refused a certificate (with the precise reason). */
  clientRejected: 'express-mtls:client:rejected',
  /** `mtlsClientAuthentication()` outcome at a token endpoint. */
  oauthClient: 'express-mtls:oauth-client',
  /** `requireCertificateBoundToken()` outcome. */
  token: 'express-mtls:token',
  /** A one-time configuration warning (for example: no trusted proxy configured). */
  warning: 'express-mtls:warning',
} as const);

/** A channel name from {@link DIAGNOSTICS_CHANNELS}. */
export type DiagnosticsChannelName =
  (typeof DIAGNOSTICS_CHANNELS)[keyof typeof DIAGNOSTICS_CHANNELS];

const channels = new Map<string, ReturnType<typeof channel>>();

/** Publishes `message` on `name` when anyone listens (no cost otherwise). */
export function publish(name: DiagnosticsChannelName, message: () => object): void {
  let ch = channels.get(name);
  if (ch === undefined) {
    ch = channel(name);
    channels.set(name, ch);
  }
  if (ch.hasSubscribers) ch.publish(message());
}
