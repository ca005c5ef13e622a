import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './rate-limit.js';

describe('per-tenant webhook rate limit', () => {
  it('lets a burst of `rate` through, then one more per 1/rate seconds, per tenant', () => {
    let now = 0;
    const buckets = new TokenBuckets(3, () => now);
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([true, true, true, false]);
    expect(buckets.take('b')).toBe(true); // another tenant is not held back
    now += 340;
    expect(buckets.take('a')).toBe(true);
    expect(buckets.take('a')).toBe(false);
    now += 10_000;
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([true, true, true, false]);
  });
});
