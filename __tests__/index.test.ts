import express, { type Request } from 'express';
import * as api from '../lib';

/** The runtime names DESIGN.md makes a contract (tests outside this repo import them). */
const CONTRACT = [
  'ClientCertificate',
  'CertificateParseError',
  'thumbprint',
  'confirmationClaim',
  'clientCertificate',
  'requireClientCertificate',
  'proxyAssertedIdentity',
  'requireProxyAssertedIdentity',
  'mtlsClientAuthentication',
  'requireCertificateBoundToken',
  'requireSenderConstrainedToken',
  'protectedResourceMetadata',
  'memoryReplayStore',
  'redisReplayStore',
  'mtlsMetadata',
  'mtlsErrorHandler',
  'MtlsError',
  'HeaderMalformedError',
  'HeaderDuplicateError',
  'HeaderTooLargeError',
  'ChainTooLongError',
  'CertificateRequiredError',
  'CertificateUntrustedError',
  'InvalidClientError',
  'TokenMissingError',
  'InvalidRequestError',
  'InvalidTokenError',
  'InsufficientScopeError',
  'InvalidDpopProofError',
  'UseDpopNonceError',
  'UnavailableError',
  'MisconfiguredError',
  'isMtlsError',
  'bearerChallenge',
  'DIAGNOSTICS_CHANNELS',
] as const;

/** Internal helpers that must stay behind the exports map. */
const INTERNAL = [
  'decodeName',
  'formatName',
  'decodeString',
  'ATTRIBUTE_NAMES',
  'certificateLayout',
  'readTlv',
  'decodePem',
  'decodeCertificatePem',
  'decodeBase64Strict',
  'parseIp',
  'formatIp',
  'LruCache',
  'checkOptions',
  'markCertificateProcessed',
  'wasCertificateProcessed',
  'peculiarX509',
  'publish',
];

describe('the public entry point (lib/index.ts)', () => {
  it.each(CONTRACT)('exports %s', (name) => {
    expect(Object.keys(api)).toContain(name);
    expect(['function', 'object']).toContain(typeof api[name]);
  });

  it.each(INTERNAL)('does not export the internal %s', (name) => {
    expect(Object.keys(api)).not.toContain(name);
  });

  it('exports nothing undefined', () => {
    const record = api as unknown as Record<string, unknown>;
    expect(Object.keys(api).filter((name) => record[name] === undefined)).toEqual([]);
  });

  it('makes the error classes one hierarchy', () => {
    for (const name of CONTRACT.filter(
      (n) => /^[A-Z]\w+Error$/.test(n) && n !== 'CertificateParseError' && n !== 'MtlsError',
    )) {
      expect((api[name] as { prototype: unknown }).prototype).toBeInstanceOf(api.MtlsError);
    }
  });

  it('augments Express requests with the documented fields', () => {
    const req = Object.create(express.request) as Request;
    const fields: readonly unknown[] = [
      req.clientCert satisfies api.ClientCertificate | undefined,
      req.clientCertAuth satisfies api.ClientCertificateAuthentication | undefined,
      req.oauthClient satisfies api.OAuthClientAuthentication | undefined,
      req.auth satisfies api.CertificateBoundAuth | undefined,
      req.proxyAssertedIdentity satisfies api.ProxyAssertedIdentity | undefined,
    ];
    expect(fields).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
