/**
 * The RFC 8705 §2 client authentication decision, without Express: a `client_id`, the client's
 * registered metadata and the presented certificate in, a {@link Decision} out.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 * @packageDocumentation
 */
import type { ClientCertificate } from '../certificate';
import { toMtlsError } from '../error-mapping';
import { InvalidClientError, UnavailableError } from '../errors';
import { accept, reject, type Decision } from '../decision';
import { describeUntrusted, escapeUntrusted } from '../internal/sanitize';
import type { ChainValidator } from './chain';
import { matchRegisteredKeys, type KeyMatch, type RegisteredKeys } from './client-jwks';
import { ClientRegistrationError, type OAuthClientMetadata } from './client-metadata';
import type { FetchedJwks } from './jwks-uri-fetcher';
import { subjectRequirement } from './tls-client-auth-subject';

/** The RFC 8705 §2 client authentication methods. */
export type MtlsClientAuthenticationMethod = 'tls_client_auth' | 'self_signed_tls_client_auth';

/** Both methods, in the order `methods` defaults to. */
export const ALL_METHODS: readonly MtlsClientAuthenticationMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
];

/** Longest `client_id` written into a message (escaped characters). */
const CLIENT_ID_LENGTH = 64;

/** Where a `self_signed_tls_client_auth` client's keys come from. */
export interface RegisteredKeySource {
  /** The compiled inline `jwks`. @throws {ClientRegistrationError} when it is not JSON. */
  inline(jwks: unknown): RegisteredKeys;
  /** The JWK Set at `uri`, cached. @throws {JwksFetchError} when it cannot be had. */
  fetch(uri: string): Promise<FetchedJwks<RegisteredKeys>>;
  /** Fetches `uri` again unless it was fetched too recently (then `undefined`). */
  refresh(uri: string): Promise<RegisteredKeys | undefined>;
}

/** What the decision needs from `mtlsClientAuthentication()`'s options, validated once. */
export interface ClientAuthenticationSettings {
  /** The methods accepted (`methods`). */
  readonly methods: readonly MtlsClientAuthenticationMethod[];
  /** Whether other requests are passed on (`'next'`) or refused (`'reject'`). */
  readonly otherMethods: 'next' | 'reject';
  /** `allowPublicKeyMatch`. */
  readonly allowPublicKeyMatch: boolean;
  /** The `tls_client_auth` chain validator; present when that method is enabled. */
  readonly validator: ChainValidator | undefined;
  /** The keys of `self_signed_tls_client_auth` clients. */
  readonly keys: RegisteredKeySource;
}

/** The plain values one request brings to the decision. */
export interface ClientAuthenticationInput {
  /** The `client_id` of the body (client-controlled). */
  readonly clientId: string;
  /** What `getClient` returned for it: the metadata, or nothing for an unknown client. */
  readonly metadata: OAuthClientMetadata | null | undefined;
  /** The certificate `clientCertificate()` accepted, if any. */
  readonly certificate: ClientCertificate | undefined;
}

/** The client is authenticated by one of the RFC 8705 §2 methods. */
export interface ClientAuthenticated {
  readonly kind: 'authenticated';
  readonly clientId: string;
  readonly method: MtlsClientAuthenticationMethod;
  readonly certificate: ClientCertificate;
  readonly metadata: OAuthClientMetadata;
  /** How the certificate matched: the registered subject, or a registered key. */
  readonly match: KeyMatch | 'subject';
}

/** The request is left to another authentication middleware (`otherMethods: 'next'`). */
export interface ClientAuthenticationSkipped {
  readonly kind: 'skipped';
  /** Why, for the diagnostics event. */
  readonly detail: string;
}

/** Facts for the diagnostics event, escaped; `detail` explains a rejection or a skip. */
export interface ClientAuthenticationReport {
  method?: string | undefined;
  thumbprint?: string | undefined;
  subject?: string | undefined;
  match?: KeyMatch | 'subject' | undefined;
  detail?: string | undefined;
}

/** The errors a client authentication decision refuses with. */
export type ClientAuthenticationError = InvalidClientError | UnavailableError;

