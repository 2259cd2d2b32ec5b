import { createHash, hash as digest } from 'node:crypto';
import type { ClientCertificate } from '../../certificate';
import { encodePem } from '../../internal/pem';
import { ForwardedCertificateError } from '../decode-error';
import { decodeEscapedPemSequence } from '../forwarded-pem';
import { parseXfcc, type XfccElement } from '../xfcc-parser';
import { carriesCertificateText, checkXfccRendering } from '../xfcc-rendering';
import { integerOption } from '../../internal/options';
import type { DecodeContext, DecodeLimits, FormatCodec } from './codec';

type SingleKey = 'cert' | 'chain' | 'hash';
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const XFCC_KEY = /(?:^|[;,])[ \t]*(?:by|hash|cert|chain|subject|uri|dns)=/i;

/** XFCC's own option. */
export interface XfccOptions extends Readonly<Record<string, unknown>> {
  /** Which element to believe, counted from the right (1 = the last one). */
  readonly xfccHops: number;
}

/** What one element says: its certificates (leaf first) and whether it carried a `Hash`. */
interface ReadElement {
  readonly ders: Buffer[];
  readonly hashed: boolean;
}

function singleValues(element: XfccElement): Partial<Record<SingleKey, string>> {
  const values: Partial<Record<SingleKey, string>> = {};
  for (const { key, value } of element) {
    if (key === 'cert' || key === 'chain' || key === 'hash') {
      if (values[key] !== undefined) {
        throw new ForwardedCertificateError(
          'xfcc_duplicate_key',
          `x-forwarded-client-cert element has "${key}" twice`,
        );
      }
      values[key] = value;
    }
  }
  return values;
}

function readElement(element: XfccElement, limits: DecodeLimits): ReadElement {
  const { cert, chain, hash } = singleValues(element);
  const leaf =
    cert === undefined ? [] : decodeEscapedPemSequence(cert, limits.maxCertificates, true);
  if (leaf.length > 1) {
    throw new ForwardedCertificateError('pem', 'the Cert value holds more than one certificate');
  }
  const presented =
    chain === undefined ? [] : decodeEscapedPemSequence(chain, limits.maxCertificates, true);
  const ders = [...leaf, ...presented];
  const first = ders[0];
  if (first === undefined) {
    throw new ForwardedCertificateError(
      'xfcc_missing_cert',
      'the x-forwarded-client-cert element has no Cert or Chain: enable ' +
        'set_current_client_cert_details.cert in Envoy',
    );
  }
  if (hash !== undefined) {
    if (!SHA256_HEX.test(hash)) {
      throw new ForwardedCertificateError('xfcc_syntax', 'Hash is not a hex SHA-256');
    }
    if (digest('sha256', first, 'hex') !== hash.toLowerCase()) {
      throw new ForwardedCertificateError(
        'xfcc_hash_mismatch',
        'the x-forwarded-client-cert Hash does not match its certificate',
      );
    }
  }
  return { ders, hashed: hash !== undefined };
}

/**
 * When the element believed or one left of it carries text copied from a certificate (`URI`,
 * `DNS`, `Subject`), a client may have forged element boundaries with its own SANs: each of those
 * elements must then have a `Hash` and render exactly its own certificate.
 */
function checkBoundaries(
  elements: readonly XfccElement[],
  believed: number,
  read: ReadElement,
  limits: DecodeLimits,
): void {
  const trusted = elements.slice(0, believed + 1);
  if (!trusted.some(carriesCertificateText)) return;
  trusted.forEach((element, i) => {
    const { ders, hashed } = i === believed ? read : readElement(element, limits);
    if (!hashed) {
      throw new ForwardedCertificateError(
        'xfcc_ambiguous',
        'an x-forwarded-client-cert element with URI, DNS or Subject has no Hash, so its ' +
          'boundaries cannot be checked',
      );
    }
    checkXfccRendering(element, ders[0] as Buffer);
  });
}

function decodeXfcc(value: string, limits: DecodeContext<XfccOptions>): Buffer[] | undefined {
  const elements = parseXfcc(value);
  const believed = elements.length - limits.xfccHops;
  const element = elements[believed];
  if (element === undefined) return undefined;
  const read = readElement(element, limits);
  checkBoundaries(elements, believed, read, limits);
  return read.ders;
}

/** A quoted XFCC value: `"` and `\` escaped, so that no value can end its pair early. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function encodeXfcc(certificate: ClientCertificate): { value: string } {
  const escapedPem = (ders: readonly Buffer[]): string =>
    encodeURIComponent(ders.map((der) => encodePem(der)).join(''));
  const pairs = [
    `Hash=${quote(createHash('sha256').update(certificate.der).digest('hex'))}`,
    `Cert=${quote(escapedPem([certificate.der]))}`,
  ];
  if (certificate.chain.length > 0) {
    pairs.push(
      `Chain=${quote(escapedPem([certificate.der, ...certificate.chain.map((c) => c.der)]))}`,
    );
  }
  pairs.push(`Subject=${quote(certificate.subject)}`);
  const { uri, dns } = certificate.subjectAltNames;
  if (uri.length === 0) pairs.push('URI=""');
  for (const name of uri) pairs.push(`URI=${quote(name)}`);
  for (const name of dns) pairs.push(`DNS=${quote(name)}`);
  return { value: pairs.join(';') };
}

/**
 * Envoy / Istio / Azure Container Apps `x-forwarded-client-cert` (XFCC). Each proxy hop appends
 * one element describing its own downstream peer; the element believed is the `xfccHops`-th from
 * the right (default 1: the one appended by the proxy nearest to the app), so elements a client
 * injected on the left are never believed. Fewer elements than `xfccHops` means no client
 * certificate. From that element: `Cert` (URL-escaped PEM) is the leaf, `Chain` (URL-escaped PEM,
 * leaf first) the presented chain, and `Hash` (hex SHA-256 of the leaf), when present, must
 * match. A `Cert` key is required (Envoy `set_current_client_cert_details.cert: true`), or a
 * `Chain`.
 *
 * Envoy writes `URI` and `DNS` values unquoted, straight from the client's certificate, so a
 * client can forge element boundaries with a SAN such as `spiffe://x,Cert="<someone's PEM>"`.
 * When the element believed, or one left of it, has `URI`, `DNS` or `Subject` pairs, each of
 * those elements must carry a `Hash` and render exactly its own certificate
 * ({@link checkXfccRendering}); otherwise the header is refused (`xfcc_ambiguous`). Safe Envoy
 * settings forward only `Hash`, `Cert` and `Chain`. The encoder quotes every value, so its output
 * reads back whatever the certificate's SANs and subject hold.
 *
 * @see {@link https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert | Envoy: x-forwarded-client-cert}
 */
export const xfccFormat: FormatCodec<XfccOptions> = {
  name: 'xfcc',
  header: 'x-forwarded-client-cert',
  chain: 'in-value',
  hints: ['envoy', 'istio', 'x-forwarded-client-cert'],
  detect: { rank: 2, test: (text) => XFCC_KEY.test(text) },
  options: {
    names: ['xfccHops'],
    compile: (factory, given) => ({
      xfccHops: integerOption(factory, 'xfccHops', given.xfccHops, 1, 1),
    }),
  },
  decode: decodeXfcc,
  encode: encodeXfcc,
};
