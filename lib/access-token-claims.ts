/**
 * The claims of a verified access token, as `requireCertificateBoundToken()` puts them on
 * `req.auth.payload`.
 *
 * @packageDocumentation
 */

/**
 * The confirmation claim (`cnf`) of a sender-constrained token.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7800#section-3.1 | RFC 7800 §3.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-3.1 | RFC 8705 §3.1} (`x5t#S256`)
 */
export interface TokenConfirmation {
  /** The SHA-256 thumbprint of the certificate the token is bound to (base64url, 43 chars). */
  readonly 'x5t#S256'?: string | undefined;
  /** Other confirmation methods (for example a DPoP `jkt`), as the authorization server sent them. */
  readonly [member: string]: unknown;
}

/**
 * The claims of a verified access token (a JWT payload, or an RFC 7662 introspection answer):
 * the registered claims with their RFC types, `cnf`, and any other claim as `unknown`.
 *
 * Checked by the middleware: `exp` and `nbf` are numbers when present, `iss` and `aud` matched
 * the configured `issuer` and `audience` (when configured), `iat` is a number with
 * `maxTokenAge`, and `cnf["x5t#S256"]` equals the client certificate's thumbprint for a bound
 * token. The other claims are as your authorization server signed (or answered) them.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc7519#section-4.1 | RFC 7519 §4.1}
 * @see {@link https://www.rfc-editor.org/rfc/rfc9068#section-2.2 | RFC 9068 §2.2}
 * @see {@link https://www.rfc-editor.org/rfc/rfc7662#section-2.2 | RFC 7662 §2.2}
 */
export interface AccessTokenClaims {
  /** Issuer. */
  readonly iss?: string | undefined;
  /** Subject. */
  readonly sub?: string | undefined;
  /** Audience: one identifier or several. */
  readonly aud?: string | readonly string[] | undefined;
  /** Expiry, in seconds since the epoch. */
  readonly exp?: number | undefined;
  /** Not before, in seconds since the epoch. */
  readonly nbf?: number | undefined;
  /** Issued at, in seconds since the epoch. */
  readonly iat?: number | undefined;
  /** Token identifier. */
  readonly jti?: string | undefined;
  /** The OAuth client the token was issued to (RFC 9068 §2.2, RFC 8693 §4.3). */
  readonly client_id?: string | undefined;
  /** Granted scopes, space-separated (RFC 8693 §4.2). */
  readonly scope?: string | undefined;
  /** Introspection: whether the token is active (always `true` once accepted). */
  readonly active?: boolean | undefined;
  /** The confirmation claim: what the token is bound to. */
  readonly cnf?: TokenConfirmation | undefined;
  /** Any other claim. */
  readonly [claim: string]: unknown;
}
