import { pemBlockDecoder } from '../forwarded-pem';
import { certificatePemText, type FormatCodec } from './codec';

const decodeRawPem = pemBlockDecoder(false);

/**
 * PEM as text: Apache's `RequestHeader set X-SSL-Cert "%{SSL_CLIENT_CERT}s"` turns every line
 * break into a space, and sends the literal `(null)` when there is no certificate. One or more
 * blocks, leaf first. (nginx's deprecated `$ssl_client_cert` folds lines with tabs, which
 * Node's HTTP parser refuses with a 400 before any middleware runs: use
 * `$ssl_client_escaped_cert` and the `nginx` format.)
 *
 * @see {@link https://httpd.apache.org/docs/current/mod/mod_headers.html#requestheader | Apache: RequestHeader}
 */
export const pemFormat: FormatCodec = {
  name: 'pem',
  header: 'x-ssl-cert',
  chain: 'same-encoding',
  hints: ['apache', 'httpd'],
  detect: { rank: 1, test: (text) => text.includes('-----BEGIN CERTIFICATE-----') },
  absentValues: ['(null)'],
  decode: decodeRawPem,
  decodeChain: decodeRawPem,
  encode: (certificate) => ({
    value: certificatePemText(certificate).replace(/\n/g, ' ').trimEnd(),
  }),
};
