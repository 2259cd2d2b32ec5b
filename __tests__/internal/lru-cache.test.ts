import { LruCache } from '../../lib/internal/lru-cache';

describe('LruCache', () => {
  it('stores and returns values', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('never holds more than max entries, evicting the least recently used', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    expect(cache.get('c')).toBe(3);
  });

  it('counts a read as a use', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('b')).toBeUndefined();
  });

  it('counts an overwrite as a use, without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    expect(cache.size).toBe(2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(10);
    expect(cache.get('b')).toBeUndefined();
  });

  it('keeps a thousand distinct keys bounded', () => {
    const cache = new LruCache<number, number>(10);
    for (let i = 0; i < 1000; i++) cache.set(i, i);
    expect(cache.size).toBe(10);
    expect(cache.get(989)).toBeUndefined();
    expect(cache.get(990)).toBe(990);
  });

  it('expires entries at their deadline (epoch milliseconds)', () => {
    const cache = new LruCache<string, string>(5);
    cache.set('k', 'v', 1_000);
    expect(cache.get('k', 999)).toBe('v');
    expect(cache.get('k', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get('k', 0)).toBeUndefined();
  });

  it('uses the clock when no time is given', () => {
    const cache = new LruCache<string, string>(5);
    cache.set('past', 'v', Date.now() - 1);
    cache.set('future', 'v', Date.now() + 60_000);
    expect(cache.get('past')).toBeUndefined();
    expect(cache.get('future')).toBe('v');
  });

  it('keeps entries without a deadline forever', () => {
    const cache = new LruCache<string, string>(1);
    cache.set('k', 'v');
    expect(cache.get('k', Number.MAX_SAFE_INTEGER)).toBe('v');
  });

  it('stores falsy values', () => {
    const cache = new LruCache<string, number | null>(3);
    cache.set('zero', 0);
    cache.set('null', null);
    expect(cache.get('zero')).toBe(0);
    expect(cache.get('null')).toBeNull();
  });

  it('is disabled with max 0', () => {
    const cache = new LruCache<string, number>(0);
    cache.set('a', 1);
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
  });

  it('deletes one key and clears all', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.delete('a');
    cache.delete('missing');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('b')).toBeUndefined();
  });
});

describe('LruCache hits in the newer half', () => {
  it('keeps a hit entry for at least max / 2 further insertions', () => {
    const cache = new LruCache<number, number>(8);
    for (let i = 0; i < 8; i++) cache.set(i, i);
    // 7 is in the newer half: a hit leaves it in place, 4 more insertions do not evict it
    expect(cache.get(7)).toBe(7);
    for (let i = 8; i < 12; i++) cache.set(i, i);
    expect(cache.get(7)).toBe(7);
    // 0 was in the older half: a hit moves it to the newest end
    const other = new LruCache<number, number>(8);
    for (let i = 0; i < 8; i++) other.set(i, i);
    expect(other.get(0)).toBe(0);
    for (let i = 8; i < 15; i++) other.set(i, i);
    expect(other.get(0)).toBe(0);
    expect(other.get(1)).toBeUndefined();
    expect(other.size).toBe(8);
  });

  it('never grows past max whatever the mix of hits and insertions', () => {
    const cache = new LruCache<number, number>(16);
    for (let i = 0; i < 5_000; i++) {
      cache.set(i, i);
      cache.get(i - 3);
      cache.get(i - 11);
    }
    expect(cache.size).toBe(16);
  });
});
