import { ClientCertificate } from '../certificate';
import { FORMAT_NAMES, FORMATS, type BuiltInFormat } from './formats';
import { checkHeaderName } from './header-name';

/** Options of {@link encodeForwardedCertificate}. */
export interface EncodeForwardedCertificateOptions {
  /** The header carrying the certificate. Default: the format's conventional header. */
  readonly header?: string | undefined;
  /** The chain header (`rfc9440` only). Default: `client-cert-chain`. */
  readonly chainHeader?: string | undefined;
}

/**
 * Encodes a certificate and its `chain` exactly as a proxy would forward them in `format`, as
 * header name → value (lower-case names). Meant for a Node TLS front that plays the proxy, and
 * for tests: whatever it produces, `clientCertificate({ format })` reads back into the same
 * certificate and chain.
 *
 * Per format: `nginx` → URL-escaped PEM blocks; `pem` → PEM blocks with line breaks folded into
 * spaces (Apache); `der-base64` → base64 of the concatenated DER; `rfc9440` → `Client-Cert` and,
 * when there is a chain, `Client-Cert-Chain`; `xfcc` → one Envoy-style element (`Hash`,
 * `Cert`, `Chain` when there is a chain, `Subject`, `URI`, `DNS`) with every value quoted and
 * `"`/`\` escaped — unlike Envoy, which writes `URI` and `DNS` raw — so that SANs holding
 * `,` `;` `"` read back unchanged; `aws-alb` → URL-escaped PEM with
 * `+ = /` literal; `traefik` → comma-joined base64 DER.
 *
 * @throws {TypeError} for an unknown format or an invalid header name.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9440#section-2 | RFC 9440 §2}
 */
export function encodeForwardedCertificate(
  certificate: ClientCertificate,
  format: BuiltInFormat,
  options: EncodeForwardedCertificateOptions = {},
): Record<string, string> {
  const name = 'encodeForwardedCertificate()';
  if (!(certificate instanceof ClientCertificate)) {
    throw new TypeError(`${name}: expected a ClientCertificate (use ClientCertificate.from()).`);
  }
  if (!Object.hasOwn(FORMATS, format)) {
    throw new TypeError(
      `${name}: format must be one of ${FORMAT_NAMES.map((f) => `"${f}"`).join(', ')}.`,
    );
  }
  const codec = FORMATS[format];
  const header = checkHeaderName(name, 'header', options.header) ?? codec.header;
  const chainHeader =
    checkHeaderName(name, 'chainHeader', options.chainHeader) ?? codec.chainHeader;
  const encoded = codec.encode(certificate);
  const headers: Record<string, string> = { [header]: encoded.value };
  if (encoded.chain !== undefined && chainHeader !== undefined)
    headers[chainHeader] = encoded.chain;
  return headers;
}
