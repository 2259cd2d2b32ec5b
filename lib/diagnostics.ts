/**
 * Observability without a logging dependency: express-mtls publishes events on
 * `node:diagnostics_channel`. Subscribe with `diagnostics_channel.subscribe(name, fn)`.
 *
 * Messages never carry key material, tokens or whole certificates: certificates appear as their
 * thumbprint and names.
 *
 * @packageDocumentation
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { Request } from 'express';
import { auditRecord, defaultRequestId, isAudited } from './audit-record';
import type { Decision, MiddlewareName } from './decision-event';

export type { Decision, DecisionOutcome, MiddlewareName } from './decision-event';

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
  /**
   * One structured, sanitised {@link AuditRecord} per authentication decision (who, what,
   * outcome, reason, request id): the stream to ship to a SIEM.
   */
  audit: 'express-mtls:audit',
  /** A lookup in one of the caches: `{ cache, hit }` (`certificate`, `chain`, `token`, `jwks_key`). */
  cache: 'express-mtls:cache',
  /**
   * A `TracingChannel` (`tracing:express-mtls:dependency:start`, `…:end`, `…:asyncStart`,
   * `…:asyncEnd`, `…:error`) around each call to a dependency: `{ dependency }` with
   * `jwks`, `introspection`, `ocsp`, `crl`, `client_registry`, `client_jwks` or `replay_store`.
   */
  dependency: 'express-mtls:dependency',
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

/** What an adapter says about a decision; the rest is filled in by {@link publishDecision}. */
export interface DecisionInit {
  /** The error passed to `next()`; its `status`, `code` and `reason` classify the outcome. */
  readonly error?: unknown;
  readonly outcome?: 'skipped' | undefined;
  readonly authenticated?: boolean | undefined;
  readonly clientId?: unknown;
  readonly subject?: unknown;
  readonly warm?: boolean | undefined;
}

/** @internal The channel of {@link Decision}s. */
export const DECISION_CHANNEL = 'express-mtls:internal:decision';
const decisions = channel(DECISION_CHANNEL);
const audits = channel(DIAGNOSTICS_CHANNELS.audit);
const caches = channel(DIAGNOSTICS_CHANNELS.cache);
const dependencies = tracingChannel(DIAGNOSTICS_CHANNELS.dependency);

/** The start time of a decision nobody listened to when it started: it gets no duration. */
export const UNTIMED = -1;

/**
 * The clock of decision timings: `performance.now()` when the decision channels have
 * subscribers, else {@link UNTIMED} (no clock read per request without instrumentation).
 */
export const decisionClock: () => number = () =>
  decisions.hasSubscribers || audits.hasSubscribers ? performance.now() : UNTIMED;

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Publishes the decision `middleware` took on `req` (started at `startTime`) on the internal
 * decision channel and, as an {@link AuditRecord}, on `express-mtls:audit`; nothing is built
 * when neither has subscribers.
 */
export function publishDecision(
  middleware: MiddlewareName,
  req: Request,
  startTime: number,
  init: DecisionInit,
): void {
  if (!decisions.hasSubscribers && !audits.hasSubscribers) return;
  const error = init.error as { code?: unknown; status?: unknown; reason?: unknown } | undefined;
  const status = typeof error?.status === 'number' ? error.status : 500;
  const decision: Decision = {
    middleware,
    outcome:
      init.outcome ?? (error === undefined ? 'accepted' : status >= 500 ? 'error' : 'rejected'),
    code: text(error?.code),
    reason: text(error?.reason),
    request: req,
    certificate: req.clientCert,
    authenticated: init.authenticated === true,
    clientId: text(init.clientId),
    subject: text(init.subject),
    startTime,
    durationMs: startTime === UNTIMED ? 0 : performance.now() - startTime,
    warm: init.warm,
  };
  if (decisions.hasSubscribers) decisions.publish(decision);
  if (audits.hasSubscribers && isAudited(decision)) {
    audits.publish(auditRecord(decision, defaultRequestId(req)));
  }
}

/** A dependency express-mtls calls. */
export type DependencyName =
  'jwks' | 'introspection' | 'ocsp' | 'crl' | 'client_registry' | 'client_jwks' | 'replay_store';

/** The context object of the dependency `TracingChannel`. */
export interface DependencyCall<T = unknown> {
  readonly dependency: DependencyName;
  /** Says whether a resolved `result` is a failure (an outcome object rather than a throw). */
  readonly failed?: ((result: T) => boolean) | undefined;
  result?: T;
  error?: unknown;
}

/** Runs `call` inside the dependency `TracingChannel` (a plain call when nobody listens). */
export function traceDependency<T>(
  dependency: DependencyName,
  call: () => Promise<T>,
  failed?: (result: T) => boolean,
): Promise<T> {
  if (!dependencies.hasSubscribers) return call();
  const context: DependencyCall<T> = { dependency, failed };
  // a promise of this realm (tracePromise's comes from Node's core realm, which differs under vm)
  return Promise.resolve(dependencies.tracePromise(call, context));
}

/** The caches that report lookups. */
export type CacheName = 'certificate' | 'chain' | 'token' | 'jwks_key';

const CACHE_EVENTS = new Map<string, Readonly<{ cache: CacheName; hit: boolean }>>();
for (const cache of ['certificate', 'chain', 'token', 'jwks_key'] as const) {
  CACHE_EVENTS.set(`${cache}:1`, Object.freeze({ cache, hit: true }));
  CACHE_EVENTS.set(`${cache}:0`, Object.freeze({ cache, hit: false }));
}

/** Publishes a cache lookup on `express-mtls:cache` (no allocation). */
export function publishCache(cache: CacheName, hit: boolean): void {
  if (caches.hasSubscribers) caches.publish(CACHE_EVENTS.get(`${cache}:${hit ? 1 : 0}`));
}
