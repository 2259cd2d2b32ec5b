import {
  markCertificateProcessed,
  wasCertificateProcessed,
} from '../../lib/internal/request-state';

describe('request state', () => {
  it('remembers which requests clientCertificate() processed', () => {
    const processed = {};
    const other = {};
    expect(wasCertificateProcessed(processed)).toBe(false);
    markCertificateProcessed(processed);
    expect(wasCertificateProcessed(processed)).toBe(true);
    expect(wasCertificateProcessed(other)).toBe(false);
  });

  it('leaves no trace on the request object', () => {
    const req = {};
    markCertificateProcessed(req);
    expect(Object.getOwnPropertyNames(req)).toEqual([]);
    expect(Object.getOwnPropertySymbols(req)).toEqual([]);
  });

  it('is idempotent', () => {
    const req = {};
    markCertificateProcessed(req);
    markCertificateProcessed(req);
    expect(wasCertificateProcessed(req)).toBe(true);
  });
});
