import { encodePem } from '../../internal/pem';
import { decodeEscapedPemSequence } from '../escaped-pem-sequence';
import { certificateDers, type FormatCodec } from './codec';

function decodeUrlEscapedPem(value: string, limits: { maxCertificates: number }): Buffer[] {
  return decodeEscapedPemSequence(value, limits.maxCertificates, true);
}

/**
 * nginx `$ssl_client_escaped_cert`: the PEM (with its trailing line feed) escaped as a URI
 * component — `%20` for spaces, `%0A` for line feeds, `%2B`, `%2F`, `%3D`. One or more blocks,
 * leaf first. Decoded by percent-decoding only (never form decoding).
 *
 * @see {@link https://nginx.org/en/docs/http/ngx_http_ssl_module.html#var_ssl_client_escaped_cert | nginx: $ssl_client_escaped_cert}
 */
export const nginxFormat: FormatCodec = {
  header: 'x-ssl-cert',
  decode: decodeUrlEscapedPem,
  decodeChain: decodeUrlEscapedPem,
  encode: (certificate) => ({
    value: encodeURIComponent(
      certificateDers(certificate)
        .map((der) => encodePem(der))
        .join(''),
    ),
  }),
};
