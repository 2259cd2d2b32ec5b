import { decodeBase64Strict } from '../../internal/base64';
import { ForwardedCertificateError } from '../decode-error';
import { percentDecode } from '../percent-decode';
import { certificateDers, type FormatCodec } from './codec';

const ESCAPED_BASE64 = /%(?:2B|2F|3D)/i;

/**
 * Traefik `passTLSClientCert` with `pem: true` (`X-Forwarded-Tls-Client-Cert`): the base64 DER
 * of each presented certificate, leaf first, joined by `,`. Traefik before 2.9.4 also
 * URL-escaped each member (`%2B`, `%2F`, `%3D`); both forms are accepted.
 *
 * @see {@link https://doc.traefik.io/traefik/middlewares/http/passtlsclientcert/ | Traefik: PassTLSClientCert}
 */
export const traefikFormat: FormatCodec = {
  name: 'traefik',
  header: 'x-forwarded-tls-client-cert',
  chain: 'in-value',
  hints: [],
  detect: { rank: 6, test: (text) => text.includes(',') || ESCAPED_BASE64.test(text) },
  decode: (value, limits) => {
    const members = value.split(',');
    if (members.length > limits.maxCertificates) {
      throw new ForwardedCertificateError(
        'chain_too_long',
        `more than ${limits.maxCertificates} certificates`,
      );
    }
    return members.map((member) => {
      const der = decodeBase64Strict(percentDecode(member));
      if (der === undefined || der.length === 0) {
        throw new ForwardedCertificateError('base64', 'a member is not standard base64');
      }
      return der;
    });
  },
  encode: (certificate) => ({
    value: certificateDers(certificate)
      .map((der) => der.toString('base64'))
      .join(','),
  }),
};
