/**
 * OAuth 2.0 token introspection (RFC 7662) as a token verifier: POST the token to the
 * authorization server and believe its answer, or fail closed (503) when there is no usable
 * answer. Pure code over the library's one bounded HTTP client: no Express.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7662 | RFC 7662}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.2 | RFC 8705 §3.2} (`cnf` in the
 *   introspection response)
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-6.2 | RFC 9449 §6.2} (`token_type`
 *   `DPoP` and `cnf.jkt` in the introspection response)
 * @packageDocumentation
 */
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { JwtPayload } from 'jsonwebtoken';
import { traceDependency } from '../diagnostics';
import { fetchBounded, HttpClientError } from '../internal/http-client';
import {
  checkIssuerAndAudience,
  checkRequiredClaims,
  checkTimeClaims,
  nowInSeconds,
  type TimePolicy,
} from './claims';
import {
  accepted,
  refused,
  unavailable,
  type TokenVerification,
  type TokenVerifier,
} from './token-verification';

/** Settings of the introspection verifier (validated by the factory). */
export interface IntrospectionSettings {
  readonly endpoint: URL;
  readonly clientId: string;
  /** With a secret: `client_secret_basic`; without: `client_id` in the body (mTLS or public). */
  readonly clientSecret: string | undefined;
  /** The agent of the requests (an `https.Agent` with a client certificate for mTLS). */
  readonly agent: HttpAgent | HttpsAgent | undefined;
  /** Milliseconds before the request counts as failed. */
  readonly timeout: number;
  /** The largest response body accepted, in bytes. */
  readonly maxResponseBytes: number;
  /** Extra request headers. */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** When set, `iss` must be one of these. */
  readonly issuers: readonly string[] | undefined;
  /** When set, `aud` must contain one of these. */
  readonly audiences: readonly string[] | undefined;
  /** Claims the response must contain. */
  readonly requiredClaims: readonly string[];
  readonly time: TimePolicy;
  /**
   * Whether `token_type: "DPoP"` is accepted (RFC 9449 §6.2), for a token with a `cnf.jkt` that
   * the middleware then checks against a DPoP proof. Default `false`: only `Bearer`.
   */
  readonly acceptDpopTokenType?: boolean | undefined;
}

const UNAVAILABLE = 'introspection_unavailable';

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string): string =>
    encodeURIComponent(value)
      .replace(/%20/g, '+')
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

/** Why `token_type` is refused, or `undefined` when it is accepted. */
function tokenTypeRefusal(payload: JwtPayload, acceptDpop: boolean): string | undefined {
  const { token_type: tokenType, cnf } = payload as JwtPayload & { cnf?: unknown };
  if (tokenType === undefined) return undefined;
  const kind = typeof tokenType === 'string' ? tokenType.toLowerCase() : undefined;
  if (kind === 'bearer') return undefined;
  if (kind !== 'dpop' || !acceptDpop) return `token_type ${String(tokenType)} is not Bearer`;
  const jkt =
    typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>).jkt : undefined;
  return typeof jkt === 'string' ? undefined : 'token_type DPoP without a cnf.jkt';
}

/**
 * Interprets an introspection response body.
 *
 * `active` must be a boolean (anything else is not an RFC 7662 answer: unavailable).
 * `active: false` → `inactive`. A `token_type` other than `Bearer` → `type` (a refresh token, or
 * a DPoP token at a middleware that does not take DPoP), except `DPoP` with a string `cnf.jkt`
 * when `acceptDpopTokenType` is set (RFC 9449 §6.2; the proof is checked afterwards). Then
 * `iss`/`aud` when configured, then the validity window (`exp`, `nbf`) and the required claims.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7662#section-2.2 | RFC 7662 §2.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-6.2 | RFC 9449 §6.2}
 */
export function interpretIntrospection(
  body: string,
  settings: Pick<
    IntrospectionSettings,
    'issuers' | 'audiences' | 'requiredClaims' | 'time' | 'acceptDpopTokenType'
  >,
): TokenVerification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return unavailable(UNAVAILABLE, 'the introspection response is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return unavailable(UNAVAILABLE, 'the introspection response is not a JSON object');
  }
  const payload = parsed as JwtPayload;
  const { active } = payload;
  if (typeof active !== 'boolean') {
    return unavailable(UNAVAILABLE, 'the introspection response has no boolean "active"');
  }
  if (!active) return refused('inactive', 'the authorization server says the token is inactive');
  const typeRefusal = tokenTypeRefusal(payload, settings.acceptDpopTokenType === true);
  if (typeRefusal !== undefined) return refused('type', typeRefusal);
  return (
    checkIssuerAndAudience(payload, settings.issuers, settings.audiences) ??
    checkTimeClaims(payload, nowInSeconds(), settings.time) ??
    checkRequiredClaims(payload, settings.requiredClaims) ??
    accepted(payload)
  );
}

/**
 * Creates an RFC 7662 introspection verifier. Each call POSTs
 * `token=…&token_type_hint=access_token` (plus `client_id` without a secret) and resolves to an
 * outcome; connection errors, timeouts, non-200 answers (redirects are not followed), oversized
 * or non-RFC 7662 bodies are `unavailable` (503), never an acceptance.
 */
export function createIntrospectionVerifier(settings: IntrospectionSettings): TokenVerifier {
  const fixedHeaders: Record<string, string> = {
    ...settings.headers,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    ...(settings.clientSecret === undefined
      ? {}
      : { authorization: basicCredentials(settings.clientId, settings.clientSecret) }),
  };
  const where = settings.endpoint.origin + settings.endpoint.pathname;

  return {
    verify(token) {
      const params = new URLSearchParams({ token, token_type_hint: 'access_token' });
      if (settings.clientSecret === undefined) params.set('client_id', settings.clientId);
      const body = params.toString();
      return traceDependency('introspection', () => introspect(body), isUnavailable);
    },
  };

  async function introspect(body: string): Promise<TokenVerification> {
    let answer: Buffer;
    try {
      ({ body: answer } = await fetchBounded({
        url: settings.endpoint,
        method: 'POST',
        headers: fixedHeaders,
        body,
        agent: settings.agent,
        timeoutMs: settings.timeout,
        maxBytes: settings.maxResponseBytes,
        expectStatus: 200,
      }));
    } catch (error) {
      if (!(error instanceof HttpClientError)) throw error;
      return unreachable(error);
    }
    return interpretIntrospection(answer.toString('utf8'), settings);
  }

  /** The one mapping of a failed exchange: `introspection_unavailable` (503). */
  function unreachable(error: HttpClientError): TokenVerification {
    const cause: unknown = error.kind === 'network' ? error.cause : undefined;
    return unavailable(UNAVAILABLE, `introspection at ${where}: ${error.detail}`, cause);
  }
}

function isUnavailable(outcome: TokenVerification): boolean {
  return outcome.status === 'unavailable';
}
