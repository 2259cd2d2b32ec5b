import { withTimeout } from '../../lib/internal/with-timeout';

class Late extends Error {}

describe('withTimeout', () => {
  it('resolves with a plain value', async () => {
    await expect(withTimeout(42, 1000, () => new Late())).resolves.toBe(42);
  });

  it('resolves with a promise that settles in time', async () => {
    await expect(withTimeout(Promise.resolve('ok'), 1000, () => new Late())).resolves.toBe('ok');
  });

  it('passes a rejection through unchanged', async () => {
    const error = new Error('boom');
    await expect(withTimeout(Promise.reject(error), 1000, () => new Late())).rejects.toBe(error);
  });

  it('rejects with the timeout error when the promise never settles', async () => {
    await expect(
      withTimeout(new Promise<never>(() => undefined), 20, () => new Late('too slow')),
    ).rejects.toThrow(Late);
  });

  it('does not keep the process alive with its timer', () => {
    jest.useFakeTimers();
    try {
      void withTimeout(new Promise<never>(() => undefined), 60_000, () => new Late()).catch(
        () => undefined,
      );
      expect(jest.getTimerCount()).toBe(1);
    } finally {
      jest.clearAllTimers();
      jest.useRealTimers();
    }
  });
});
