/**
 * Revocation checking options and the pluggable fetcher contract (types only).
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.3 | RFC 5280 §6.3} (CRL processing)
 * @see {@link https://www.rfc-editor.org/rfc/rfc6960 | RFC 6960} (OCSP)
 * @packageDocumentation
 */

/** One HTTP request made on behalf of revocation checking (a CRL download or an OCSP query). */
export interface RevocationFetchRequest {
  /** The `http:` or `https:` URL, from the certificate's CRL distribution point or AIA. */
  readonly url: string;
  /** `GET` for CRLs, `POST` for OCSP. */
  readonly method: 'GET' | 'POST';
  /** Request headers (`Content-Type`/`Accept` for OCSP). */
  readonly headers: Readonly<Record<string, string>>;
  /** The DER-encoded OCSP request (POST only). */
  readonly body?: Uint8Array | undefined;
  /** Aborted when {@link RevocationOptions.timeout} elapses; a fetcher must honour it. */
  readonly signal: AbortSignal;
  /** The largest response accepted, in bytes; a fetcher must stop reading beyond it. */
  readonly maxBytes: number;
}

/**
 * Downloads one revocation document and resolves to its bytes. Rejects (or throws) on any
 * failure: non-2xx status, timeout, oversize body. The default uses node:http/https.
 */
export type RevocationFetcher = (request: RevocationFetchRequest) => Promise<Uint8Array>;

/** A CRL given in configuration: PEM (`X509 CRL` block) text or DER bytes. */
export type CrlInput = string | Uint8Array;

/**
 * Revocation checking. Off unless this object is given; then at least one method applies.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.3 | RFC 5280 §6.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc6960 | RFC 6960}
 */
export interface RevocationOptions {
  /**
   * Which mechanisms to consult, in order; the first definitive answer (good or revoked) wins.
   * Default: `['ocsp', 'crl']`.
   */
  readonly methods?: readonly ('ocsp' | 'crl')[] | undefined;
  /** CRLs known in advance (PEM or DER); used before any download. Default: none. */
  readonly crls?: readonly CrlInput[] | undefined;
  /** Whether to download CRLs from the certificates' CRL distribution points. Default: `true`. */
  readonly fetchCrls?: boolean | undefined;
  /** Override of the OCSP responder URL (otherwise the certificate's AIA `id-ad-ocsp`). */
  readonly ocspUrl?: string | undefined;
  /** Whether to send and require an OCSP nonce (RFC 9654). Default: `false`. */
  readonly ocspNonce?: boolean | undefined;
  /** Which certificates are checked: `'leaf'` or every non-anchor certificate (`'chain'`). Default: `'chain'`. */
  readonly scope?: 'leaf' | 'chain' | undefined;
  /**
   * What to do when no mechanism gives a definitive answer (no CRL/OCSP location, responder
   * says "unknown", stale or unverifiable response): `'reject'` (reason `revocation_unknown`)
   * or `'allow'`. Default: `'reject'` (fail closed).
   */
  readonly onUnknown?: 'reject' | 'allow' | undefined;
  /** Replaces the HTTP client. Default: node:http/https with the timeout and size limit below. */
  readonly fetcher?: RevocationFetcher | undefined;
  /** Milliseconds allowed for one download. Default: `5000`. */
  readonly timeout?: number | undefined;
  /** Largest CRL or OCSP response accepted, in bytes. Default: `10485760` (10 MiB). */
  readonly maxResponseBytes?: number | undefined;
  /** Revocation answers kept (until their `nextUpdate`). Default: `1000`. */
  readonly cacheSize?: number | undefined;
  /**
   * Longest time, in seconds, an answer is kept even when `nextUpdate` is later; also how old an
   * OCSP answer or CRL without `nextUpdate` may be (its `thisUpdate`) to count at all. Default:
   * `3600`.
   */
  readonly cacheTtl?: number | undefined;
}
