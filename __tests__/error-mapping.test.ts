/**
 * toMtlsError(): the one mapping from the pure code's errors to the MtlsError of each site.
 */
import { ClientRegistrationError } from '../lib/auth/client-metadata';
import { CertificateParseError } from '../lib/certificate';
import { toMtlsError } from '../lib/error-mapping';
import {
  ChainTooLongError,
  HeaderMalformedError,
  InvalidClientError,
  InvalidTokenError,
} from '../lib/errors';
import {
  ForwardedCertificateError,
  type DecodeFailureReason,
} from '../lib/forwarding/decode-error';
import { DerError } from '../lib/internal/der';
import { DomainError } from '../lib/internal/domain-error';
import { PemError } from '../lib/internal/pem';

const HEADER = { site: 'certificate_source', label: 'Client-Cert header' } as const;
const CERTIFICATE = { site: 'certificate' } as const;
const CLIENT = { site: 'client_authentication', client: '"s6BhdRkqt3"' } as const;

function fields(error: unknown): Record<string, unknown> {
  const e = error as HeaderMalformedError;
  return {
    class: e.constructor.name,
    code: e.code,
    status: e.status,
    reason: e.reason,
    message: e.message,
  };
}

describe('the domain errors', () => {
  it.each([
    ['DerError', new DerError('truncated element'), 'der', undefined],
    ['PemError', new PemError('PEM block "X" is incomplete'), 'pem', 'pem'],
    [
      'ForwardedCertificateError',
      new ForwardedCertificateError('base64', 'b'),
      'forwarded_certificate',
      'base64',
    ],
    [
      'ClientRegistrationError',
      new ClientRegistrationError('invalid_registration', 'r'),
      'client_registration',
      'invalid_registration',
    ],
  ] as const)(
    '%s is a DomainError with kind and reason, and keeps its name',
    (name, error, kind, reason) => {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.kind).toBe(kind);
      expect(error.reason).toBe(reason);
    },
  );
});

describe('toMtlsError() where a certificate source is decoded', () => {
  it('maps a decoder failure to 400 ERR_MTLS_HEADER_MALFORMED with its reason and cause', () => {
    const cause = new Error('inner');
    const error = toMtlsError(
      new ForwardedCertificateError('xfcc_hash_mismatch', 'Hash is not the SHA-256 of Cert', {
        cause,
      }),
      HEADER,
    );
    expect(error).toBeInstanceOf(HeaderMalformedError);
    expect(fields(error)).toEqual({
      class: 'HeaderMalformedError',
      code: 'ERR_MTLS_HEADER_MALFORMED',
      status: 400,
      reason: 'xfcc_hash_mismatch',
      message: 'Client-Cert header: Hash is not the SHA-256 of Cert',
    });
    expect((error as Error).cause).toBe(cause);
  });

  it('maps chain_too_long to 400 ERR_MTLS_CHAIN_TOO_LONG', () => {
    const error = toMtlsError(
      new ForwardedCertificateError('chain_too_long', 'too many certificates'),
      HEADER,
    );
    expect(error).toBeInstanceOf(ChainTooLongError);
    expect(fields(error)).toEqual({
      class: 'ChainTooLongError',
      code: 'ERR_MTLS_CHAIN_TOO_LONG',
      status: 400,
      reason: undefined,
      message: 'Client-Cert header: too many certificates',
    });
  });

  it('drops a reason it does not know instead of passing it on', () => {
    const forged = new ForwardedCertificateError('"><img>' as DecodeFailureReason, 'odd');
    const error = toMtlsError(forged, HEADER);
    expect(fields(error)).toMatchObject({
      code: 'ERR_MTLS_HEADER_MALFORMED',
      status: 400,
      reason: undefined,
    });
    expect(
      toMtlsError(new ForwardedCertificateError('toString' as DecodeFailureReason, 'o'), HEADER),
    ).toMatchObject({
      reason: undefined,
    });
  });

  it.each([
    ['CertificateParseError', new CertificateParseError('not an X.509 certificate')],
    ['DerError', new DerError('not a SEQUENCE')],
    ['PemError', new PemError('PEM block "CERTIFICATE" is incomplete')],
  ])('maps a %s to not_a_certificate', (_name, caught) => {
    const error = toMtlsError(caught, HEADER);
    expect(fields(error)).toEqual({
      class: 'HeaderMalformedError',
      code: 'ERR_MTLS_HEADER_MALFORMED',
      status: 400,
      reason: 'not_a_certificate',
      message: `Client-Cert header: ${caught.message}`,
    });
    expect((error as Error).cause).toBe(caught);
  });

  it('returns anything else unchanged', () => {
    const other = new Error('bug');
    const mtls = new InvalidTokenError('expired');
    const registration = new ClientRegistrationError('invalid_registration', 'r');
    expect(toMtlsError(other, HEADER)).toBe(other);
    expect(toMtlsError(mtls, HEADER)).toBe(mtls);
    expect(toMtlsError(registration, HEADER)).toBe(registration);
    expect(toMtlsError('a string', HEADER)).toBe('a string');
  });
});

