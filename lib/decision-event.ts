/**
 * The decision event: what a middleware publishes about each decision, for `instrumentMtls()`
 * and `auditMtls()`. Types only, so that `audit-record.ts` (which turns it into an audit record)
 * depends on this module and not on `diagnostics.ts`, which publishes both.
 *
 * @packageDocumentation
 */
import type { Request } from 'express';
import type { ClientCertificate } from './certificate';

/** A middleware that publishes decisions. */
export type MiddlewareName =
  | 'clientCertificate'
  | 'requireClientCertificate'
  | 'mtlsClientAuthentication'
  | 'requireCertificateBoundToken'
  | 'requireSenderConstrainedToken'
  | 'requireScopes';

/** How a decision ended: `error` is a 5xx (dependency down, misconfiguration). */
export type DecisionOutcome = 'accepted' | 'rejected' | 'error' | 'skipped';

/**
 * One decision of one middleware, as the observability layer sees it (internal channel; it
 * carries the request, so it is not part of `DIAGNOSTICS_CHANNELS`).
 */
export interface Decision {
  readonly middleware: MiddlewareName;
  readonly outcome: DecisionOutcome;
  readonly code: string | undefined;
  readonly reason: string | undefined;
  readonly request: Request;
  /** The certificate the decision was about (`req.clientCert`). */
  readonly certificate: ClientCertificate | undefined;
  /** Whether the certificate was authenticated by this decision (chain, pin, or token binding). */
  readonly authenticated: boolean;
  readonly clientId: string | undefined;
  readonly subject: string | undefined;
  /**
   * `performance.now()` when the middleware started, or `UNTIMED` (negative) when nobody
   * listened then: the decision has no duration (`durationMs` is `0`).
   */
  readonly startTime: number;
  readonly durationMs: number;
  /** `true` when answered from caches alone, `false` after a cache miss; unknown otherwise. */
  readonly warm: boolean | undefined;
}
