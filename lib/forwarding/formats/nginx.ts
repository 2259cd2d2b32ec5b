import { encodePem } from '../../internal/pem';
import { decodePemSequence } from '../pem-sequence';
import { percentDecode } from '../percent-decode';
import { certificateDers, type FormatCodec } from './codec';

function decodeUrlEscapedPem(value: string, limits: { maxCertificates: number }): Buffer[] {
  return decodePemSequence(percentDecode(value), limits.maxCertificates);
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
