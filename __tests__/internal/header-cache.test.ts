import { HeaderCache, headerKey } from '../../lib/internal/header-cache';

/** Two values with the same key: a value of 129+ characters differs only between the samples. */
function collidingPair(): [string, string] {
  const base = 'A'.repeat(1_300);
  const key = headerKey(base, '');
  for (let i = 1; i < base.length; i++) {
    const other = `${base.slice(0, i)}B${base.slice(i + 1)}`;
    if (headerKey(other, '') === key) return [base, other];
  }
  throw new Error('no unsampled position');
}

describe('HeaderCache', () => {
  it('answers the item stored for the same value and chain value', () => {
    const cache = new HeaderCache<number>(4);
    const value = 'x'.repeat(1_500);
    cache.set(value, '', 1);
    cache.set(value, 'chain', 2);
    expect(cache.get(`${'x'.repeat(1_499)}x`, '')).toBe(1);
    expect(cache.get(value, 'chain')).toBe(2);
    expect(cache.get(value, 'other')).toBeUndefined();
    expect(cache.get('y'.repeat(1_500), '')).toBeUndefined();
  });

  it('treats a key collision as a miss, never as the other value', () => {
    const [first, second] = collidingPair();
    expect(headerKey(first, '')).toBe(headerKey(second, ''));
    const cache = new HeaderCache<string>(4);
    cache.set(first, '', 'first');
    expect(cache.get(second, '')).toBeUndefined();
    cache.set(second, '', 'second');
    expect(cache.get(second, '')).toBe('second');
    expect(cache.get(first, '')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('keys values that differ only in the middle of a long value apart', () => {
    const head = '-----BEGIN CERTIFICATE-----'.padEnd(700, 'M');
    const tail = 'I'.repeat(700);
    const keys = new Set<number>();
    for (const middle of ['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb']) {
      keys.add(headerKey(head + middle + tail, ''));
    }
    expect(keys.size).toBe(2);
  });

  it('stays bounded by its maximum', () => {
    const cache = new HeaderCache<number>(10);
    for (let i = 0; i < 1_000; i++) cache.set(`value ${i}`, '', i);
    expect(cache.size).toBe(10);
    expect(cache.get('value 999', '')).toBe(999);
    expect(cache.get('value 0', '')).toBeUndefined();
  });

  it('is disabled with max 0', () => {
    const cache = new HeaderCache<number>(0);
    cache.set('a', '', 1);
    expect(cache.get('a', '')).toBeUndefined();
  });
});
