/**
 * The audit record: one structured, sanitised line per authentication decision, built from a
 * {@link Decision}. What a SIEM receives; no token, key or whole certificate ever goes in it.
 * It sits beside `diagnostics.ts`, which builds a record per audited decision, so that the
 * dependency points down; `observability/audit.ts` builds them too, for `auditMtls()` sinks.
 *
 * @packageDocumentation
 */
import { escapeUntrusted } from './internal/sanitize';
import type { Request } from 'express';
import type { Decision, DecisionOutcome, MiddlewareName } from './decision-event';

/**
 * One authentication decision, as published on `express-mtls:audit` and handed to the
 * `auditMtls()` sink. Every text field is sanitised: characters outside printable ASCII (and
 * `\`) are escaped as `\u{…}` (`\\` for a backslash), and long values are clipped with `...`.
 * Fields that do not apply are absent.
 */
export interface AuditRecord {
  /** Schema version of this record: `1`. */
  readonly version: 1;
  /** When the decision was taken (ISO 8601, UTC). */
  readonly time: string;
  /** From the `X-Request-Id` header, or the `requestId` function of `auditMtls()`. */
  readonly requestId?: string;
  /** What decided. */
  readonly middleware: MiddlewareName;
  /** How it ended (`error`: a 5xx, for example a dependency down). */
  readonly outcome: DecisionOutcome;
  /** The stable `ERR_MTLS_…` code of a refusal. */
  readonly code?: string;
  /** The precise reason of a refusal (`expired`, `binding_mismatch`, …). */
  readonly reason?: string;
  /** The client certificate's `x5t#S256` (base64url SHA-256 of the DER). */
  readonly thumbprint?: string;
  /** The client certificate's subject (RFC 4514). */
  readonly subject?: string;
  /** The client certificate's issuer (RFC 4514). */
  readonly issuer?: string;
  /** The OAuth `client_id` (token endpoint: from the request; resource server: from the token). */
  readonly clientId?: string;
  /** The access token's `sub` claim. */
  readonly sub?: string;
  /** How long the decision took, in milliseconds. */
  readonly durationMs: number;
}

/** Longest text field kept in an audit record, in characters. */
export const AUDIT_MAX_LENGTH = 256;

/** The default request id: the `X-Request-Id` header, when there is exactly one. */
export function defaultRequestId(req: Request): string | undefined {
  const value = req.headers['x-request-id'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function certificateField(
  decision: Decision,
  read: (c: NonNullable<Decision['certificate']>) => string,
): string | undefined {
  const certificate = decision.certificate;
  if (certificate === undefined) return undefined;
  try {
    return read(certificate);
  } catch {
    return undefined;
  }
}

/** Whether `decision` is audited: every one but `clientCertificate()` reading a certificate. */
export function isAudited(decision: Decision): boolean {
  return decision.middleware !== 'clientCertificate' || decision.outcome !== 'accepted';
}

/** Builds the sanitised {@link AuditRecord} of `decision`. */
export function auditRecord(decision: Decision, requestId: unknown): AuditRecord {
  const fields: Record<string, string | undefined> = {
    requestId: typeof requestId === 'string' ? requestId : undefined,
    code: decision.code,
    reason: decision.reason,
    thumbprint: decision.certificate?.thumbprint,
    subject: certificateField(decision, (c) => c.subject),
    issuer: certificateField(decision, (c) => c.issuer),
    clientId: decision.clientId,
    sub: decision.subject,
  };
  const record: Record<string, unknown> = {
    version: 1,
    time: new Date().toISOString(),
    middleware: decision.middleware,
    outcome: decision.outcome,
    durationMs: Math.round(decision.durationMs * 1000) / 1000,
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) record[name] = escapeUntrusted(value, AUDIT_MAX_LENGTH);
  }
  return record as unknown as AuditRecord;
}
