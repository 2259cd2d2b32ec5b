import { VERIFY_OFF_THREAD_ENV, verifyOffThread } from '../../lib/internal/verify-off-thread';

describe('verifyOffThread: the thread-pool hop is off unless switched on', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['off', false],
    ['on', true],
  ])('%j → %s', (value, expected) => {
    expect(verifyOffThread('factory()', value)).toBe(expected);
  });

  it.each(['auto', 'yes', 'ON', 'true', '1'])(
    'refuses %j with a TypeError naming the variable',
    (value) => {
      expect(() => verifyOffThread('factory()', value)).toThrow(
        new TypeError(
          `factory(): ${VERIFY_OFF_THREAD_ENV} must be "on" or "off" (the default: off).`,
        ),
      );
    },
  );

  it('reads the environment when no value is given', () => {
    const saved = process.env[VERIFY_OFF_THREAD_ENV];
    try {
      process.env[VERIFY_OFF_THREAD_ENV] = 'on';
      expect(verifyOffThread('factory()')).toBe(true);
      process.env[VERIFY_OFF_THREAD_ENV] = 'off';
      expect(verifyOffThread('factory()')).toBe(false);
      Reflect.deleteProperty(process.env, VERIFY_OFF_THREAD_ENV);
      expect(verifyOffThread('factory()')).toBe(false);
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.env, VERIFY_OFF_THREAD_ENV);
      else process.env[VERIFY_OFF_THREAD_ENV] = saved;
    }
  });
});
