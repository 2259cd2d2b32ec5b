import { VERIFY_OFF_THREAD_ENV, verifyOffThread } from '../../lib/internal/verify-off-thread';

describe('verifyOffThread: the thread-pool hop is on only where a core is spare', () => {
  it.each([
    [undefined, 1, false],
    [undefined, 2, true],
    ['', 1, false],
    ['auto', 4, true],
    ['auto', 1, false],
    ['on', 1, true],
    ['off', 8, false],
  ])('%j with %i core(s) → %s', (value, cores, expected) => {
    expect(verifyOffThread('factory()', value, () => cores)).toBe(expected);
  });

  it.each(['yes', 'ON', 'true', '1'])(
    'refuses %j with a TypeError naming the variable',
    (value) => {
      expect(() => verifyOffThread('factory()', value, () => 2)).toThrow(
        new TypeError(
          `factory(): ${VERIFY_OFF_THREAD_ENV} must be "on", "off" or "auto" (the default: on with more than one core).`,
        ),
      );
    },
  );

  it('reads the environment when no value is given', () => {
    const saved = process.env[VERIFY_OFF_THREAD_ENV];
    try {
      process.env[VERIFY_OFF_THREAD_ENV] = 'off';
      expect(verifyOffThread('factory()')).toBe(false);
      process.env[VERIFY_OFF_THREAD_ENV] = 'on';
      expect(verifyOffThread('factory()', undefined, () => 1)).toBe(true);
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.env, VERIFY_OFF_THREAD_ENV);
      else process.env[VERIFY_OFF_THREAD_ENV] = saved;
    }
  });
});
