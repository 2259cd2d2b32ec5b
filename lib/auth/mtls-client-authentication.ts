/**
 * `mtlsClientAuthentication()`: OAuth client authentication with certificates at a token
 * endpoint (RFC 8705 §2). The Express adapter: it reads `req`, calls the pure decision
 * ({@link decideClientAuthentication}) and reports the outcome through `next(err)` and one event.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @packageDocumentation
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { startDebugOutput } from '../debug';
import { DIAGNOSTICS_CHANNELS, decisionClock, publish, publishDecision } from '../diagnostics';
import { MtlsError, UnavailableError } from '../errors';
import { reject } from '../decision';
import { escapeUntrusted } from '../internal/sanitize';
import { clientIdFrom, type ClientAuthenticationReport } from './client-authentication-decision';
import {
  compileClientAuthenticationOptions,
  type MtlsClientAuthenticationOptions,
} from './client-authentication-options';
import { clientCertificateNotMounted } from './mounted-check';
import { parsedBody } from './token-request-body';

export type {
  GetClient,
  JwksUriOptions,
  MtlsClientAuthenticationMethod,
  MtlsClientAuthenticationOptions,
} from './client-authentication-options';

const FACTORY = 'mtlsClientAuthentication';

/** One outcome: the `oauthClient` event's fields, the error and the raw `client_id`. */
interface Outcome {
  readonly outcome: 'authenticated' | 'rejected' | 'skipped' | 'unavailable' | 'misconfigured';
  readonly event: ClientAuthenticationReport & { clientId?: string; reason?: string | undefined };
  readonly error?: unknown;
  readonly clientId?: string | undefined;
}

/** Reports one outcome: the decision event, the `oauthClient` event, then `next`. */
function report(req: Request, next: NextFunction, started: number, result: Outcome): void {
  const { outcome, event, error, clientId } = result;
  if (error instanceof MtlsError) {
    event.reason ??= error.reason;
    event.detail ??= error.message;
  }
  publishDecision(FACTORY, req, started, {
    error,
    outcome: outcome === 'skipped' ? 'skipped' : undefined,
    authenticated: outcome === 'authenticated',
    clientId,
  });
  publish(DIAGNOSTICS_CHANNELS.oauthClient, () => ({ outcome, ...event }));
  next(error);
}

/** The outcome of a refusal: 503 dependencies are `unavailable`, the rest `rejected`. */
function refused(error: unknown, event: Outcome['event'], clientId?: string): Outcome {
  const outcome = error instanceof UnavailableError ? 'unavailable' : 'rejected';
  return { outcome, event, error, clientId };
}

/**
 * OAuth client authentication at the token endpoint with mutual TLS (RFC 8705 §2).
 *
 * Mount it after a body parser (`express.urlencoded()` or `express.json()`) and
 * `clientCertificate()`. It reads `client_id` from the body, loads the client with `getClient`,
 * and applies the client's registered `token_endpoint_auth_method`:
 *
 * - `tls_client_auth` (PKI): the certificate must chain to `trustAnchors` (signatures,
 *   validity, CA constraints, `clientAuth` EKU, optional revocation) and carry the client's one
 *   registered subject value (`tls_client_auth_subject_dn`, `_san_dns`, `_san_uri`, `_san_ip`
 *   or `_san_email`).
 * - `self_signed_tls_client_auth`: no chain validation; the certificate must be one registered
 *   in the `x5c` of a JWK in the client's `jwks` or `jwks_uri`.
 *
 * On success it sets `req.oauthClient = { clientId, method, certificate, metadata }`. Failures
 * go to `next(err)`: `InvalidClientError` (401, `{"error":"invalid_client"}`, `Cache-Control:
 * no-store`) with a precise `reason` — `client_id_missing`, `client_id_invalid`,
 * `unknown_client`, `certificate_missing`, `certificate_malformed`, `method_not_enabled`,
 * `unsupported_method`, `ambiguous_registration`, `incomplete_registration`,
 * `invalid_registration`, `chain:<reason>`, `subject_mismatch`, `unregistered_certificate`,
 * `jwks_uri_unavailable`, `jwks_uri_invalid`; `UnavailableError` (503) when the client registry
 * fails or times out (`client_registry_unavailable`, `client_registry_timeout`) or revocation
 * status could not be fetched (`chain:revocation_unknown` with a transient cause);
 * `MisconfiguredError` (500) when `clientCertificate()` is missing or a form or JSON body was
 * not parsed (no body parser). A request without a body (Express 5 leaves `req.body`
 * undefined) is `client_id_missing`; if no body parser ran for it at all, the warning
 * `MTLS_NO_BODY_PARSER` tells the operator, once. Each outcome is published on `DIAGNOSTICS_CHANNELS.oauthClient`.
 *
 * @example
 * ```ts
 * app.post('/token',
 *   express.urlencoded({ extended: false }),
 *   clientCertificate({ format: 'nginx', trustProxy: 'loopback' }),
 *   mtlsClientAuthentication({ getClient: (id) => clients.get(id), trustAnchors: [caPem] }),
 *   (req, res) => { … confirmationClaim(req.oauthClient!.certificate) … });
 * ```
 * @throws {TypeError} at creation, on missing, misspelled or invalid options.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 §5.2}
 */
export function mtlsClientAuthentication(options: MtlsClientAuthenticationOptions): RequestHandler {
  startDebugOutput();
  const settings = compileClientAuthenticationOptions(options);
  const parser = { warned: false };

  return function mtlsClientAuthenticationMiddleware(
    req: Request,
    _res: Response,
    next: NextFunction,
  ): void {
    const started = decisionClock();
    const unmounted = clientCertificateNotMounted(req, FACTORY);
    const body = unmounted ? reject(unmounted) : parsedBody(req, FACTORY, parser);
    if (!body.ok) {
      report(req, next, started, { outcome: 'misconfigured', event: {}, error: body.error });
      return;
    }
    const hasAuthorization = req.headers.authorization !== undefined;
    const id = clientIdFrom(body.value?.client_id, hasAuthorization, settings.otherMethods);
    if (!id.ok) {
      report(req, next, started, refused(id.error, {}));
      return;
    }
    if (typeof id.value !== 'string') {
      report(req, next, started, { outcome: 'skipped', event: { detail: id.value.detail } });
      return;
    }
    const clientId = id.value;
    const escaped = escapeUntrusted(clientId);
    settings.authenticate(clientId, req.clientCert).then(
      (decision) => {
        const event = { clientId: escaped, ...decision.report };
        if (!decision.ok) {
          report(req, next, started, refused(decision.error, event, clientId));
        } else if (decision.value.kind === 'skipped') {
          const skipped = { ...event, detail: decision.value.detail };
          report(req, next, started, { outcome: 'skipped', event: skipped, clientId });
        } else {
          const { method, certificate, metadata } = decision.value;
          req.oauthClient = { clientId, method, certificate, metadata };
          report(req, next, started, { outcome: 'authenticated', event, clientId });
        }
      },
      (error: unknown) => {
        report(req, next, started, refused(error, { clientId: escaped }, clientId));
      },
    );
  };
}
