import {
  missingRedisNote,
  pingRedis,
  REDIS_INSTALL_HINT,
  startBenchRedis,
} from '../../bench/redis';
import { requireRedisServer } from '../helpers/redis-server';

describe('the benchmark redis-server', () => {
  it('says loudly what is not measured and what to install', () => {
    const note = missingRedisNote();
    expect(note).toContain('dpop-redis');
    expect(note).toContain('NOT run');
    expect(note).toContain(REDIS_INSTALL_HINT);
  });

  it('rejects with the output of a server that never answers PING', async () => {
    await expect(startBenchRedis('/bin/false')).rejects.toThrow(/did not answer PING/);
  });

  const binary = requireRedisServer();
  if (binary !== undefined) {
    it('starts redis-server on a free loopback port and stops it', async () => {
      const redis = await startBenchRedis(binary);
      const port = Number(new URL(redis.url).port);
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(await pingRedis(port)).toBe(true);
      await redis.stop();
      expect(await pingRedis(port)).toBe(false);
    });
  }
});
