/**
 * The request fields express-mtls sets, declared once by module augmentation of Express's
 * `Request`.
 *
 * @packageDocumentation
 */
import type { AccessTokenClaims } from './access-token-claims';
import type { OAuthClientMetadata } from './auth/client-metadata';
import type { ClientCertificate } from './certificate';
import type { ProxyAssertedIdentity } from './forwarding/xfcc-identity';

/** What `requireClientCertificate()` sets on `req.clientCertAuth`. */
export interface ClientCertificateAuthentication {
  /** How the certificate was accepted. */
  readonly method: 'chain' | 'thumbprint';
  /** The accepted leaf certificate. */
  readonly certificate: ClientCertificate;
  /** The validated path, leaf first, ending at the trust anchor (`[leaf]` for pinning). */
  readonly path: readonly ClientCertificate[];
}

/** What `mtlsClientAuthentication()` sets on `req.oauthClient`. */
export interface OAuthClientAuthentication {
  /** The authenticated `client_id`. */
  readonly clientId: string;
  /** The RFC 8705 §2 method used. */
  readonly method: 'tls_client_auth' | 'self_signed_tls_client_auth';
  /** The certificate the client authenticated with. */
  readonly certificate: ClientCertificate;
  /** The client's registered metadata, as `getClient` returned it. */
  readonly metadata: OAuthClientMetadata;
}

/**
 * What `requireCertificateBoundToken()` and `requireSenderConstrainedToken()` set on `req.auth`.
 * `binding` and `jkt` are set by `requireSenderConstrainedToken()` only.
 */
export interface CertificateBoundAuth {
  /** The bearer token as received. */
  readonly token: string;
  /** The verified claims (JWT payload, or the introspection response). */
  readonly payload: AccessTokenClaims;
  /**
   * The `x5t#S256` the token is bound to (equal to `req.clientCert.thumbprint`), or `undefined`
   * for a token without `cnf` admitted by `allowUnboundTokens: true`.
   */
  readonly thumbprint: string | undefined;
  /**
   * How the token is bound to this request (`requireSenderConstrainedToken()`): `'mtls'`
   * (RFC 8705), `'dpop'` (RFC 9449; also for a token bound both ways, with `thumbprint` set too),
   * or `'none'` for an unbound token admitted by `allowUnboundTokens`.
   */
  readonly binding?: 'mtls' | 'dpop' | 'none';
  /** The `cnf.jkt` of a DPoP-bound token: the RFC 7638 thumbprint of the proof's key. */
  readonly jkt?: string;
}

declare global {
  namespace Express {
    interface Request {
      /** The client certificate, set by `clientCertificate()`; `undefined` when none. */
      clientCert?: ClientCertificate | undefined;
      /** Set by `requireClientCertificate()` on success. */
      clientCertAuth?: ClientCertificateAuthentication | undefined;
      /** Set by `mtlsClientAuthentication()` on success. */
      oauthClient?: OAuthClientAuthentication | undefined;
      /** Set by `requireCertificateBoundToken()` or `requireSenderConstrainedToken()` on success. */
      auth?: CertificateBoundAuth | undefined;
      /**
       * An identity a trusted proxy asserted without a certificate, set by
       * `proxyAssertedIdentity()`; never a certificate, never in `clientCert`.
       */
      proxyAssertedIdentity?: ProxyAssertedIdentity | undefined;
    }
  }
}