/** The outcome, with what the diagnostics event reports about it. */
export type ClientAuthenticationDecision = Decision<
  ClientAuthenticated | ClientAuthenticationSkipped,
  ClientAuthenticationError
> & { readonly report: ClientAuthenticationReport };

/** A `client_id` (client-controlled) as written into messages ({@link describeUntrusted}). */
function quote(clientId: string): string {
  return describeUntrusted(clientId, CLIENT_ID_LENGTH);
}

/**
 * Reads the body's `client_id` (any value, client-controlled). Without one, a request carrying
 * an `Authorization` header is skipped under `otherMethods: 'next'`; else it is refused.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2 | RFC 8705 §2}
 */
export function clientIdFrom(
  value: unknown,
  hasAuthorization: boolean,
  otherMethods: ClientAuthenticationSettings['otherMethods'],
): Decision<string | ClientAuthenticationSkipped, InvalidClientError> {
  if (value === undefined || value === '') {
    if (otherMethods === 'next' && hasAuthorization) {
      return accept({
        kind: 'skipped',
        detail: 'no client_id in the body; an Authorization header is present',
      });
    }
    return reject(
      new InvalidClientError('client_id_missing', {
        message: 'client_id is required in the request body (RFC 8705 §2)',
      }),
    );
  }
  if (typeof value !== 'string') {
    return reject(
      new InvalidClientError('client_id_invalid', {
        message: 'client_id must be a single string parameter',
      }),
    );
  }
  return accept(value);
}

/**
 * Authenticates a client by its certificate per its registered `token_endpoint_auth_method`:
 * `tls_client_auth` (§2.1: a chain to the trust anchors and the one registered subject value)
 * or `self_signed_tls_client_auth` (§2.2: a certificate, or with `allowPublicKeyMatch` a key,
 * registered in `jwks` or `jwks_uri`). A client of another method is skipped or refused per
 * `otherMethods`. Refusals are `InvalidClientError` with a precise `reason`, or
 * `UnavailableError` when revocation status could not be had; the promise rejects only on an
 * unexpected error.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.1 | RFC 8705 §2.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.2 | RFC 8705 §2.2}
 */
export async function decideClientAuthentication(
  input: ClientAuthenticationInput,
  settings: ClientAuthenticationSettings,
): Promise<ClientAuthenticationDecision> {
  const report: ClientAuthenticationReport = {};
  try {
    return { ...(await decide(input, settings, report)), report };
  } catch (error) {
    const mapped = toMtlsError(error, {
      site: 'client_authentication',
      client: quote(input.clientId),
    });
    if (mapped !== error) {
      report.detail = (error as Error).message;
      return { ...reject(mapped as ClientAuthenticationError), report };
    }
    throw error;
  }
}

async function decide(
  { clientId, metadata, certificate }: ClientAuthenticationInput,
  settings: ClientAuthenticationSettings,
  report: ClientAuthenticationReport,
): Promise<Decision<ClientAuthenticated | ClientAuthenticationSkipped, ClientAuthenticationError>> {
  if (metadata === undefined || metadata === null) {
    return reject(
      new InvalidClientError('unknown_client', {
        message: `client ${quote(clientId)} is not registered`,
      }),
    );
  }
  if (typeof metadata !== 'object') {
    throw new ClientRegistrationError('invalid_registration', 'getClient returned a non-object');
  }
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
  report.method = method;
  if (!(ALL_METHODS as readonly string[]).includes(method)) {
    if (settings.otherMethods === 'next') {
      return accept({ kind: 'skipped', detail: `the client uses ${method}` });
    }
    return reject(
      new InvalidClientError('unsupported_method', {
        message: `client ${quote(clientId)} uses token_endpoint_auth_method ${describeUntrusted(method)}, which this endpoint does not accept`,
      }),
    );
  }
  const rfc8705Method = method as MtlsClientAuthenticationMethod;
  if (!settings.methods.includes(rfc8705Method)) {
    return reject(
      new InvalidClientError('method_not_enabled', {
        message: `client ${quote(clientId)} uses ${method}, which is not in "methods"`,
      }),
    );
  }
  if (certificate === undefined) {
    return reject(
      new InvalidClientError('certificate_missing', {
        message: `client ${quote(clientId)} presented no client certificate`,
      }),
    );
  }
  report.thumbprint = certificate.thumbprint;
  report.subject = escapeUntrusted(certificate.subject);
  const matched =
    rfc8705Method === 'tls_client_auth'
      ? await pkiMatch(clientId, metadata, certificate, settings, report)
      : await selfSignedMatch(clientId, metadata, certificate, settings, report);
  if (!matched.ok) return matched;
  report.match = matched.value;
  return accept({
    kind: 'authenticated',
    clientId,
    method: rfc8705Method,
    certificate,
    metadata,
    match: matched.value,
  });
}

