/**
 * How the token middlewares report a token decision: `next(err)` or `req.auth`, the decision
 * event, the `express-mtls:token` diagnostics channel (thumbprints and reason, never the token),
 * and the once-only `MTLS_NO_BODY_PARSER` warning. One reporter per middleware.
 *
 * @packageDocumentation
 */
import type { NextFunction, Request, Response } from 'express';
import type { MiddlewareName } from '../decision-event';
import { DIAGNOSTICS_CHANNELS, publish, publishDecision } from '../diagnostics';
import { escapeUntrusted } from '../internal/sanitize';
import { warnOnce } from '../warnings';
import { setRequestRealm } from './request-realm';
import { headerLines } from '../internal/header-lines';
import { bodyParserRan, hasRequestBody } from '../internal/request-body';
import type { AccessTokenResult, TokenDecision, TokenRequest } from './token-decision';

const NO_LINES: readonly string[] = Object.freeze([]);

/**
 * The plain values of `req` the token decision reads: method, `Content-Type`, every
 * `Authorization` line, the query (only when query tokens are on), the body, and the client
 * certificate's thumbprint; `dpop` adds the `DPoP` lines and the request's `htu`.
 */
export function readTokenRequest(
  req: Request,
  allowQueryToken: boolean,
  dpop?: { readonly proofs: readonly string[] | undefined; readonly htu: string | undefined },
): TokenRequest {
  return {
    method: req.method,
    contentType: req.headers['content-type'],
    authorization: headerLines(req, 'authorization') ?? NO_LINES,
    dpop: dpop?.proofs,
    htu: dpop?.htu,
    query: allowQueryToken ? req.query : undefined,
    body: req.body,
    hasBody: hasRequestBody(req),
    bodyParserRan: bodyParserRan(req),
    certificateThumbprint: req.clientCert?.thumbprint,
  };
}

/** What a reporter needs to know about its middleware. */
export interface TokenReportSettings {
  readonly middleware: MiddlewareName;
  readonly mode: 'jwt' | 'introspection';
  readonly realm: string;
  /** The `MTLS_NO_BODY_PARSER` warning's text. */
  readonly noParserMessage: string;
  /** Sets `req.auth` (and any response header) for an accepted token. */
  readonly accepted: (req: Request, res: Response, value: AccessTokenResult) => void;
}

/** Reports one decision of its middleware. */
export type TokenReporter = (
  req: Request,
  res: Response,
  next: NextFunction,
  started: number,
  decision: TokenDecision,
) => void;

/** Builds the reporter of one token middleware. */
export function tokenReporter(settings: TokenReportSettings): TokenReporter {
  const { middleware, mode, realm } = settings;
  let warnedNoParser = false;
  return function reportToken(req, res, next, started, decision): void {
    const { location, warm } = decision;
    if (decision.noBodyParser === true && !warnedNoParser) {
      warnedNoParser = true;
      warnOnce('MTLS_NO_BODY_PARSER', settings.noParserMessage);
    }
    if (!decision.ok) {
      const { error } = decision;
      publishDecision(middleware, req, started, { error, warm });
      publish(DIAGNOSTICS_CHANNELS.token, () => ({
        outcome: error.status >= 500 ? 'error' : 'rejected',
        code: error.code,
        reason: error.reason,
        message: error.message,
        mode,
        location,
        certificateThumbprint: req.clientCert?.thumbprint,
      }));
      next(error);
      return;
    }
    const { value } = decision;
    const { payload, thumbprint } = value;
    settings.accepted(req, res, value);
    setRequestRealm(req, realm);
    publishDecision(middleware, req, started, {
      warm,
      authenticated: value.binding !== 'none',
      clientId: payload.client_id,
      subject: payload.sub,
    });
    publish(DIAGNOSTICS_CHANNELS.token, () => ({
      outcome: 'accepted',
      mode,
      location,
      certificateThumbprint: req.clientCert?.thumbprint,
      boundThumbprint: thumbprint,
      ...(value.jkt === undefined ? {} : { boundJkt: value.jkt }),
      clientId: escapeUntrusted(payload.client_id),
      subject: escapeUntrusted(payload.sub),
    }));
    next();
  };
}
