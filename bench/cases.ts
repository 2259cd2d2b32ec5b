/**
 * The benchmark cases: which server each runs, whether every request presents a new certificate
 * and token (cold) or the same one (warm), and what its server must answer before it is timed.
 *
 * @packageDocumentation
 */

/** The server applications (one process per case). */
export type ServerKind =
  'bare' | 'peer' | 'cert' | 'binding' | 'full' | 'full-otel' | 'peer-dpop' | 'dpop' | 'dpop-redis';

/** One benchmark case. */
export interface BenchCase {
  readonly id: string;
  readonly label: string;
  readonly server: ServerKind;
  /** Every request presents another certificate and a token bound to it (from the pool). */
  readonly cold: boolean;
  /**
   * The header carries the leaf and its intermediate (two escaped PEM blocks, as nginx sends a
   * multi-block `$ssl_client_escaped_cert` and HAProxy a chain); otherwise the leaf alone.
   */
  readonly chain?: boolean;
  /**
   * Every request sends the same DPoP-bound token (`cnf.jkt`) with a proof never sent before
   * (RFC 9449), and no certificate.
   */
  readonly dpop?: boolean;
}

/** Every case, in the order of the first round. */
export const CASES: readonly BenchCase[] = [
  { id: 'bare', label: 'bare Express 5', server: 'bare', cold: false },
  {
    id: 'peer',
    label: 'express-oauth2-jwt-bearer (RS256 + mTLS binding)',
    server: 'peer',
    cold: false,
  },
  { id: 'cert', label: 'ours: clientCertificate()', server: 'cert', cold: false },
  {
    id: 'binding',
    label: 'ours: binding (clientCertificate + requireCertificateBoundToken)',
    server: 'binding',
    cold: false,
  },
  {
    id: 'full',
    label: 'ours: full stack (+ requireClientCertificate chain)',
    server: 'full',
    cold: false,
  },
  {
    id: 'full-otel',
    label: 'ours: full stack + instrumentMtls() (OpenTelemetry SDK registered)',
    server: 'full-otel',
    cold: false,
  },
  { id: 'peer-cold', label: 'express-oauth2-jwt-bearer, cold', server: 'peer', cold: true },
  { id: 'binding-cold', label: 'ours: binding, cold', server: 'binding', cold: true },
  { id: 'full-cold', label: 'ours: full stack, cold', server: 'full', cold: true },
  {
    id: 'bare-chain',
    label: 'bare Express 5, leaf + intermediate header',
    server: 'bare',
    cold: false,
    chain: true,
  },
  {
    id: 'peer-chain',
    label: 'express-oauth2-jwt-bearer, leaf + intermediate header',
    server: 'peer',
    cold: false,
    chain: true,
  },
  {
    id: 'full-chain',
    label: 'ours: full stack, leaf + intermediate header',
    server: 'full',
    cold: false,
    chain: true,
  },
  {
    id: 'peer-chain-cold',
    label: 'express-oauth2-jwt-bearer, leaf + intermediate header, cold',
    server: 'peer',
    cold: true,
    chain: true,
  },
  {
    id: 'full-chain-cold',
    label: 'ours: full stack, leaf + intermediate header, cold',
    server: 'full',
    cold: true,
    chain: true,
  },
  {
    id: 'peer-dpop',
    label: 'express-oauth2-jwt-bearer, DPoP (no jti replay check)',
    server: 'peer-dpop',
    cold: false,
    dpop: true,
  },
  {
    id: 'dpop',
    label: 'ours: requireSenderConstrainedToken, DPoP, memoryReplayStore',
    server: 'dpop',
    cold: false,
    dpop: true,
  },
  {
    id: 'dpop-redis',
    label: 'ours: requireSenderConstrainedToken, DPoP, redisReplayStore (local redis-server)',
    server: 'dpop-redis',
    cold: false,
    dpop: true,
  },
];

/**
 * The case a row's ratio is taken against: bare Express (`'bare'`) or the peer (`'peer'`), with
 * the same header shape and, for the peer, the same warmth; a DPoP row's peer is the peer in
 * DPoP mode. `undefined` when no case matches.
 */
export function referenceCase(
  benchCase: BenchCase,
  to: 'bare' | 'peer',
  cases: readonly BenchCase[] = CASES,
): BenchCase | undefined {
  const cold = to === 'peer' && benchCase.cold;
  const server: ServerKind = to === 'peer' && benchCase.dpop === true ? 'peer-dpop' : to;
  return cases.find(
    (other) =>
      other.server === server &&
      other.cold === cold &&
      (other.chain === true) === (benchCase.chain === true),
  );
}

/** The order of round `round`: as listed, then reversed, and so on (ABC, CBA, ABC…). */
export function roundOrder<T>(items: readonly T[], round: number): readonly T[] {
  return round % 2 === 0 ? items : [...items].reverse();
}

/** What a server must answer to one request of the pre-check. */
export interface Expectation {
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly status: number;
}

/** The headers of one request: the nginx certificate header and the bearer token. */
export interface RequestMaterial {
  /**
   * `x-ssl-cert` as nginx's `$ssl_client_escaped_cert` sends it (the leaf, or for a
   * {@link BenchCase.chain} case the leaf and its intermediate), or undefined for none.
   */
  readonly certificate: string | undefined;
  readonly token: string;
}

/** The requests the pre-check needs (for a cold case, made from pool entries). */
export interface CheckMaterial {
  /** A certificate with a token bound to it. */
  readonly good: RequestMaterial;
  /** Another certificate of the same CA, with the good request's token. */
  readonly mismatched: RequestMaterial;
  /** A certificate of an unrelated CA, with a token bound to it. */
  readonly stranger: RequestMaterial;
}

/** The request headers for `material`. */
export function requestHeaders(material: RequestMaterial): Record<string, string> {
  return material.certificate === undefined
    ? { authorization: `Bearer ${material.token}` }
    : { 'x-ssl-cert': material.certificate, authorization: `Bearer ${material.token}` };
}

/**
 * What each server must answer before it is timed: the good request is accepted (200); a server
 * that checks the binding refuses the mismatched certificate (401); ours also refuse the token
 * without a certificate (401); `clientCertificate()` alone refuses a malformed header (400),
 * which shows that it parses; the full stack refuses a certificate of an unrelated CA (403).
 */
export function expectations(kind: ServerKind, material: CheckMaterial): Expectation[] {
  const list: Expectation[] = [
    {
      name: 'good certificate and bound token',
      headers: requestHeaders(material.good),
      status: 200,
    },
  ];
  if (kind === 'cert') {
    list.push({
      name: 'malformed certificate header',
      headers: { ...requestHeaders(material.good), 'x-ssl-cert': 'not%20a%20certificate' },
      status: 400,
    });
  }
  const full = kind === 'full' || kind === 'full-otel';
  if (kind === 'peer' || kind === 'binding' || full) {
    list.push({
      name: "another client's certificate",
      headers: requestHeaders(material.mismatched),
      status: 401,
    });
  }
  if (kind === 'binding' || full) {
    list.push({
      name: 'bound token without a certificate',
      headers: requestHeaders({ certificate: undefined, token: material.good.token }),
      status: 401,
    });
  }
  if (full) {
    list.push({
      name: 'certificate of an unrelated CA',
      headers: requestHeaders(material.stranger),
      status: 403,
    });
  }
  return list;
}
