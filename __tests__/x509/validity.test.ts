import { validityStatus } from '../../lib/x509/validity';

/** RFC 5280 §4.1.2.5: the period includes both ends; the tolerance widens it on each side. */
describe('validityStatus', () => {
  const period = { notBefore: 1_000_000, notAfter: 2_000_000 };

  it.each([
    [period.notBefore, 0, 'valid'],
    [period.notAfter, 0, 'valid'],
    [period.notBefore - 1, 0, 'not_yet_valid'],
    [period.notAfter + 1, 0, 'expired'],
    [period.notBefore - 5_000, 5_000, 'valid'],
    [period.notBefore - 5_001, 5_000, 'not_yet_valid'],
    [period.notAfter + 5_000, 5_000, 'valid'],
    [period.notAfter + 5_001, 5_000, 'expired'],
  ] as const)('at %d with %d ms of tolerance: %s', (now, tolerance, expected) => {
    expect(validityStatus(period, now, tolerance)).toBe(expected);
  });
});
