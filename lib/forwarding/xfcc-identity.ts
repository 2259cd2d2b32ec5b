import { parseSpiffeId } from '../spiffe-id';
import { ForwardedCertificateError } from './decode-error';
import { parseXfcc, type XfccElement } from './xfcc-parser';

/**
 * An identity a trusted proxy asserted about its downstream peer without forwarding the peer's
 * certificate: the `URI=` / `DNS=` pairs of an identity-only `x-forwarded-client-cert` element
 * (Istio ambient waypoints, Envoy without `set_current_client_cert_details.cert`). It is only as
 * good as the proxy's own authentication of that peer, and it is never a certificate: it never
 * sets `req.clientCert` and never satisfies a certificate binding (RFC 8705 §3).
 */
export interface ProxyAssertedIdentity {
  /** Where the identity came from. */
  readonly source: 'xfcc';
  /** The peer's URI SANs as the proxy wrote them (`URI=`), in order; empty when none. */
  readonly uri: readonly string[];
  /** The peer's DNS SANs as the proxy wrote them (`DNS=`), in order; empty when none. */
  readonly dns: readonly string[];
  /** The SPIFFE ID: the single `URI` value when it is a valid SPIFFE ID, else `undefined`. */
  readonly spiffeId: string | undefined;
  /** The asserting proxy's own URI SANs (`By=`), in order; empty when none. */
  readonly by: readonly string[];
  /** `Hash=`: the proxy's hex SHA-256 of the peer certificate it saw (not checkable here). */
  readonly proxyHash: string;
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** A value an unquoted read cannot cut short or run past: no quote, separator, `=`, `\` or space. */
const PLAIN_VALUE = /^[^",;=\\\s]+$/;
/** The identity keys, in the order Envoy writes them (`By`, `Hash`, `Subject`, `URI`, `DNS`). */
const KEY_ORDER: ReadonlyMap<string, number> = new Map([
  ['by', 0],
  ['hash', 1],
  ['subject', 2],
  ['uri', 3],
  ['dns', 4],
]);

const FIX =
  'forward identity-only elements from proxies that sanitize the header ' +
  '(forward_client_cert_details: SANITIZE_SET at the outermost trusted proxy), or forward ' +
  'the certificate and use clientCertificate()';

function ambiguous(what: string): ForwardedCertificateError {
  return new ForwardedCertificateError(
    'xfcc_ambiguous',
    `the identity-only x-forwarded-client-cert cannot be trusted: ${what}; ${FIX}`,
  );
}

function values(element: XfccElement, key: string): string[] {
  return element.filter((pair) => pair.key === key).map((pair) => pair.value);
}

/** Reads one element that must be exactly what a proxy writes without a certificate. */
function readElement(element: XfccElement): ProxyAssertedIdentity {
  let previous = 0;
  for (const { key } of element) {
    const rank = KEY_ORDER.get(key);
    if (rank === undefined) {
      throw ambiguous(
        key === 'cert' || key === 'chain'
          ? 'an element carries a certificate (use clientCertificate())'
          : 'an element has a key other than By, Hash, Subject, URI and DNS',
      );
    }
    if (rank < previous) {
      throw ambiguous(
        'an element has its keys out of the order the proxy writes them (By, Hash, Subject, ' +
          'URI, DNS), as when a SAN holds ";"',
      );
    }
    previous = rank;
  }
  const hashes = values(element, 'hash');
  const [hash] = hashes;
  if (hashes.length !== 1 || hash === undefined || !SHA256_HEX.test(hash)) {
    throw ambiguous('an element has no single hex SHA-256 Hash');
  }
  const subjects = values(element, 'subject');
  if (subjects.length > 1 || (subjects.length === 1 && subjects[0] !== '')) {
    throw ambiguous('an element has a non-empty Subject, which cannot be checked');
  }
  if (element.some(({ key, quoted }) => quoted === true && key !== 'subject' && key !== 'hash')) {
    throw ambiguous(
      "a By, URI or DNS value is quoted, which Envoy never writes: the quotes are the SAN's own",
    );
  }
  const by = values(element, 'by');
  const dns = values(element, 'dns');
  let uri = values(element, 'uri');
  if (uri.length === 1 && uri[0] === '') uri = [];
  if (![...by, ...uri, ...dns].every((value) => PLAIN_VALUE.test(value))) {
    throw ambiguous(
      'a By, URI or DNS value is empty or holds a quote, separator, "=", "\\" or space',
    );
  }
  const [only] = uri;
  const spiffeId =
    uri.length === 1 && only !== undefined && parseSpiffeId(only).ok ? only : undefined;
  return { source: 'xfcc', uri, dns, spiffeId, by, proxyHash: hash.toLowerCase() };
}

/**
 * Reads the proxy-asserted identity from an identity-only `x-forwarded-client-cert` value: the
 * element `hops`-th from the right, as for certificates. `undefined` when the header holds
 * fewer elements than `hops`.
 *
 * Why it is strict: Envoy writes `By`, `URI` and `DNS` unquoted, the last two straight from the
 * peer's certificate, so a peer whose SAN reads `spiffe://a/x,By=…;Hash=…;URI=spiffe://a/admin`
 * splits the proxy's element in two, and the forged half looks exactly like an honest element.
 * With a certificate the split is caught (each element must render its own certificate, see
 * `checkXfccRendering()`); without one nothing can be checked, so:
 * - the header must hold exactly `hops` elements, all written by trusted proxies (the
 *   outermost one sanitizing the header): a split always adds an element, so one element too
 *   many is refused rather than guessed at;
 * - every element must be identity-only (`By`, one hex SHA-256 `Hash`, `URI`, `DNS`, and at
 *   most an empty `Subject`; no `Cert`, `Chain` or other key) with plain `By` / `URI` / `DNS`
 *   values (no quote, `,`, `;`, `=`, `\` or whitespace — a SPIFFE ID never has those), so no
 *   value can run past or stop short of the separators the proxy wrote;
 * - the keys come in the order Envoy writes them (`By`, `Hash`, `Subject`, `URI`, `DNS`), so a
 *   SAN holding `;` cannot add a key that the proxy writes before its own (a DNS SAN
 *   `x;URI=spiffe://…` is refused).
 *
 * - no `By`, `URI` or `DNS` value is quoted: Envoy writes them raw, so quotes would be the SAN's
 *   own text, and unquoting them would turn `"spiffe://td/admin"` into someone else's ID.
 *
 * What stays out of reach: a URI SAN holding `;DNS=name` or `;URI=…` reads as a URI cut short and
 * an extra pair, in the proxy's own order (with two URIs there is no `spiffeId`). Only the issuing CA can prevent it (an X509-SVID's URI is a
 * SPIFFE ID, which never holds `;`): believe `dns` only where the CA restricts SAN characters,
 * and prefer `spiffeId`.
 *
 * @throws {ForwardedCertificateError} `xfcc_syntax` or `xfcc_ambiguous`.
 * @see {@link https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert | Envoy: x-forwarded-client-cert}
 */
export function readXfccIdentity(value: string, hops: number): ProxyAssertedIdentity | undefined {
  const elements = parseXfcc(value);
  if (elements.length < hops) return undefined;
  if (elements.length > hops) {
    throw ambiguous(
      `it holds ${elements.length} elements where ${hops} trusted hop(s) were expected, so ` +
        `an element may have been split by a SAN`,
    );
  }
  const read = elements.map(readElement);
  return read[0];
}