/** RFC 8705 §2.1: a valid chain, then the client's one registered subject value. */
async function pkiMatch(
  clientId: string,
  metadata: OAuthClientMetadata,
  certificate: ClientCertificate,
  settings: ClientAuthenticationSettings,
  report: ClientAuthenticationReport,
): Promise<Decision<'subject', ClientAuthenticationError>> {
  const requirement = subjectRequirement(metadata);
  const result = await (settings.validator as ChainValidator).validate(certificate);
  if (!result.ok) {
    const reason = `chain:${result.reason}` as const;
    const message = `client ${quote(clientId)}: certificate chain not accepted: ${result.detail}`;
    report.detail = result.detail;
    return reject(
      result.transient === true && reason === 'chain:revocation_unknown'
        ? new UnavailableError(reason, { message })
        : new InvalidClientError(reason, { message }),
    );
  }
  if (!requirement.matches(certificate)) {
    report.detail = `certificate does not carry the registered ${requirement.parameter}`;
    return reject(
      new InvalidClientError('subject_mismatch', {
        message: `client ${quote(clientId)}: ${report.detail}`,
      }),
    );
  }
  return accept('subject');
}

/** RFC 8705 §2.2: the certificate (or its key) is registered in `jwks` or `jwks_uri`. */
async function selfSignedMatch(
  clientId: string,
  metadata: OAuthClientMetadata,
  certificate: ClientCertificate,
  { keys, allowPublicKeyMatch }: ClientAuthenticationSettings,
  report: ClientAuthenticationReport,
): Promise<Decision<KeyMatch, InvalidClientError>> {
  const jwks: unknown = metadata.jwks;
  const jwksUri: unknown = metadata.jwks_uri;
  const hasJwks = jwks !== undefined && jwks !== null;
  const hasUri = jwksUri !== undefined && jwksUri !== null;
  if (hasJwks && hasUri) {
    throw new ClientRegistrationError(
      'ambiguous_registration',
      'the client registered both jwks and jwks_uri (RFC 7591 §2 allows one)',
    );
  }
  let match: KeyMatch | undefined;
  let problems: readonly string[];
  if (hasJwks) {
    const registered = keys.inline(jwks);
    problems = registered.problems;
    match = matchRegisteredKeys(registered, certificate, allowPublicKeyMatch);
  } else if (hasUri) {
    if (typeof jwksUri !== 'string') {
      throw new ClientRegistrationError('invalid_registration', 'jwks_uri must be a string');
    }
    const fetched = await keys.fetch(jwksUri);
    problems = fetched.value.problems;
    match = matchRegisteredKeys(fetched.value, certificate, allowPublicKeyMatch);
    if (match === undefined && !fetched.fresh) {
      const refreshed = await keys.refresh(jwksUri);
      if (refreshed !== undefined) {
        problems = refreshed.problems;
        match = matchRegisteredKeys(refreshed, certificate, allowPublicKeyMatch);
      }
    }
  } else {
    throw new ClientRegistrationError(
      'incomplete_registration',
      'self_signed_tls_client_auth requires jwks or jwks_uri; the client registered neither',
    );
  }
  if (match === undefined) {
    report.detail =
      problems.length === 0
        ? 'certificate not registered in the client JWK Set'
        : `certificate not registered in the client JWK Set (skipped: ${problems.join('; ')})`;
    return reject(
      new InvalidClientError('unregistered_certificate', {
        message: `client ${quote(clientId)}: ${report.detail}`,
      }),
    );
  }
  return accept(match);
}
