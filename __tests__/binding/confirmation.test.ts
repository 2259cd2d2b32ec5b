import { readConfirmation, thumbprintsEqual } from '../../lib/binding/confirmation';
import { X5T_S256 } from '../helpers/fixtures';
import { RFC8705_X5T } from './helpers/keys';

describe('readConfirmation (RFC 8705 §3.1, RFC 7800 §3.1)', () => {
  it('reads the RFC 8705 Appendix A cnf claim', () => {
    expect(readConfirmation({ 'x5t#S256': RFC8705_X5T })).toEqual({
      kind: 'x5t#S256',
      thumbprint: 'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0',
    });
  });

  it('treats an absent cnf as an unbound token', () => {
    expect(readConfirmation(undefined)).toEqual({ kind: 'none' });
  });

  it.each([[null], ['x5t'], [42], [[RFC8705_X5T]], [true]])(
    'refuses cnf %j as malformed',
    (cnf) => {
      expect(readConfirmation(cnf)).toEqual({
        kind: 'refused',
        reason: 'malformed',
        detail: 'cnf is not a JSON object',
      });
    },
  );

  it('refuses a DPoP-only cnf (jkt) as unbound: never mistaken for certificate binding', () => {
    expect(readConfirmation({ jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' })).toEqual({
      kind: 'refused',
      reason: 'unbound',
      detail: 'cnf has no x5t#S256 member (has: "jkt")',
    });
    expect(readConfirmation({})).toEqual({
      kind: 'refused',
      reason: 'unbound',
      detail: 'cnf has no x5t#S256 member (has: nothing)',
    });
  });

  it('refuses x5t#S256 next to other confirmation members', () => {
    expect(readConfirmation({ 'x5t#S256': RFC8705_X5T, jkt: 'abc', kid: 'k' })).toEqual({
      kind: 'refused',
      reason: 'malformed',
      detail:
        'cnf has confirmation members besides x5t#S256 ("jkt", "kid") that cannot be verified',
    });
  });

  it.each([
    ['padded base64url', `${RFC8705_X5T}=`],
    // client-b's SHA-256 in standard base64 (openssl base64), with and without its padding
    ['standard base64', 'bAvhs+i7jTFx5F8eIMzUuP5fiSiAhW6Ati9nxanujDQ='],
    ['standard base64 without padding', 'bAvhs+i7jTFx5F8eIMzUuP5fiSiAhW6Ati9nxanujDQ'],
    ['SHA-1 hex', 'b93f4add69b1a11b6ab2340357343a162d4ff220'],
    ['truncated', RFC8705_X5T.slice(0, 42)],
    ['empty', ''],
    ['a number', 42],
  ])('refuses an x5t#S256 that is %s as malformed', (_name, value) => {
    expect(readConfirmation({ 'x5t#S256': value })).toEqual({
      kind: 'refused',
      reason: 'malformed',
      detail: 'cnf x5t#S256 is not 43 base64url characters without padding',
    });
  });
});

describe('thumbprintsEqual', () => {
  it('compares equal-length values', () => {
    expect(
      thumbprintsEqual(X5T_S256['client-a'], 'g8UfVQahWz5Wmjt0ow2pfzkxxLltHBEjU6uPy913Kfw'),
    ).toBe(true);
    expect(thumbprintsEqual(X5T_S256['client-a'], X5T_S256['client-b'])).toBe(false);
  });

  it('treats different lengths as unequal without comparing', () => {
    expect(thumbprintsEqual(X5T_S256['client-a'], `${X5T_S256['client-a']}=`)).toBe(false);
  });
});

describe('thumbprintsEqual, every position', () => {
  it('finds a difference at any one of the 43 characters', () => {
    const value = X5T_S256['client-a'];
    for (let i = 0; i < value.length; i++) {
      const other = `${value.slice(0, i)}${value[i] === 'A' ? 'B' : 'A'}${value.slice(i + 1)}`;
      expect(thumbprintsEqual(value, other)).toBe(false);
      expect(thumbprintsEqual(other, value)).toBe(false);
    }
    expect(thumbprintsEqual('', '')).toBe(true);
  });
});
