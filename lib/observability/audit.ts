/**
 * `auditMtls()`: one sanitised audit record per authentication decision, handed to a sink (a
 * SIEM shipper, a logger). The same records are published on `express-mtls:audit`.
 *
 * @packageDocumentation
 */
import { warnOnce } from '../warnings';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Request } from 'express';
import { DECISION_CHANNEL } from '../diagnostics';
import type { Decision } from '../decision-event';
import { checkOptions } from '../internal/options';
import { auditRecord, defaultRequestId, isAudited, type AuditRecord } from '../audit-record';

const FACTORY = 'auditMtls()';

/** Options of {@link auditMtls}. */
export interface AuditMtlsOptions {
  /**
   * Receives each {@link AuditRecord}. Called synchronously after the decision; an exception
   * is swallowed (one `ExpressMtlsWarning`, code `MTLS_AUDIT_SINK_FAILED`), never the request's.
   */
  readonly sink: (record: AuditRecord) => void;
  /**
   * The request id of a record. Default: the `X-Request-Id` header (as sent by the client
   * unless the proxy sets it). The value is sanitised like every field.
   */
  readonly requestId?: ((req: Request) => string | undefined) | undefined;
}

/** A running subscription; `disable()` (or `using`) stops it. Idempotent. */
export interface MtlsSubscription {
  /** Stops the subscription. */
  disable(): void;
  /** Same as `disable()`, for `using`. */
  [Symbol.dispose](): void;
}

/** Turns `stop` into an idempotent {@link MtlsSubscription}. */
export function subscription(stop: () => void): MtlsSubscription {
  let active = true;
  const disable = (): void => {
    if (!active) return;
    active = false;
    stop();
  };
  return { disable, [Symbol.dispose]: disable };
}

/**
 * Hands one {@link AuditRecord} per authentication decision to `sink`: who (certificate
 * `thumbprint`, `subject`, `issuer`, `clientId`, token `sub`), what (`middleware`), `outcome`,
 * `reason`, `code` and `requestId`. Every text is sanitised (non-printable-ASCII escaped, long
 * values clipped): certificate names and `client_id` are chosen by the client.
 * `clientCertificate()` contributes its refusals only (a malformed or forged header).
 *
 * @example
 * ```ts
 * const audit = auditMtls({ sink: (record) => siemLogger.info(record) });
 * // on shutdown: audit.disable();
 * ```
 * @throws {TypeError} when `sink` (or `requestId`) is not a function.
 */
export function auditMtls(options: AuditMtlsOptions): MtlsSubscription {
  const o = checkOptions(FACTORY, options, ['sink', 'requestId']);
  if (typeof o.sink !== 'function') {
    throw new TypeError(`${FACTORY}: "sink" is required: a function (record) => void.`);
  }
  if (o.requestId !== undefined && typeof o.requestId !== 'function') {
    throw new TypeError(`${FACTORY}: "requestId" must be a function (req) => string | undefined.`);
  }
  const { sink, requestId } = o;
  let warned = false;
  const failed = (what: string, error: unknown): void => {
    if (warned) return;
    warned = true;
    const message = `${FACTORY}: the ${what} threw (${error instanceof Error ? error.name : typeof error}); audit records may be lost.`;
    warnOnce('MTLS_AUDIT_SINK_FAILED', message);
  };
  const idOf = (req: Request): unknown => {
    if (requestId === undefined) return defaultRequestId(req);
    try {
      return requestId(req);
    } catch (error) {
      failed('requestId function', error);
      return undefined;
    }
  };
  const onDecision = (message: unknown): void => {
    const decision = message as Decision;
    if (!isAudited(decision)) return;
    try {
      sink(auditRecord(decision, idOf(decision.request)));
    } catch (error) {
      failed('sink', error);
    }
  };
  subscribe(DECISION_CHANNEL, onDecision);
  return subscription(() => unsubscribe(DECISION_CHANNEL, onDecision));
}
