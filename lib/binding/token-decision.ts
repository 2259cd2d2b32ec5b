/**
 * The whole access-token decision of a resource-server request, without Express: credentials
 * (RFC 6750 §2, RFC 9449 §7.1), verification (JWT or RFC 7662 introspection), confirmation
 * (RFC 8705 §3.1, RFC 9449 §6.1) and binding. It takes a plain request-like object, like Auth0's
 * `token-verifier.ts`, and answers synchronously when it can (a warm cache), a promise otherwise.
 *
 * @packageDocumentation
 */
import { MisconfiguredError, UnavailableError } from '../errors';
import { reject, type Decision } from '../decision';
import type { AccessTokenClaims } from '../access-token-claims';
import { readBindings, type ConfirmationMember, type TokenBindings } from './confirmation';
import { extractCredentials, type Credentials, type TokenLocation } from './credentials';
import { decideBinding, type Binding, type BindingMethod } from './decide-binding';
import type { CredentialScheme, TokenErrors } from './token-errors';
import type { TokenVerification, TokenVerifier } from './token-verification';

const FORM = 'application/x-www-form-urlencoded';

/** The plain values of a request the token decision reads (the adapter reads them off `req`). */
export interface TokenRequest {
  /** The request method. */
  readonly method: string;
  /** The `Content-Type` header, when present. */
  readonly contentType: string | undefined;
  /** Every `Authorization` field line (from the raw headers: Node keeps only the first). */
  readonly authorization: readonly string[];
  /** Every `DPoP` field line. Default: none. */
  readonly dpop?: readonly string[] | undefined;
  /** The parsed query (`req.query`); read only when query tokens are on. */
  readonly query?: unknown;
  /** The parsed body (`req.body`), `undefined` when no parser set it. */
  readonly body: unknown;
  /** Whether the request carries body octets (`Content-Length` ≠ 0 or `Transfer-Encoding`). */
  readonly hasBody: boolean;
  /** Whether a body parser ran (it created `req.body`). */
  readonly bodyParserRan: boolean;
  /** `x5t#S256` of the client certificate (`req.clientCert`), `undefined` when none. */
  readonly certificateThumbprint: string | undefined;
  /**
   * The request URL a DPoP proof's `htu` must match (RFC 9449 §4.3), computed by a DPoP-aware
   * adapter; only handed to the proof check. Default: none.
   */
  readonly htu?: string | undefined;
}

/** What the DPoP proof check receives: the credentials and the token's `jkt`. */
export interface ProofCheckInput {
  readonly request: TokenRequest;
  readonly credentials: Credentials;
  /** The `cnf.jkt` of the verified token. */
  readonly jkt: string;
}

/**
 * Verifies the request's DPoP proof for a DPoP-bound token and answers the proven `jkt` (or the
 * error to report). Supplied by a DPoP-aware middleware.
 */
export type ProofCheck = (input: ProofCheckInput) => Decision<string> | Promise<Decision<string>>;

/** The token decision's settings, resolved once per middleware. */
export interface TokenDecisionSettings {
  readonly verifier: TokenVerifier;
  readonly errors: TokenErrors;
  /** `Authorization` schemes read. */
  readonly schemes: readonly CredentialScheme[];
  /** `cnf` members understood (see `inspectConfirmation()`). */
  readonly understood: readonly ConfirmationMember[];
  /** Sender-constraint methods accepted. */
  readonly methods: readonly BindingMethod[];
  readonly allowUnboundTokens: boolean;
  readonly allowBodyToken: boolean;
  readonly allowQueryToken: boolean;
  /** Message of the 500 for a form body that no parser read. */
  readonly notParsedMessage: string;
  /** The DPoP proof check; without it a DPoP-bound token is refused (`binding_mismatch`). */
  readonly proofCheck?: ProofCheck | undefined;
}

/** An accepted token. */
export interface AccessTokenResult extends Binding {
  /** The access token as received. */
  readonly token: string;
  /** The verified claims (JWT payload, or the introspection response). */
  readonly payload: AccessTokenClaims;
  readonly scheme: CredentialScheme;
  readonly location: TokenLocation;
}

/** What the adapter reports besides the result. */
export interface TokenDecisionTrace {
  /** Where the token was found; `undefined` when none was extracted. */
  readonly location?: TokenLocation | undefined;
  /** Whether verification answered from its cache; `undefined` when it did not run. */
  readonly warm?: boolean | undefined;
  /** A body-less form request met no body parser: the adapter warns `MTLS_NO_BODY_PARSER`. */
  readonly noBodyParser?: boolean | undefined;
}

/**
 * The result of {@link decideToken}: a {@link Decision} with its trace. Its error is a
 * `TokenMissingError`, `InvalidRequestError`, `InvalidTokenError`, `UnavailableError`,
 * `MisconfiguredError`, or what the proof check reported.
 */
export type TokenDecision = Decision<AccessTokenResult> & TokenDecisionTrace;

