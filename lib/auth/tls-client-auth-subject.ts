/**
 * The subject check of the PKI method (`tls_client_auth`): picks the one subject parameter a
 * client registered and matches it against a certificate. Pure code, no Express.
 *
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2 | RFC 8705 §2.1.2}
 * @packageDocumentation
 */
import type { ClientCertificate } from '../certificate';
import { LruCache } from '../internal/lru-cache';
import { describeUntrusted } from '../internal/sanitize';
import { ClientRegistrationError, type OAuthClientMetadata } from './client-metadata';
import {
  distinguishedNameMatches,
  parseDistinguishedName,
  type ParsedDistinguishedName,
} from './distinguished-name-match';
import {
  isIpAddress,
  isMailbox,
  sanDnsMatches,
  sanEmailMatches,
  sanIpMatches,
  sanUriMatches,
} from './subject-alt-name-match';

/** The RFC 8705 §2.1.2 client metadata parameters, exactly one of which a PKI client uses. */
export const SUBJECT_PARAMETERS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const;

/** One of {@link SUBJECT_PARAMETERS}. */
export type SubjectParameter = (typeof SUBJECT_PARAMETERS)[number];

/** The compiled subject check of one client. */
export interface SubjectRequirement {
  /** The parameter the client registered. */
  readonly parameter: SubjectParameter;
  /**
   * Whether `certificate` carries the registered subject value.
   *
   * @throws {CertificateParseError} when the certificate's subject or SAN extension is malformed.
   */
  matches(certificate: ClientCertificate): boolean;
}

const parsedNames = new LruCache<string, ParsedDistinguishedName>(1000);

function parseRegisteredName(value: string): ParsedDistinguishedName {
  let parsed = parsedNames.get(value);
  if (parsed === undefined) {
    parsed = parseDistinguishedName(value);
    parsedNames.set(value, parsed);
  }
  return parsed;
}

function compile(parameter: SubjectParameter, value: string): SubjectRequirement {
  switch (parameter) {
    case 'tls_client_auth_subject_dn': {
      const expected = parseRegisteredName(value);
      if (expected.length === 0) throw new TypeError('an empty distinguished name matches nothing');
      return {
        parameter,
        matches: (certificate) => distinguishedNameMatches(expected, certificate.subjectRdns),
      };
    }
    case 'tls_client_auth_san_dns':
      return { parameter, matches: (c) => sanDnsMatches(value, c.subjectAltNames.dns) };
    case 'tls_client_auth_san_uri':
      return { parameter, matches: (c) => sanUriMatches(value, c.subjectAltNames.uri) };
    case 'tls_client_auth_san_ip':
      if (!isIpAddress(value)) throw new TypeError('not an IPv4 or IPv6 address');
      return { parameter, matches: (c) => sanIpMatches(value, c.subjectAltNames.ip) };
    case 'tls_client_auth_san_email':
      if (!isMailbox(value)) throw new TypeError('not an e-mail address (local@domain)');
      return { parameter, matches: (c) => sanEmailMatches(value, c.subjectAltNames.email) };
  }
}

/**
 * Reads the subject parameter of a `tls_client_auth` client. Parameters whose value is
 * `undefined` or `null` count as absent.
 *
 * @throws {ClientRegistrationError} `ambiguous_registration` when more than one parameter is
 *   registered, `incomplete_registration` when none is, `invalid_registration` when the value is
 *   not a non-empty string of the right syntax.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2 | RFC 8705 §2.1.2}
 */
export function subjectRequirement(metadata: OAuthClientMetadata): SubjectRequirement {
  const present = SUBJECT_PARAMETERS.filter(
    (p) => (metadata[p] as unknown) !== undefined && (metadata[p] as unknown) !== null,
  );
  const [parameter, second] = present;
  if (second !== undefined) {
    throw new ClientRegistrationError(
      'ambiguous_registration',
      `tls_client_auth requires exactly one subject parameter; the client registered ${present.join(', ')}`,
    );
  }
  if (parameter === undefined) {
    throw new ClientRegistrationError(
      'incomplete_registration',
      `tls_client_auth requires exactly one of ${SUBJECT_PARAMETERS.join(', ')}; the client registered none`,
    );
  }
  const value: unknown = metadata[parameter];
  if (typeof value !== 'string' || value === '') {
    throw new ClientRegistrationError(
      'invalid_registration',
      `${parameter} must be a non-empty string`,
    );
  }
  try {
    return compile(parameter, value);
  } catch (error) {
    throw new ClientRegistrationError(
      'invalid_registration',
      `${parameter} is not usable: ${(error as Error).message}`,
    );
  }
}

/**
 * Whether `certificate` carries the subject value `expected` registered under `parameter`, with
 * the comparison rules of `mtlsClientAuthentication()`. Useful on its own, for example as
 * oidc-provider's `features.mTLS.certificateSubjectMatches` helper.
 *
 * - `tls_client_auth_subject_dn`: RFC 4514 string, compared structurally with the subject
 *   (RDN order matters; attributes within a multi-valued RDN in any order; values
 *   prepared after RFC 4518 `caseIgnoreMatch`: RFC 3454 B.2 case folding, NFKC, insignificant
 *   spaces, whatever the ASN.1 string type; `ı` is not `i`; a value holding a prohibited code
 *   point never matches).
 * - `tls_client_auth_san_dns`: exact, ignoring ASCII case; no wildcards.
 * - `tls_client_auth_san_uri`: exact.
 * - `tls_client_auth_san_ip`: same octets (IPv6 spellings are equivalent).
 * - `tls_client_auth_san_email`: local part exact, domain ignoring ASCII case.
 *
 * @throws {TypeError} when `parameter` is unknown or `expected` is not a usable value (for
 *   example a malformed distinguished name).
 * @see {@link https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2 | RFC 8705 §2.1.2}
 */
export function certificateSubjectMatches(
  certificate: ClientCertificate,
  parameter: SubjectParameter,
  expected: string,
): boolean {
  if (!(SUBJECT_PARAMETERS as readonly string[]).includes(parameter)) {
    throw new TypeError(
      `certificateSubjectMatches: unknown parameter ${describeUntrusted(parameter)}; expected one of ${SUBJECT_PARAMETERS.join(', ')}.`,
    );
  }
  let requirement: SubjectRequirement;
  try {
    requirement = subjectRequirement({ [parameter]: expected });
  } catch (error) {
    throw new TypeError(`certificateSubjectMatches: ${(error as Error).message}`, { cause: error });
  }
  return requirement.matches(certificate);
}
