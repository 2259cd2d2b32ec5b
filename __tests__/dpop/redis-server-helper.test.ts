import { requireRedisServer } from '../helpers/redis-server';

describe('requireRedisServer() (the real-Redis tests never skip silently)', () => {
  const missing = 'express-mtls-no-such-redis-server';

  it('fails with what to install when EXPRESS_MTLS_REQUIRE_PROXIES=1 (CI)', () => {
    expect(() =>
      requireRedisServer({ PATH: '', EXPRESS_MTLS_REQUIRE_PROXIES: '1' }, missing),
    ).toThrow(/no express-mtls-no-such-redis-server binary.*apt-get install -y redis-server/s);
  });

  it('otherwise warns loudly and returns undefined', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(requireRedisServer({ PATH: '' }, missing)).toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[0]).toMatch(
        /!!!!!!!!\n.*apt-get install -y redis-server\nNo live Redis tests were registered\./s,
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('finds an installed binary by name (sh stands in for redis-server)', () => {
    expect(requireRedisServer({ PATH: '' }, 'sh')).toMatch(/\/sh$/);
  });
});
