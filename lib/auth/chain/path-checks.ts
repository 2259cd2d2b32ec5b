/**
 * The per-certificate checks of a built path: validity, algorithms, key strength, critical
 * extensions, CA constraints, path length, the RFC 5280 profile, name constraints and purpose. Signatures are checked while the path
 * is built (`path-builder.ts`) and revocation afterwards.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1.3 | RFC 5280 §6.1.3}
 * @see {@link https://www.rfc-editor.org/rfc/rfc5280#section-6.1.4 | RFC 5280 §6.1.4}
 * @packageDocumentation
 */
import type { CertificateRejectionReason } from '../../errors';
import type { CertificateInfo } from '../../x509/certificate-info';
import { CLIENT_AUTH, KEY_USAGE } from '../../x509/extensions';
import { validityStatus } from '../../x509/validity';
import { checkNameConstraints } from './name-constraints';
import { checkProfile } from './profile';
import type { CertificateCheck, CertificateCheckItem } from './types';

/** Settings the checks read. */
export interface CheckSettings {
  readonly toleranceMs: number;
  readonly requireClientAuthEku: boolean;
  readonly minRsaBits: number;
}

/** The first failed check of a path, if any. */
export interface PathFailure {
  readonly reason: CertificateRejectionReason;
  readonly detail: string;
  readonly info: CertificateInfo;
}

type Role = CertificateCheck['role'];

function item(
  name: string,
  ok: boolean,
  detail: string,
  reason: CertificateRejectionReason,
): CertificateCheckItem {
  return ok ? { name, ok, detail } : { name, ok, detail, reason };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The validity check of one certificate at `now`. */
export function validityCheck(
  info: { readonly notBefore: number; readonly notAfter: number; readonly validity?: string },
  now: number,
  toleranceMs: number,
): CertificateCheckItem {
  const status = validityStatus(info, now, toleranceMs);
  if (status === 'not_yet_valid') {
    return item('validity', false, `not valid before ${iso(info.notBefore)}`, 'not_yet_valid');
  }
  if (status === 'expired') {
    return item('validity', false, `expired at ${iso(info.notAfter)}`, 'expired');
  }
  return item(
    'validity',
    true,
    `valid ${info.validity ?? `${iso(info.notBefore)} to ${iso(info.notAfter)}`}`,
    'expired',
  );
}

function purposeCheck(info: CertificateInfo, role: Role): CertificateCheckItem {
  const eku = info.extKeyUsage;
  if (eku && !eku.includes(CLIENT_AUTH)) {
    return item(
      'purpose',
      false,
      `extended key usage lacks clientAuth (${eku.join(', ')})`,
      'eku_not_client_auth',
    );
  }
  if (
    role === 'leaf' &&
    info.keyUsage !== undefined &&
    (info.keyUsage & (KEY_USAGE.digitalSignature | KEY_USAGE.keyAgreement)) === 0
  ) {
    return item(
      'purpose',
      false,
      'key usage allows neither digitalSignature nor keyAgreement',
      'eku_not_client_auth',
    );
  }
  return item(
    'purpose',
    true,
    eku ? 'extended key usage includes clientAuth' : 'no extended key usage',
    'eku_not_client_auth',
  );
}

function caCheck(info: CertificateInfo): CertificateCheckItem {
  if (info.basicConstraints?.ca !== true) {
    return item(
      'ca',
      false,
      info.basicConstraints ? 'basicConstraints cA is false' : 'no basicConstraints extension',
      'issuer_not_ca',
    );
  }
  if (info.keyUsage !== undefined && (info.keyUsage & KEY_USAGE.keyCertSign) === 0) {
    return item('ca', false, 'key usage lacks keyCertSign', 'issuer_not_ca');
  }
  return item('ca', true, 'basicConstraints cA=true', 'issuer_not_ca');
}

/**
 * Runs every check on `path` (leaf first, anchor last). `signatures[i]` is the signature check
 * of `path[i]` recorded by the path builder (none for the anchor).
 */
export function checkPath(
  path: readonly CertificateInfo[],
  signatures: readonly CertificateCheckItem[],
  now: number,
  settings: CheckSettings,
  complete: boolean,
): { trace: CertificateCheck[]; failure: PathFailure | undefined } {
  const trace: CertificateCheck[] = [];
  let failure: PathFailure | undefined;
  let intermediatesBelow = 0;
  const names = complete ? checkNameConstraints(path) : [];
  path.forEach((info, index) => {
    const role: Role =
      index === 0 ? 'leaf' : complete && index === path.length - 1 ? 'anchor' : 'intermediate';
    const checks: CertificateCheckItem[] = [];
    const signature = signatures[index];
    if (signature) checks.push(signature);
    checks.push(validityCheck(info, now, settings.toleranceMs));
    if (role !== 'anchor') {
      checks.push(
        info.algorithm.status !== 'ok'
          ? item(
              'algorithm',
              false,
              `signature algorithm ${info.algorithm.name} is not accepted`,
              'weak_algorithm',
            )
          : item('algorithm', true, info.algorithm.name, 'weak_algorithm'),
      );
    }
    checks.push(
      item(
        'key',
        info.key.ok,
        info.key.ok
          ? info.key.description
          : `${info.key.description} is not accepted (minimum RSA ${settings.minRsaBits} bits; EC P-256, P-384, P-521; Ed25519, Ed448)`,
        'weak_key',
      ),
    );
    checks.push(
      info.unhandledCritical.length > 0
        ? item(
            'critical-extensions',
            false,
            `unsupported critical extension ${info.unhandledCritical.join(', ')}`,
            'unknown_critical_extension',
          )
        : item('critical-extensions', true, 'none unhandled', 'unknown_critical_extension'),
    );
    if (index > 0) {
      checks.push(caCheck(info));
      const limit = info.basicConstraints?.pathLength;
      checks.push(
        limit !== undefined && intermediatesBelow > limit
          ? item(
              'path-length',
              false,
              `pathLenConstraint ${limit} allows fewer than the ${intermediatesBelow} CA certificates below`,
              'path_length_exceeded',
            )
          : item(
              'path-length',
              true,
              limit === undefined ? 'no pathLenConstraint' : `pathLenConstraint ${limit}`,
              'path_length_exceeded',
            ),
      );
      if (!info.selfIssued) intermediatesBelow++;
    }
    const profile = role === 'anchor' ? undefined : checkProfile(info);
    if (profile?.ok === false) {
      checks.push(item('profile', false, profile.error.message, 'profile_violation'));
    }
    const constrained = names[index];
    if (constrained) {
      checks.push(
        constrained.ok
          ? item('name-constraints', true, constrained.value, 'name_constraints')
          : item('name-constraints', false, constrained.error.message, 'name_constraints'),
      );
    }
    if (settings.requireClientAuthEku) checks.push(purposeCheck(info, role));
    const failed = checks.find((check) => !check.ok);
    if (failed && !failure) {
      failure = {
        reason: failed.reason as CertificateRejectionReason,
        detail: `${role}: ${failed.detail as string}`,
        info,
      };
    }
    trace.push({ certificate: info.certificate, role, checks });
  });
  return { trace, failure };
}
