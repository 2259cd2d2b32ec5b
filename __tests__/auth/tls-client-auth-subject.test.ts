import { ClientRegistrationError } from '../../lib/auth/client-metadata';
import {
  certificateSubjectMatches,
  SUBJECT_PARAMETERS,
  subjectRequirement,
  type SubjectParameter,
} from '../../lib/auth/tls-client-auth-subject';
import { ClientCertificate } from '../../lib';
import { pem } from '../helpers/fixtures';
import { clientAuthPem } from './client-auth-fixtures';

const clientA = ClientCertificate.from(pem('client-a'));
const sanClient = ClientCertificate.from(clientAuthPem('san-client'));

function registrationError(metadata: Record<string, unknown>): ClientRegistrationError {
  try {
    subjectRequirement(metadata);
  } catch (error) {
    return error as ClientRegistrationError;
  }
  throw new Error('expected a ClientRegistrationError');
}

describe('subjectRequirement: exactly one subject parameter (RFC 8705 §2.1.2)', () => {
  it('lists the five RFC 8705 parameters', () => {
    expect(SUBJECT_PARAMETERS).toEqual([
      'tls_client_auth_subject_dn',
      'tls_client_auth_san_dns',
      'tls_client_auth_san_uri',
      'tls_client_auth_san_ip',
      'tls_client_auth_san_email',
    ]);
  });

  it.each<[SubjectParameter, string, ClientCertificate, boolean]>([
    [
      'tls_client_auth_subject_dn',
      'CN=client-a,OU=Payments,O=express-mtls tests,C=US',
      clientA,
      true,
    ],
    ['tls_client_auth_subject_dn', 'CN=client-a,O=express-mtls tests,C=US', clientA, false],
    ['tls_client_auth_san_dns', 'CLIENT-A.example.test', clientA, true],
    ['tls_client_auth_san_dns', 'client-b.example.test', clientA, false],
    ['tls_client_auth_san_uri', 'spiffe://example.test/client-a', clientA, true],
    ['tls_client_auth_san_uri', 'spiffe://example.test/client-b', clientA, false],
    ['tls_client_auth_san_ip', '2001:db8:0::a', clientA, true],
    ['tls_client_auth_san_ip', '127.0.0.1', sanClient, false],
    ['tls_client_auth_san_email', 'client-a@EXAMPLE.test', clientA, true],
    ['tls_client_auth_san_email', 'Alice.Smith@example.com', clientA, false],
  ])('%s %j', (parameter, value, certificate, result) => {
    const requirement = subjectRequirement({ [parameter]: value, jwks_uri: 'ignored' });
    expect(requirement.parameter).toBe(parameter);
    expect(requirement.matches(certificate)).toBe(result);
  });

  it('counts undefined and null as absent', () => {
    const requirement = subjectRequirement({
      tls_client_auth_subject_dn: null,
      tls_client_auth_san_dns: undefined,
      tls_client_auth_san_uri: 'spiffe://example.test/client-a',
    });
    expect(requirement.parameter).toBe('tls_client_auth_san_uri');
  });

  it('refuses two parameters: ambiguous_registration', () => {
    const error = registrationError({
      tls_client_auth_subject_dn: 'CN=client-a',
      tls_client_auth_san_dns: 'client-a.example.test',
    });
    expect(error).toBeInstanceOf(ClientRegistrationError);
    expect(error.reason).toBe('ambiguous_registration');
    expect(error.message).toBe(
      'tls_client_auth requires exactly one subject parameter; the client registered tls_client_auth_subject_dn, tls_client_auth_san_dns',
    );
  });

  it('refuses no parameter: incomplete_registration', () => {
    const error = registrationError({ token_endpoint_auth_method: 'tls_client_auth' });
    expect(error.reason).toBe('incomplete_registration');
    expect(error.message).toContain('the client registered none');
  });

  it.each([
    [{ tls_client_auth_subject_dn: 42 }, 'tls_client_auth_subject_dn must be a non-empty string'],
    [{ tls_client_auth_san_dns: '' }, 'tls_client_auth_san_dns must be a non-empty string'],
    [{ tls_client_auth_san_uri: ['a'] }, 'tls_client_auth_san_uri must be a non-empty string'],
    [
      { tls_client_auth_subject_dn: 'CN=a;O=b' },
      'tls_client_auth_subject_dn is not usable: invalid distinguished name at offset 4',
    ],
    [
      { tls_client_auth_subject_dn: '   ' },
      'tls_client_auth_subject_dn is not usable: an empty distinguished name matches nothing',
    ],
    [
      { tls_client_auth_san_ip: '10.0.0' },
      'tls_client_auth_san_ip is not usable: not an IPv4 or IPv6 address',
    ],
    [
      { tls_client_auth_san_email: 'nobody' },
      'tls_client_auth_san_email is not usable: not an e-mail address (local@domain)',
    ],
  ])('refuses %j: invalid_registration', (metadata, message) => {
    const error = registrationError(metadata);
    expect(error.reason).toBe('invalid_registration');
    expect(error.message).toContain(message);
  });

  it('parses a registered DN once and reuses it', () => {
    const dn = 'CN=client-a,OU=Payments,O=express-mtls tests,C=US';
    expect(subjectRequirement({ tls_client_auth_subject_dn: dn }).matches(clientA)).toBe(true);
    expect(subjectRequirement({ tls_client_auth_subject_dn: dn }).matches(clientA)).toBe(true);
  });
});

describe('certificateSubjectMatches (public helper)', () => {
  it('answers for each parameter', () => {
    expect(
      certificateSubjectMatches(
        clientA,
        'tls_client_auth_subject_dn',
        'cn=CLIENT-A,ou=payments,o=express-mtls tests,c=us',
      ),
    ).toBe(true);
    expect(
      certificateSubjectMatches(sanClient, 'tls_client_auth_san_ip', '2001:db8::1:0:0:1'),
    ).toBe(true);
    expect(
      certificateSubjectMatches(sanClient, 'tls_client_auth_san_email', 'alice.smith@example.com'),
    ).toBe(false);
  });

  it('throws a TypeError for an unknown parameter or an unusable value', () => {
    expect(() =>
      certificateSubjectMatches(clientA, 'tls_client_auth_san_x' as SubjectParameter, 'a'),
    ).toThrow(
      new TypeError(
        'certificateSubjectMatches: unknown parameter "tls_client_auth_san_x"; expected one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email.',
      ),
    );
    expect(() => certificateSubjectMatches(clientA, 'tls_client_auth_subject_dn', 'CN')).toThrow(
      'certificateSubjectMatches: tls_client_auth_subject_dn is not usable: invalid distinguished name at offset 2',
    );
  });
});
