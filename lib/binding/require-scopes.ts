/**
 * `requireScopes()`: a route-level check of the scopes granted to the access token that
 * `requireCertificateBoundToken()` accepted.
 *
 * @packageDocumentation
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DIAGNOSTICS_CHANNELS, decisionClock, publish, publishDecision } from '../diagnostics';
import { InsufficientScopeError, MisconfiguredError } from '../errors';
import { requestRealm } from './request-realm';

/** `scope-token` of RFC 6749 §3.3: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The scopes granted by a token payload: `scope` (a space-separated string, RFC 9068 §2.2.3 and
 * RFC 7662 §2.2) or, when there is none, `scp` (an array of strings, or a string, as some
 * authorization servers issue).
 */
export function grantedScopes(payload: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const { scope, scp } = payload;
  const source: unknown = typeof scope === 'string' ? scope : scp;
  if (typeof source === 'string') return new Set(source.split(' ').filter((s) => s !== ''));
  if (Array.isArray(source)) {
    return new Set(source.filter((s): s is string => typeof s === 'string'));
  }
  return new Set();
}

/**
 * Requires every one of `scopes` to be granted to the access token in `req.auth` (mount it after
 * `requireCertificateBoundToken()`). A missing scope → 403 `ERR_MTLS_INSUFFICIENT_SCOPE` with
 * `WWW-Authenticate: Bearer realm="…", scope="<all required scopes>", error="insufficient_scope"`.
 * Without `req.auth` the request fails with 500 `ERR_MTLS_MISCONFIGURED`.
 *
 * @example
 * ```ts
 * app.get('/payments', requireScopes('payments:read'), listPayments);
 * ```
 * @throws {TypeError} from the factory, when no scope is given or one is not a `scope-token`.
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 §3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-3.3 | RFC 6749 §3.3}
 */
export function requireScopes(...scopes: string[]): RequestHandler {
  const list: readonly unknown[] = scopes;
  if (list.length === 0) {
    throw new TypeError('requireScopes(): name at least one scope, e.g. requireScopes("read").');
  }
  for (const scope of list) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new TypeError(
        `requireScopes(): ${JSON.stringify(scope)} is not a scope (RFC 6749 §3.3: no spaces, quotes or backslashes; pass scopes as separate arguments).`,
      );
    }
  }
  const required = Object.freeze([...new Set(scopes)]);
  const challengeScope = required.join(' ');

  return function requireScopesMiddleware(req: Request, _res: Response, next: NextFunction): void {
    const started = decisionClock();
    const auth = req.auth;
    if (auth === undefined) {
      const error = new MisconfiguredError(
        'requireScopes(): req.auth is not set. Mount requireCertificateBoundToken() before requireScopes().',
      );
      publishDecision('requireScopes', req, started, { error });
      next(error);
      return;
    }
    const granted = grantedScopes(auth.payload);
    const missing = required.filter((scope) => !granted.has(scope));
    const identity = { clientId: auth.payload.client_id as unknown, subject: auth.payload.sub };
    if (missing.length === 0) {
      publishDecision('requireScopes', req, started, identity);
      next();
      return;
    }
    publish(DIAGNOSTICS_CHANNELS.token, () => ({
      outcome: 'rejected',
      code: 'ERR_MTLS_INSUFFICIENT_SCOPE',
      missingScopes: missing,
      certificateThumbprint: req.clientCert?.thumbprint,
    }));
    const error = new InsufficientScopeError({
      realm: requestRealm(req),
      scope: challengeScope,
      message: `insufficient scope: missing ${missing.join(' ')}`,
    });
    publishDecision('requireScopes', req, started, { ...identity, error });
    next(error);
  };
}