describe('toMtlsError() where a held certificate is read', () => {
  it.each([
    ['CertificateParseError', new CertificateParseError('malformed certificate: bad SAN')],
    ['DerError', new DerError('malformed SAN')],
  ])('maps a %s to 400 ERR_MTLS_HEADER_MALFORMED without a reason', (_name, caught) => {
    const error = toMtlsError(caught, CERTIFICATE);
    expect(fields(error)).toEqual({
      class: 'HeaderMalformedError',
      code: 'ERR_MTLS_HEADER_MALFORMED',
      status: 400,
      reason: undefined,
      message: `the client certificate cannot be decoded: ${caught.message}`,
    });
    expect((error as Error).cause).toBe(caught);
  });

  it('returns anything else unchanged', () => {
    const forwarded = new ForwardedCertificateError('base64', 'b');
    expect(toMtlsError(forwarded, CERTIFICATE)).toBe(forwarded);
    expect(toMtlsError(undefined, CERTIFICATE)).toBeUndefined();
  });
});

describe('toMtlsError() in client authentication (RFC 8705 §2)', () => {
  it.each(['ambiguous_registration', 'incomplete_registration', 'invalid_registration'] as const)(
    'maps a registration problem %s to 401 invalid_client with that reason',
    (reason) => {
      const caught = new ClientRegistrationError(reason, 'jwks is not JSON');
      const error = toMtlsError(caught, CLIENT);
      expect(error).toBeInstanceOf(InvalidClientError);
      expect(fields(error)).toEqual({
        class: 'InvalidClientError',
        code: 'ERR_MTLS_INVALID_CLIENT',
        status: 401,
        reason,
        message: 'client "s6BhdRkqt3": registration unusable: jwks is not JSON',
      });
      expect((error as InvalidClientError).headers).toEqual({ 'Cache-Control': 'no-store' });
      expect((error as Error).cause).toBe(caught);
    },
  );

  it.each(['chain', 'no_such_reason', 'constructor'])(
    'answers invalid_registration for a registration reason %s that is not one',
    (reason) => {
      const caught = new ClientRegistrationError(reason as 'invalid_registration', 'x');
      expect(toMtlsError(caught, CLIENT)).toMatchObject({ reason: 'invalid_registration' });
    },
  );

  it.each([
    ['CertificateParseError', new CertificateParseError('malformed certificate: bad subject')],
    ['DerError', new DerError('malformed Name')],
  ])('maps a %s to certificate_malformed', (_name, caught) => {
    const error = toMtlsError(caught, CLIENT);
    expect(fields(error)).toEqual({
      class: 'InvalidClientError',
      code: 'ERR_MTLS_INVALID_CLIENT',
      status: 401,
      reason: 'certificate_malformed',
      message: `client "s6BhdRkqt3": ${caught.message}`,
    });
    expect((error as Error).cause).toBe(caught);
  });

  it('returns anything else unchanged', () => {
    const forwarded = new ForwardedCertificateError('base64', 'b');
    const other = new RangeError('bug');
    expect(toMtlsError(forwarded, CLIENT)).toBe(forwarded);
    expect(toMtlsError(other, CLIENT)).toBe(other);
  });
});
