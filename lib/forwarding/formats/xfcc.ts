import { createHash, hash as digest } from 'node:crypto';
import type { ClientCertificate } from '../../certificate';
import { encodePem } from '../../internal/pem';
import { ForwardedCertificateError } from '../decode-error';
import { decodeEscapedPemSequence } from '../escaped-pem-sequence';
import { parseXfcc, type XfccElement } from '../xfcc-parser';
import type { DecodeLimits, FormatCodec } from './codec';

type SingleKey = 'cert' | 'chain' | 'hash';
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

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

function decodeXfcc(value: string, limits: DecodeLimits): Buffer[] | undefined {
  const elements = parseXfcc(value);
  const element = elements[elements.length - limits.xfccHops];
  if (element === undefined) return undefined;
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
  return ders;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function encodeXfcc(certificate: ClientCertificate): { value: string } {
  const escapedPem = (ders: readonly Buffer[]): string =>
    encodeURIComponent(ders.map((der) => encodePem(der)).join(''));
  const pairs = [
    `Hash=${createHash('sha256').update(certificate.der).digest('hex')}`,
    `Cert=${quote(escapedPem([certificate.der]))}`,
  ];
  if (certificate.chain.length > 0) {
    pairs.push(
      `Chain=${quote(escapedPem([certificate.der, ...certificate.chain.map((c) => c.der)]))}`,
    );
  }
  pairs.push(`Subject=${quote(certificate.subject)}`);
  const { uri, dns } = certificate.subjectAltNames;
  if (uri.length === 0) pairs.push('URI=');
  for (const name of uri) pairs.push(`URI=${name}`);
  for (const name of dns) pairs.push(`DNS=${name}`);
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
 * @see {@link https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert | Envoy: x-forwarded-client-cert}
 */
export const xfccFormat: FormatCodec = {
  header: 'x-forwarded-client-cert',
  decode: decodeXfcc,
  encode: encodeXfcc,
};
