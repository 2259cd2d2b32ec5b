import { ClientCertificate, type CertificateParseError } from '../certificate';
import { formatName, type NameAttribute } from '../distinguished-name';
import { ForwardedCertificateError } from './decode-error';
import type { XfccElement } from './xfcc-parser';

/** The keys whose values Envoy writes from the client certificate's own text. */
const RENDERED_KEYS: ReadonlySet<string> = new Set(['uri', 'dns', 'subject']);

const FIX =
  'forward only By, Hash, Cert and Chain (Envoy set_current_client_cert_details: ' +
  '{ cert: true, chain: true }, without uri, dns and subject), or use the RFC 9440 ' +
  'client_cert filter';

function ambiguous(what: string): ForwardedCertificateError {
  return new ForwardedCertificateError(
    'xfcc_ambiguous',
    `the x-forwarded-client-cert element boundaries cannot be trusted: ${what}; ${FIX}`,
  );
}

/** Whether an element carries text that Envoy copies from the client certificate. */
export function carriesCertificateText(element: XfccElement): boolean {
  return element.some(({ key }) => RENDERED_KEYS.has(key));
}

function values(element: XfccElement, key: string): string[] {
  return element.filter((pair) => pair.key === key).map((pair) => pair.value);
}

/** A value an unquoted read cannot cut short or run past: no quote, separator, `=`, `\` or space. */
const PLAIN_VALUE = /^[^",;=\\\s]+$/;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Whether an attribute may hold `"` or `\` (a value that is not text may hold anything). */
function mayHoldQuoteOrBackslash(attribute: NameAttribute): boolean {
  return attribute.value === undefined || /["\\]/.test(attribute.value);
}

/**
 * Checks that one XFCC element is exactly what a proxy writes for its own leaf certificate
 * (`leaf`, already matched against the element's `Hash`): every `URI` value equals the leaf's
 * URI SANs in order (or the element has none, or one empty `URI=` for a leaf without any, or
 * only the first URI SAN, as Envoy releases before all-URI output write it, when that SAN holds
 * no quote, separator, `=`, `\` or space),
 * every `DNS` value its DNS SANs (or none), and `Subject` is either the leaf's RFC 4514 subject
 * or a subject without `"` or `\` (which no proxy's quoting can get wrong).
 *
 * Why this proves the element boundaries: Envoy quotes `Cert`, `Chain` and `Subject` but copies
 * `URI` and `DNS` raw. Where a client's SAN holds a separator, the parser cuts that value short
 * (an unquoted read stops inside it) or reads a quoted span that runs past it (and then holds
 * one more separator than the SAN) — either way the value read differs from the SAN, in the
 * element that holds the proxy's `Hash` and the client's `Cert`. Values written quoted by
 * `encodeForwardedCertificate()` read back exactly, so any SAN text is accepted there.
 *
 * @throws {ForwardedCertificateError} `xfcc_ambiguous` or `not_a_certificate`.
 * @see {@link https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert | Envoy: x-forwarded-client-cert}
 */
export function checkXfccRendering(element: XfccElement, leaf: Buffer): void {
  let certificate: ClientCertificate;
  let uri: readonly string[];
  let dns: readonly string[];
  let subject: string;
  let attributes: readonly NameAttribute[];
  try {
    certificate = new ClientCertificate(leaf);
    ({ uri, dns } = certificate.subjectAltNames);
    attributes = certificate.subjectRdns.flat();
    subject = formatName(certificate.subjectRdns);
  } catch (error) {
    throw new ForwardedCertificateError(
      'not_a_certificate',
      (error as CertificateParseError).message,
      { cause: error },
    );
  }
  const uriValues = values(element, 'uri');
  const [first] = uri;
  const uriMatches =
    uriValues.length === 0 ||
    sameList(uriValues, uri) ||
    (uri.length === 0 && sameList(uriValues, [''])) ||
    (first !== undefined && PLAIN_VALUE.test(first) && sameList(uriValues, [first]));
  if (!uriMatches) throw ambiguous('its URI values are not the URI SANs of its certificate');
  const dnsValues = values(element, 'dns');
  if (dnsValues.length > 0 && !sameList(dnsValues, dns)) {
    throw ambiguous('its DNS values are not the DNS SANs of its certificate');
  }
  const subjectValues = values(element, 'subject');
  if (subjectValues.length > 1) throw ambiguous('it has Subject twice');
  const [subjectValue] = subjectValues;
  if (
    subjectValue !== undefined &&
    subjectValue !== subject &&
    attributes.some(mayHoldQuoteOrBackslash)
  ) {
    throw ambiguous('the subject of its certificate holds " or \\');
  }
}
