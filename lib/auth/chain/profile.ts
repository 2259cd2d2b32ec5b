/**
 * The RFC 5280 certificate profile rules a conforming CA never breaks and path validation does
 * not otherwise check: extensions that must not be critical, a CA or a name-less certificate
 * without a subject, `keyCertSign` outside a CA. A certificate that breaks one is refused with
 * `profile_violation`. Checked on every certificate of a path but the trust anchor, which is
 * configured rather than presented (RFC 5280 §6.1.1).
 *
 * Deliberately not enforced, as in Go, rustls and pyca: key identifiers may be absent, and a CA's
 * `basicConstraints` may be non-critical.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.6 | RFC 5280 §4.1.2.6}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2 | RFC 5280 §4.2}
 * @packageDocumentation
 */
import { CertificateUntrustedError } from '../../errors';
import { readChildren, readTlv } from '../../internal/der';
import { accept, reject, type Decision } from '../../decision';
import type { CertificateInfo } from '../../x509/certificate-info';
import { EXTENSION, KEY_USAGE } from '../../x509/extensions';

/** Extensions RFC 5280 requires to be non-critical, with the section that says so. */
const NON_CRITICAL: readonly (readonly [string, string, string])[] = [
  [EXTENSION.authorityKeyIdentifier, 'authorityKeyIdentifier', '§4.2.1.1'],
  [EXTENSION.subjectKeyIdentifier, 'subjectKeyIdentifier', '§4.2.1.2'],
  [EXTENSION.authorityInfoAccess, 'authorityInfoAccess', '§4.2.2.1'],
];

/** The message `read` throws, if it throws. */
function failure(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function violation(message: string): Decision<never, CertificateUntrustedError> {
  return reject(new CertificateUntrustedError('profile_violation', { message }));
}

/**
 * The first RFC 5280 profile rule `info` breaks, or a description of its conformance. The
 * subjectAltName is decoded here, strictly (as `ClientCertificate.subjectAltNames`, which keeps the
 * result), so that a certificate that validates never throws when a middleware reads its names.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.3 | RFC 5280 §4.2.1.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6 | RFC 5280 §4.2.1.6}
 */
export function checkProfile(info: CertificateInfo): Decision<string, CertificateUntrustedError> {
  const extensions = info.certificate.extensions;
  for (const [oid, name, section] of NON_CRITICAL) {
    if (extensions.get(oid)?.critical === true) {
      return violation(`${name} is marked critical (RFC 5280 ${section})`);
    }
  }
  const ca = info.basicConstraints?.ca === true;
  if (info.keyUsage !== undefined && (info.keyUsage & KEY_USAGE.keyCertSign) !== 0 && !ca) {
    return violation(
      'keyUsage asserts keyCertSign but basicConstraints cA is not true (RFC 5280 §4.2.1.3)',
    );
  }
  if (info.issuerEmpty) return violation('empty issuer name (RFC 5280 §4.1.2.4)');
  const san = extensions.get(EXTENSION.subjectAltName);
  if (san) {
    const malformed = failure(() => info.certificate.subjectAltNames);
    if (malformed !== undefined) {
      return violation(`subjectAltName cannot be decoded: ${malformed}`);
    }
    const list = readTlv(san.value, 0, san.value.length);
    if (readChildren(san.value, list).length === 0) {
      return violation('subjectAltName holds no name (RFC 5280 §4.2.1.6)');
    }
  }
  if (info.subjectEmpty) {
    if (ca) return violation('CA certificate with an empty subject (RFC 5280 §4.1.2.6)');
    if (!san) return violation('empty subject and no subjectAltName (RFC 5280 §4.1.2.6)');
    if (!san.critical) {
      return violation('empty subject with a non-critical subjectAltName (RFC 5280 §4.2.1.6)');
    }
  }
  return accept('conforms to the RFC 5280 profile');
}
