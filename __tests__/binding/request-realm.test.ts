import { requestRealm, setRequestRealm } from '../../lib/binding/request-realm';

describe('request realm', () => {
  it('remembers the realm per request object', () => {
    const a = {};
    const b = {};
    setRequestRealm(a, 'payments');
    expect(requestRealm(a)).toBe('payments');
    expect(requestRealm(b)).toBeUndefined();
  });
});
