import { accepted, deepFreeze, refused, unavailable } from '../../lib/binding/token-verification';

describe('verification outcomes', () => {
  it('builds refusals and unavailability, with the cause only when given', () => {
    expect(refused('expired', 'exp is in the past')).toEqual({
      status: 'invalid',
      reason: 'expired',
      detail: 'exp is in the past',
    });
    expect(unavailable('jwks_unavailable', 'down')).toEqual({
      status: 'unavailable',
      reason: 'jwks_unavailable',
      detail: 'down',
    });
    expect('cause' in unavailable('jwks_unavailable', 'down')).toBe(false);
    const cause = new Error('ECONNREFUSED');
    expect(unavailable('jwks_unavailable', 'down', cause).cause).toBe(cause);
  });

  it('freezes an accepted payload deeply, so a cached payload cannot be altered', () => {
    const payload = { sub: 'a', cnf: { 'x5t#S256': 'x' }, scp: ['read'] };
    const outcome = accepted(payload);
    expect(outcome).toEqual({ status: 'valid', payload });
    expect(Object.isFrozen(outcome)).toBe(true);
    expect(Object.isFrozen(outcome.payload)).toBe(true);
    expect(Object.isFrozen(payload.cnf)).toBe(true);
    expect(Object.isFrozen(payload.scp)).toBe(true);
    expect(() => {
      (payload.cnf as Record<string, string>)['x5t#S256'] = 'y';
    }).toThrow(TypeError);
  });

  it('leaves primitives and already frozen objects alone', () => {
    expect(deepFreeze(1)).toBe(1);
    expect(deepFreeze(null)).toBeNull();
    const inner = { a: 1 };
    const frozen = Object.freeze({ inner });
    deepFreeze(frozen);
    expect(Object.isFrozen(inner)).toBe(false);
  });
});
