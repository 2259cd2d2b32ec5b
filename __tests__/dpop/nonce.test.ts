import { DPOP_NONCE_LENGTH, dpopNonces, type DpopNonceOptions } from '../../lib/dpop/nonce';

const CURRENT = 'current-secret-of-at-least-32-bytes!!';
const PREVIOUS = Buffer.alloc(32, 0x42);
const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);
const MINUTE = 60_000;

describe('dpopNonces()', () => {
  it('issues a 43-character base64url nonce that stays the same within a step', () => {
    const nonces = dpopNonces({ secret: CURRENT });
    const nonce = nonces.issue(T0);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(nonce).toHaveLength(DPOP_NONCE_LENGTH);
    expect(nonces.issue(T0 + MINUTE - 1)).toBe(nonce);
    expect(nonces.issue(T0 + MINUTE)).not.toBe(nonce);
  });

  it("is stateless: an instance with the same secrets accepts the other instance's nonce", () => {
    const a = dpopNonces({ secrets: [CURRENT] });
    const b = dpopNonces({ secret: CURRENT });
    expect(b.check(a.issue(T0), T0)).toBe(true);
    expect(dpopNonces({ secret: 'z'.repeat(32) }).check(a.issue(T0), T0)).toBe(false);
  });

  it('accepts a nonce for its step, the 4 steps after it (default), and one step early', () => {
    const nonces = dpopNonces({ secret: CURRENT });
    const nonce = nonces.issue(T0);
    expect(nonces.check(nonce, T0 - MINUTE)).toBe(true);
    for (let step = 0; step <= 4; step++)
      expect(nonces.check(nonce, T0 + step * MINUTE)).toBe(true);
    expect(nonces.check(nonce, T0 + 5 * MINUTE)).toBe(false);
    expect(nonces.check(nonce, T0 - 2 * MINUTE)).toBe(false);
  });

  it('takes stepSeconds and previousSteps', () => {
    const nonces = dpopNonces({ secret: CURRENT, stepSeconds: 10, previousSteps: 0 });
    const nonce = nonces.issue(T0);
    expect(nonces.check(nonce, T0 + 9_999)).toBe(true);
    expect(nonces.check(nonce, T0 + 10_000)).toBe(false);
    expect(dpopNonces({ secret: CURRENT, stepSeconds: 10 }).issue(T0)).toBe(nonce);
  });

  it('rotates: the first secret issues, every secret validates', () => {
    const old = dpopNonces({ secret: PREVIOUS });
    const rotated = dpopNonces({ secrets: [CURRENT, PREVIOUS] });
    expect(rotated.check(old.issue(T0), T0)).toBe(true);
    expect(rotated.issue(T0)).toBe(dpopNonces({ secret: CURRENT }).issue(T0));
    expect(old.check(rotated.issue(T0), T0)).toBe(false);
  });

  it('reads a secret as bytes: a string as UTF-8, a Buffer or Uint8Array as it is', () => {
    const fromString = dpopNonces({ secret: 'B'.repeat(32) });
    expect(fromString.issue(T0)).toBe(dpopNonces({ secret: PREVIOUS }).issue(T0));
    expect(dpopNonces({ secret: new Uint8Array(PREVIOUS) }).issue(T0)).toBe(fromString.issue(T0));
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a number', 42],
    ['an empty string', ''],
    ['one character short', 'A'.repeat(42)],
    ['one character long', 'A'.repeat(44)],
    ['a megabyte', 'A'.repeat(1 << 20)],
  ])('refuses %s', (_name, nonce) => {
    expect(dpopNonces({ secret: CURRENT }).check(nonce, T0)).toBe(false);
  });

  it('refuses a nonce whose characters only match modulo 256 (no latin1 aliasing)', () => {
    const nonces = dpopNonces({ secret: CURRENT });
    const nonce = nonces.issue(T0);
    const aliased = String.fromCharCode(nonce.charCodeAt(0) + 0x100) + nonce.slice(1);
    expect(nonces.check(aliased, T0)).toBe(false);
    expect(nonces.check(`${nonce.slice(0, 42)}=`, T0)).toBe(false);
  });

  it.each<[string, unknown, RegExp]>([
    ['no secret', {}, /exactly one of "secret" and "secrets"/],
    ['both forms', { secret: CURRENT, secrets: [CURRENT] }, /exactly one of/],
    ['a 31-byte secret', { secret: 'x'.repeat(31) }, /"secret" must be .* at least 32 bytes/],
    ['a 31-byte Buffer', { secret: Buffer.alloc(31) }, /at least 32 bytes/],
    ['a short previous secret', { secrets: [CURRENT, 'short'] }, /"secrets\[1\]"/],
    ['a numeric secret', { secret: 1234567890123 }, /"secret" must be a string or Uint8Array/],
    ['an empty list', { secrets: [] }, /non-empty array/],
    ['a list that is a string', { secrets: CURRENT }, /non-empty array/],
    ['a zero step', { secret: CURRENT, stepSeconds: 0 }, /"stepSeconds" must be an integer ≥ 1/],
    ['a negative previousSteps', { secret: CURRENT, previousSteps: -1 }, /"previousSteps"/],
    ['a misspelt option', { secret: CURRENT, stepSecond: 5 }, /Did you mean "stepSeconds"/],
    ['options that are not an object', 'secret', /options must be an object/],
  ])('throws a TypeError for %s', (_name, options, message) => {
    expect(() => dpopNonces(options as DpopNonceOptions)).toThrow(TypeError);
    expect(() => dpopNonces(options as DpopNonceOptions)).toThrow(message);
  });

  it('a short UTF-8 string counts bytes, not characters', () => {
    expect(() => dpopNonces({ secret: 'é'.repeat(16) })).not.toThrow();
    expect(() => dpopNonces({ secret: 'é'.repeat(15) })).toThrow(TypeError);
  });
});
