import { decodeBase64Strict } from '../../internal/base64';
import { ForwardedCertificateError } from '../decode-error';
import { splitDerSequence } from '../der-sequence';
import { certificateDers, type FormatCodec } from './codec';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeDerBase64(value: string, limits: { maxCertificates: number }): Buffer[] {
  const bytes = decodeBase64Strict(value);
  if (bytes === undefined) {
    throw new ForwardedCertificateError('base64', 'not standard base64 with padding');
  }
  return splitDerSequence(bytes, limits.maxCertificates);
}

/**
 * Standard base64 (with padding, no line breaks) of the DER certificate: HAProxy
 * `%[ssl_c_der,base64]`, Caddy `{http.request.tls.client.certificate_der_base64}`, Azure App
 * Service `X-ARR-ClientCert`, Cloudflare `Cf-Client-Cert-Der-Base64`, F5, ASP.NET Core. Several
 * concatenated DER certificates (leaf first) are accepted, as is a `chainHeader` holding
 * HAProxy's `%[ssl_c_chain_der,base64]`.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc4648#section-4 | RFC 4648 §4}
 */
export const derBase64Format: FormatCodec = {
  name: 'der-base64',
  header: 'x-client-cert',
  chain: 'same-encoding',
  hints: ['haproxy', 'caddy', 'azure', 'azure-app-service', 'cloudflare', 'f5', 'base64', 'der'],
  detect: { rank: 7, test: (text) => BASE64.test(text) },
  decode: decodeDerBase64,
  decodeChain: decodeDerBase64,
  encode: (certificate) => ({
    value: Buffer.concat(certificateDers(certificate)).toString('base64'),
  }),
};
