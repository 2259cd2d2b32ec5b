import {
  inspectConfirmation,
  readBindings,
  readConfirmation,
} from '../../lib/binding/confirmation';
import { tokenErrors } from '../../lib/binding/token-errors';
import { InvalidTokenError } from '../../lib/errors';

/** RFC 8705 Appendix A. */
const X5T = 'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0';
/** RFC 9449 §6.1 example. */
const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';
const ERRORS = tokenErrors({ realm: 'api' });

describe('inspectConfirmation (RFC 8705 §3.1, RFC 9449 §6.1)', () => {
  it('reads x5t#S256, jkt, or both', () => {
    expect(inspectConfirmation({ 'x5t#S256': X5T })).toEqual({ x5tS256: X5T });
    expect(inspectConfirmation({ jkt: JKT })).toEqual({ jkt: JKT });
    expect(inspectConfirmation({ jkt: JKT, 'x5t#S256': X5T })).toEqual({ x5tS256: X5T, jkt: JKT });
  });

  it('reads no cnf as unbound (undefined)', () => {
    expect(inspectConfirmation(undefined)).toBeUndefined();
  });

  it.each([null, 'x', 7, [JKT]])('refuses cnf %j as malformed', (cnf) => {
    expect(inspectConfirmation(cnf)).toEqual({
      reason: 'malformed',
      detail: 'cnf is not a JSON object',
    });
  });

  it.each([
    ['padded', `${JKT.slice(0, 42)}=`],
    ['standard base64', `${JKT.slice(0, 42)}+`],
    ['too short', JKT.slice(0, 42)],
    ['too long', `${JKT}A`],
    ['empty', ''],
    ['a number', 42],
    ['an object', { kty: 'EC' }],
  ])('refuses a jkt that is %s as malformed', (_name, jkt) => {
    expect(inspectConfirmation({ jkt })).toEqual({
      reason: 'malformed',
      detail: 'cnf jkt is not 43 base64url characters without padding',
    });
  });

  it('refuses a bad x5t#S256 next to a good jkt as malformed', () => {
    expect(inspectConfirmation({ jkt: JKT, 'x5t#S256': 'abc' })).toEqual({
      reason: 'malformed',
      detail: 'cnf x5t#S256 is not 43 base64url characters without padding',
    });
  });

  it('refuses known members next to unknown ones as malformed, with the names escaped', () => {
    expect(inspectConfirmation({ jkt: JKT, 'k\u202eid': 'x' })).toEqual({
      reason: 'malformed',
      detail: 'cnf has confirmation members besides jkt ("k\\u202eid") that cannot be verified',
    });
  });

  it('refuses a cnf without a known member as unbound', () => {
    expect(inspectConfirmation({})).toEqual({
      reason: 'unbound',
      detail: 'cnf has no x5t#S256 or jkt member (has: nothing)',
    });
    expect(inspectConfirmation({ jwk: {} })).toEqual({
      reason: 'unbound',
      detail: 'cnf has no x5t#S256 or jkt member (has: "jwk")',
    });
  });

  it('with x5t#S256 only understood, reads jkt exactly as readConfirmation always did', () => {
    expect(inspectConfirmation({ jkt: JKT }, ['x5t#S256'])).toEqual({
      reason: 'unbound',
      detail: 'cnf has no x5t#S256 member (has: "jkt")',
    });
    expect(readConfirmation({ jkt: JKT })).toEqual({
      kind: 'refused',
      reason: 'unbound',
      detail: 'cnf has no x5t#S256 member (has: "jkt")',
    });
    expect(readConfirmation({ jkt: JKT, 'x5t#S256': X5T })).toEqual({
      kind: 'refused',
      reason: 'malformed',
      detail: 'cnf has confirmation members besides x5t#S256 ("jkt") that cannot be verified',
    });
  });
});

describe('readBindings', () => {
  it('accepts the bindings, or no cnf', () => {
    expect(readBindings({ jkt: JKT }, ERRORS)).toEqual({ ok: true, value: { jkt: JKT } });
    expect(readBindings(undefined, ERRORS)).toEqual({ ok: true, value: undefined });
  });

  it('refuses with 401 invalid_token, the reason, and the detail in the message', () => {
    const decision = readBindings({ jkt: JKT }, ERRORS, ['x5t#S256']);
    expect(decision.ok).toBe(false);
    const { error } = decision as { error: InvalidTokenError };
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.status).toBe(401);
    expect(error.code).toBe('ERR_MTLS_INVALID_TOKEN');
    expect(error.reason).toBe('unbound');
    expect(error.message).toBe(
      'invalid access token: unbound (cnf has no x5t#S256 member (has: "jkt"))',
    );
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="the access token is not certificate-bound"',
    );
  });
});

describe('readBindings on a cached token: one reading per cnf object', () => {
  it('answers the same frozen decision for the same cnf object and reading', () => {
    const cnf = { 'x5t#S256': X5T };
    const first = readBindings(cnf, ERRORS, ['x5t#S256']);
    const understood = ['x5t#S256'] as const;
    const once = readBindings(cnf, ERRORS, understood);
    expect(once).toEqual({ ok: true, value: { x5tS256: X5T } });
    expect(readBindings(cnf, ERRORS, understood)).toBe(once);
    expect(Object.isFrozen(once)).toBe(true);
    expect(first).toEqual(once);
  });

  it('reads the same object again under another list of understood members', () => {
    const cnf = { jkt: JKT };
    const x5tOnly = ['x5t#S256'] as const;
    expect(readBindings(cnf, ERRORS, x5tOnly).ok).toBe(false);
    expect(readBindings(cnf, ERRORS)).toEqual({ ok: true, value: { jkt: JKT } });
    const again = readBindings(cnf, ERRORS, x5tOnly);
    expect(again.ok).toBe(false);
    expect((again as { error: InvalidTokenError }).error.reason).toBe('unbound');
  });

  it('builds a new error for every refusal of a cached reading', () => {
    const cnf = { 'x5t#S256': 'short' };
    const understood = ['x5t#S256'] as const;
    const a = readBindings(cnf, ERRORS, understood);
    const b = readBindings(cnf, ERRORS, understood, 'dpop');
    expect(a.ok || b.ok).toBe(false);
    const errorA = (a as { error: InvalidTokenError }).error;
    const errorB = (b as { error: InvalidTokenError }).error;
    expect(errorA).not.toBe(errorB);
    expect(errorA.reason).toBe('malformed');
    expect(errorB.reason).toBe('malformed');
  });
});
