import {
  isIpAddress,
  isMailbox,
  sanDnsMatches,
  sanEmailMatches,
  sanIpMatches,
  sanUriMatches,
} from '../../lib/auth/subject-alt-name-match';
import { ClientCertificate } from '../../lib';
import { clientAuthPem } from './client-auth-fixtures';

// SANs of san-client.pem, as written by make.sh (openssl): see the fixtures README.
const sans = ClientCertificate.from(clientAuthPem('san-client')).subjectAltNames;

describe('tls_client_auth_san_dns (RFC 8705 §2.1.2)', () => {
  it.each([
    ['api.client.example.test', true],
    ['API.CLIENT.EXAMPLE.TEST', true],
    ['Api.Client.Example.TEST', true],
    ['*.wild.example.test', true],
    ['client.example.test', false],
    ['x.wild.example.test', false],
    ['api.client.example.test.', false],
    ['APİ.client.example.test', false],
    ['', false],
  ])('%j → %s (ASCII case-insensitive, exact, no wildcards)', (expected, result) => {
    expect(sanDnsMatches(expected, sans.dns)).toBe(result);
  });
});

describe('tls_client_auth_san_uri (RFC 8705 §2.1.2)', () => {
  it.each([
    ['https://client.example.test/cb?x=1', true],
    ['spiffe://example.test/ns/prod/sa/client', true],
    ['https://CLIENT.example.test/cb?x=1', false],
    ['https://client.example.test/cb?x=1/', false],
    ['https://client.example.test/cb', false],
    ['spiffe://example.test/ns/prod/sa/CLIENT', false],
  ])('%j → %s (exact)', (expected, result) => {
    expect(sanUriMatches(expected, sans.uri)).toBe(result);
  });
});

describe('tls_client_auth_san_ip (RFC 8705 §2.1.2, RFC 5952 §8)', () => {
  it.each([
    ['192.0.2.7', true],
    ['2001:db8::1:0:0:1', true],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', true],
    ['2001:DB8:0:0:1::1', true],
    ['2001:db8:0:0:1:0:0:1', true],
    ['192.0.2.70', false],
    ['::ffff:192.0.2.7', false],
    ['2001:db8::1', false],
    ['192.000.002.007', false],
    ['not-an-ip', false],
  ])('%j → %s (binary comparison)', (expected, result) => {
    expect(sanIpMatches(expected, sans.ip)).toBe(result);
  });

  it('recognises usable values', () => {
    expect(isIpAddress('10.0.0.1')).toBe(true);
    expect(isIpAddress('fe80::1')).toBe(true);
    expect(isIpAddress('10.0.0')).toBe(false);
    expect(isIpAddress('example.test')).toBe(false);
  });
});

describe('tls_client_auth_san_email: local part exact, domain case-insensitive', () => {
  it.each([
    ['Alice.Smith@Example.COM', true],
    ['Alice.Smith@example.com', true],
    ['Alice.Smith@EXAMPLE.COM', true],
    ['alice.smith@Example.COM', false],
    ['ALICE.SMITH@example.com', false],
    ['Alice.Smith@example.org', false],
    ['Alice.Smith', false],
    ['@Example.COM', false],
    ['Alice.Smith@', false],
  ])('%j → %s', (expected, result) => {
    expect(sanEmailMatches(expected, sans.email)).toBe(result);
  });

  it('splits at the last "@" and ignores malformed certificate entries', () => {
    expect(sanEmailMatches('"a@b"@Example.com', ['"a@b"@example.COM'])).toBe(true);
    expect(sanEmailMatches('"a@b"@Example.com', ['"a@B"@example.COM'])).toBe(false);
    expect(sanEmailMatches('a@example.com', ['example.com', '@example.com', 'a@'])).toBe(false);
  });

  it('recognises usable values', () => {
    expect(isMailbox('a@b')).toBe(true);
    expect(isMailbox('ab')).toBe(false);
    expect(isMailbox('a@')).toBe(false);
  });
});
