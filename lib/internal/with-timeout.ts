/**
 * Settles as `value` does, or rejects with `onTimeout()` once `ms` milliseconds have passed,
 * whichever comes first. The timer is cleared on settlement and never keeps the process alive.
 * Every call to a dependency that may hang (hooks, client registries, key sets) goes through it.
 */
export function withTimeout<T>(
  value: T | PromiseLike<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(onTimeout());
    }, ms);
    timer.unref();
    Promise.resolve(value).then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}
