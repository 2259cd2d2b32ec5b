/**
 * `requireSenderConstrainedToken()`: the resource-server middleware for tokens bound by mTLS
 * (RFC 8705 §3), DPoP (RFC 9449 §7) or both. A thin adapter: it reads the request, calls the pure
 * token decision with the DPoP proof check, and reports the result.
 *
 * @packageDocumentation
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { clientCertificateNotMounted } from '../auth/mounted-check';
import { startDebugOutput } from '../debug';
import { decisionClock } from '../diagnostics';
import { dpopProofCheck } from '../dpop/proof-check';
import type { PeerTrustMemo } from '../forwarding/request-peer-trust';
import { headerLines } from '../internal/header-lines';
import { requestHtuOf } from './request-htu';
import {
  resolveSenderConstrainedOptions,
  type SenderConstrainedTokenOptions,
} from './sender-constrained-options';
import { decideToken, type TokenDecisionSettings } from './token-decision';
import { tokenErrors } from './token-errors';
import { rememberSenderConstraint } from './sender-constraint-profile';
import { readTokenRequest, tokenReporter } from './token-report';

const FACTORY_NAME = 'requireSenderConstrainedToken';
const PARSER_FIX = `Mount express.urlencoded() before ${FACTORY_NAME}().`;

/**
 * Requires a valid access token bound to its sender, by mTLS or DPoP (FAPI 2.0: "mTLS, DPoP, or
 * both"). Mount it after `clientCertificate()` when `methods` includes `'mtls'` (the default).
 *
 * The token is verified exactly as by `requireCertificateBoundToken()` (JWT or RFC 7662
 * introspection; issuer, audience, expiry, asymmetric algorithms). Then:
 * - `cnf["x5t#S256"]` needs the client certificate with that thumbprint (RFC 8705 §3);
 * - `cnf.jkt` needs `Authorization: DPoP` and one `DPoP` proof passing every check of RFC 9449
 *   §4.3: `typ`, an accepted asymmetric `alg`, a signature by its public `jwk` (a private key is
 *   refused), `htm`, `htu` (the request URL without query and fragment, RFC 3986 normalised),
 *   `iat` within `dpop.maxAge`, `ath`, the nonce when nonces are on, the `jwk`'s RFC 7638
 *   thumbprint equal to `jkt`, and a `jti` the replay store has not seen;
 * - a token bound both ways needs both; a token bound by a method not in `methods`, or with no
 *   `cnf` (unless `allowUnboundTokens`), is refused.
 *
 * On success `req.auth = { token, payload, binding, thumbprint, jkt }` and, with nonces on, the
 * response carries the next `DPoP-Nonce`. Failures, through `next(err)`:
 * - no token → 401 `ERR_MTLS_TOKEN_MISSING`; malformed credentials or a token sent twice → 400;
 * - a refused token → 401 `ERR_MTLS_INVALID_TOKEN` (`reason` as for
 *   `requireCertificateBoundToken()`, plus `scheme_mismatch`: a DPoP-bound token sent as `Bearer`
 *   (RFC 9449 §7.2), or a token not DPoP-bound sent as `DPoP`);
 * - a refused proof → 401 `ERR_MTLS_INVALID_DPOP_PROOF` with `DPoP error="invalid_dpop_proof",
 *   algs="…"` and the failed check as `reason`; a missing or stale nonce → 401
 *   `ERR_MTLS_USE_DPOP_NONCE` with a fresh `DPoP-Nonce` header;
 * - JWKS, introspection or replay store down or slow → 503 `ERR_MTLS_UNAVAILABLE`;
 * - `clientCertificate()` not mounted (with `'mtls'`) → 500 `ERR_MTLS_MISCONFIGURED`.
 *
 * Every 401 carries one challenge per accepted scheme (`Bearer …, DPoP …`); only the scheme the
 * request used gets `error`. `resourceMetadata` adds `resource_metadata` to each (RFC 9728).
 *
 * @example
 * ```ts
 * app.use(clientCertificate({ format: 'nginx', trustProxy: 'loopback' }));
 * app.use(requireSenderConstrainedToken({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   jwksUri: 'https://as.example.com/jwks',
 *   dpop: { publicUrl: 'https://api.example.com', replay: redisReplayStore({ client }) },
 * }));
 * ```
 * @throws {TypeError} from the factory, on invalid, contradictory or unsafe options.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7 | RFC 9449 §7}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @see {@link https://openid.net/specs/fapi-security-profile-2_0-final.html | FAPI 2.0}
 */
export function requireSenderConstrainedToken(
  options?: SenderConstrainedTokenOptions,
): RequestHandler {
  startDebugOutput();
  const resolved = resolveSenderConstrainedOptions(options);
  const { mode, realm, methods, dpop } = resolved;
  const errors = tokenErrors({
    realm,
    schemes: resolved.challengeSchemes,
    dpopAlgorithms: dpop?.proof.algorithms,
    resourceMetadata: resolved.resourceMetadata,
  });
  const settings: TokenDecisionSettings = {
    ...resolved,
    errors,
    schemes: dpop === undefined ? ['bearer'] : ['bearer', 'dpop'],
    understood: ['x5t#S256', 'jkt'],
    notParsedMessage: `${FACTORY_NAME}(): allowBodyToken is on but the form body was not parsed. ${PARSER_FIX}`,
    proofCheck: dpop && dpopProofCheck({ proof: dpop.proof, replay: dpop.replay, errors }),
  };
  const nonces = dpop?.proof.nonce;
  const memo: PeerTrustMemo = new WeakMap();
  const report = tokenReporter({
    middleware: FACTORY_NAME,
    mode,
    realm,
    noParserMessage: `${FACTORY_NAME}(): allowBodyToken is on but no body parser ran for a form request. ${PARSER_FIX}`,
    accepted: (req, res, { token, payload, binding, thumbprint, jkt }) => {
      req.auth = { token, payload, binding, thumbprint, ...(jkt === undefined ? {} : { jkt }) };
      if (nonces !== undefined && binding === 'dpop')
        res.setHeader('DPoP-Nonce', nonces.issue(Date.now()));
    },
  });

  return rememberSenderConstraint(requireSenderConstrainedTokenMiddleware, {
    methods,
    dpopAlgorithms: dpop?.proof.algorithms,
    allowUnbound: resolved.allowUnboundTokens,
  });

  function requireSenderConstrainedTokenMiddleware(
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    const started = decisionClock();
    const unmounted = methods.includes('mtls')
      ? clientCertificateNotMounted(req, FACTORY_NAME)
      : undefined;
    if (unmounted !== undefined) {
      report(req, res, next, started, { ok: false, error: unmounted });
      return;
    }
    const proofs = dpop === undefined ? undefined : headerLines(req, 'dpop');
    const decision = decideToken(
      readTokenRequest(req, resolved.allowQueryToken, {
        proofs,
        htu: proofs === undefined || dpop === undefined ? undefined : requestHtuOf(req, dpop, memo),
      }),
      settings,
    );
    if (decision instanceof Promise) {
      decision.then((settled) => {
        report(req, res, next, started, settled);
      }, next);
    } else {
      report(req, res, next, started, decision);
    }
  }
}
