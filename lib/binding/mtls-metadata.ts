/**
 * Authorization-server metadata for mutual TLS (RFC 8705 §3.3 and §5). Pure code.
 *
 * @packageDocumentation
 */
import { checkOptions } from '../internal/options';
import { secureUrlOption } from './url-option';

const FACTORY = 'mtlsMetadata()';

/**
 * The endpoint metadata names an `mtls_endpoint_aliases` object may carry: the endpoints a
 * client calls directly (with client authentication or a bound token). The authorization
 * endpoint is not among them: the browser, not the client, talks to it (RFC 8705 §6.4).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-5 | RFC 8705 §5}
 * @see {@link https://www.iana.org/assignments/oauth-parameters/oauth-parameters.xhtml#authorization-server-metadata | IANA OAuth Authorization Server Metadata}
 */
export const MTLS_ENDPOINT_NAMES = Object.freeze([
  'token_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'device_authorization_endpoint',
  'pushed_authorization_request_endpoint',
  'backchannel_authentication_endpoint',
  'userinfo_endpoint',
  'registration_endpoint',
] as const);

/** An endpoint metadata name allowed in `mtls_endpoint_aliases`. */
export type MtlsEndpointName = (typeof MTLS_ENDPOINT_NAMES)[number];

/** Options of {@link mtlsMetadata}. */
export interface MtlsMetadataOptions {
  /** The authorization server's issuer identifier (https:, no query or fragment). Required. */
  readonly issuer: string;
  /**
   * The origin (and optional base path) of the host that requires client certificates, for
   * example `https://mtls.example.com`. Required.
   */
  readonly mtlsBaseUrl: string;
  /**
   * Endpoint paths on `mtlsBaseUrl`, by metadata name, for example
   * `{ token_endpoint: '/token' }`. At least one. Paths must start with `/`.
   */
  readonly endpoints: Readonly<Partial<Record<MtlsEndpointName, string>>>;
}

/** The discovery fields {@link mtlsMetadata} returns. */
export interface MtlsMetadata {
  /** Always `true`: the server issues certificate-bound access tokens (RFC 8705 §3.3). */
  readonly tls_client_certificate_bound_access_tokens: true;
  /** Absolute URLs of the mTLS endpoints (RFC 8705 §5). */
  readonly mtls_endpoint_aliases: Readonly<Partial<Record<MtlsEndpointName, string>>>;
}

/**
 * Builds the RFC 8705 discovery fields of an authorization server whose mTLS endpoints live on
 * their own host (the two-host layout: `as.example.com` for browsers without certificate
 * prompts, `mtls.example.com` with `ssl_verify_client`). Spread the result into the metadata
 * document (`/.well-known/oauth-authorization-server` or `openid-configuration`).
 *
 * Validated at call time: `issuer` and `mtlsBaseUrl` must be https: (http: only on loopback),
 * `mtlsBaseUrl` without query or fragment, each endpoint name one of
 * {@link MTLS_ENDPOINT_NAMES} and each path absolute (`/…`).
 *
 * @example
 * ```ts
 * mtlsMetadata({
 *   issuer: 'https://as.example.com',
 *   mtlsBaseUrl: 'https://mtls.example.com',
 *   endpoints: { token_endpoint: '/token', introspection_endpoint: '/introspect' },
 * });
 * // { tls_client_certificate_bound_access_tokens: true,
 * //   mtls_endpoint_aliases: { token_endpoint: 'https://mtls.example.com/token',
 * //                            introspection_endpoint: 'https://mtls.example.com/introspect' } }
 * ```
 * @throws {TypeError} on a missing, insecure or malformed URL, or an unknown endpoint name.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-5 | RFC 8705 §5}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.3 | RFC 8705 §3.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8414#section-2 | RFC 8414 §2}
 */
export function mtlsMetadata(options: MtlsMetadataOptions): MtlsMetadata {
  const { issuer, mtlsBaseUrl, endpoints } = checkOptions(FACTORY, options, [
    'issuer',
    'mtlsBaseUrl',
    'endpoints',
  ]);
  const issuerUrl = secureUrlOption(FACTORY, 'issuer', issuer);
  if (issuerUrl.search !== '') {
    throw new TypeError(`${FACTORY}: "issuer" must not contain a query (RFC 8414 §2).`);
  }
  const base = secureUrlOption(FACTORY, 'mtlsBaseUrl', mtlsBaseUrl);
  if (base.search !== '') {
    throw new TypeError(`${FACTORY}: "mtlsBaseUrl" must not contain a query.`);
  }
  const given: unknown = endpoints;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new TypeError(
      `${FACTORY}: "endpoints" must be an object such as { token_endpoint: '/token' }.`,
    );
  }
  const checked = checkOptions(
    `${FACTORY} endpoints`,
    given as MtlsMetadataOptions['endpoints'],
    MTLS_ENDPOINT_NAMES,
  );
  const prefix = base.pathname.replace(/\/+$/, '');
  const aliases: Partial<Record<MtlsEndpointName, string>> = {};
  for (const name of MTLS_ENDPOINT_NAMES) {
    const path: unknown = checked[name];
    if (path === undefined) continue;
    if (
      typeof path !== 'string' ||
      !path.startsWith('/') ||
      path.startsWith('//') ||
      path.includes('#')
    ) {
      throw new TypeError(
        `${FACTORY}: endpoints.${name} must be a path starting with "/", without fragment (it is resolved on mtlsBaseUrl).`,
      );
    }
    aliases[name] = new URL(prefix + path, base.origin).href;
  }
  if (Object.keys(aliases).length === 0) {
    throw new TypeError(`${FACTORY}: "endpoints" must name at least one endpoint.`);
  }
  return {
    tls_client_certificate_bound_access_tokens: true,
    mtls_endpoint_aliases: aliases,
  };
}