function ownParameter(container: unknown, name: string): unknown {
  const object = Object(container) as Record<string, unknown>;
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

function isFormRequest(request: TokenRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  return request.contentType?.split(';', 1)[0]?.trim().toLowerCase() === FORM;
}

function bound(
  request: TokenRequest,
  credentials: Credentials,
  payload: AccessTokenClaims,
  confirmation: TokenBindings | undefined,
  settings: TokenDecisionSettings,
  provenJkt: string | undefined,
  warm: boolean,
): TokenDecision {
  const { token, scheme, location } = credentials;
  const binding = decideBinding(
    {
      confirmation,
      scheme,
      certificateThumbprint: request.certificateThumbprint,
      methods: settings.methods,
      allowUnbound: settings.allowUnboundTokens,
      provenJkt,
    },
    settings.errors,
  );
  if (!binding.ok) return { ok: false, error: binding.error, location, warm };
  const bindingValue = binding.value;
  // a literal, not a spread: spreading the binding then adding four members costs a new map
  // (about 1.3 KB) per request
  const { thumbprint } = bindingValue;
  const value: AccessTokenResult =
    bindingValue.binding === 'mtls' && bindingValue.jkt === undefined && thumbprint !== undefined
      ? { binding: 'mtls', thumbprint, token, payload, scheme, location }
      : { ...bindingValue, token, payload, scheme, location };
  return { ok: true, value, location, warm };
}

function verified(
  request: TokenRequest,
  credentials: Credentials,
  result: TokenVerification,
  settings: TokenDecisionSettings,
  warm: boolean,
): TokenDecision | Promise<TokenDecision> {
  const { location, scheme } = credentials;
  const { errors } = settings;
  if (result.status === 'unavailable') {
    const error = new UnavailableError(result.reason, {
      message: result.detail,
      cause: result.cause,
    });
    return { ok: false, error, location, warm };
  }
  if (result.status === 'invalid') {
    const error = errors.invalidToken(result.reason, result.detail, scheme);
    return { ok: false, error, location, warm };
  }
  const { payload } = result;
  const read = readBindings(payload.cnf, errors, settings.understood, scheme);
  if (!read.ok) return { ok: false, error: read.error, location, warm };
  const confirmation = read.value;
  const jkt = confirmation?.jkt;
  const check = settings.proofCheck;
  if (
    jkt === undefined ||
    scheme !== 'dpop' ||
    check === undefined ||
    !settings.methods.includes('dpop')
  ) {
    return bound(request, credentials, payload, confirmation, settings, undefined, warm);
  }
  const proven = check({ request, credentials, jkt });
  const conclude = (proof: Decision<string>): TokenDecision =>
    proof.ok
      ? bound(request, credentials, payload, confirmation, settings, proof.value, warm)
      : { ok: false, error: proof.error, location, warm };
  return proven instanceof Promise ? proven.then(conclude) : conclude(proven);
}

/**
 * Decides a resource-server request's access token:
 *
 * 1. the form-body `access_token` when body tokens are on (a form body that no parser read →
 *    500 `ERR_MTLS_MISCONFIGURED`; a body-less form request carries none, and flags
 *    `noBodyParser` when no parser ran);
 * 2. the credentials ({@link extractCredentials}: 401 missing, 400 malformed or sent twice);
 * 3. verification by `settings.verifier` (401 `invalid_token` with its reason, 503 when a
 *    dependency is down);
 * 4. the confirmation (`readBindings()`: `malformed`, `unbound`);
 * 5. for a DPoP-bound token sent as `DPoP`, the proof check;
 * 6. the binding ({@link decideBinding}).
 *
 * Synchronous when the verifier answers synchronously (a cache hit, `warm: true`) and there is
 * no proof to check; a promise otherwise. A verifier or proof check that throws or rejects
 * (a bug, not an outcome) makes the promise reject.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-2 | RFC 6750 §2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3 | RFC 8705 §3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-7 | RFC 9449 §7}
 */
export function decideToken(
  request: TokenRequest,
  settings: TokenDecisionSettings,
): TokenDecision | Promise<TokenDecision> {
  let body: unknown;
  let noBodyParser = false;
  if (settings.allowBodyToken && isFormRequest(request)) {
    if (request.body !== undefined) {
      body = ownParameter(request.body, 'access_token');
    } else if (request.hasBody) {
      return reject(new MisconfiguredError(settings.notParsedMessage));
    } else {
      noBodyParser = !request.bodyParserRan;
    }
  }
  const extraction = extractCredentials(
    {
      authorization: request.authorization,
      dpop: request.dpop,
      body,
      query: settings.allowQueryToken ? ownParameter(request.query, 'access_token') : undefined,
    },
    settings,
  );
  if (!extraction.ok) return noBodyParser ? { ...extraction, noBodyParser } : extraction;
  const credentials = extraction.value;
  const result = settings.verifier.verify(credentials.token);
  const decision =
    result instanceof Promise
      ? result.then((outcome) => verified(request, credentials, outcome, settings, false))
      : verified(request, credentials, result, settings, true);
  return noBodyParser ? withFlag(decision) : decision;
}

function withFlag(
  decision: TokenDecision | Promise<TokenDecision>,
): TokenDecision | Promise<TokenDecision> {
  return decision instanceof Promise
    ? decision.then((settled) => ({ ...settled, noBodyParser: true }))
    : { ...decision, noBodyParser: true };
}
