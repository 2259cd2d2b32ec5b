import { pemBlockDecoder } from '../forwarded-pem';
import { certificatePemText, type FormatCodec } from './codec';

/** A URL-escaped BEGIN line (nginx, and AWS ALB, which leaves `+ / =` literal). */
export const ESCAPED_PEM = /-----BEGIN%20CERTIFICATE-----/i;

const decodeUrlEscapedPem = pemBlockDecoder(true);

/**
 * nginx `$ssl_client_escaped_cert`: the PEM (with its trailing line feed) escaped as a URI
 * component — `%20` for spaces, `%0A` for line feeds, `%2B`, `%2F`, `%3D`. One or more blocks,
 * leaf first. Decoded by percent-decoding only (never form decoding).
 *
 * @see {@link https://nginx.org/en/docs/http/ngx_http_ssl_module.html#var_ssl_client_escaped_cert | nginx: $ssl_client_escaped_cert}
 */
export const nginxFormat: FormatCodec = {
  name: 'nginx',
  header: 'x-ssl-cert',
  chain: 'same-encoding',
  hints: ['ingress-nginx', 'kong'],
  detect: { rank: 4, test: (text) => ESCAPED_PEM.test(text) },
  decode: decodeUrlEscapedPem,
  decodeChain: decodeUrlEscapedPem,
  encode: (certificate) => ({ value: encodeURIComponent(certificatePemText(certificate)) }),
};
