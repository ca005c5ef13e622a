import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay, parseRetryAfter, retry } from './index.js';

describe('backoff with full jitter (one rule for edge and cloud)', () => {
  it('draws each wait from [0, min(cap, base · 2^attempt)), as the AWS "full jitter" rule says', () => {
    const policy = { baseMs: 100, capMs: 1000 };
    expect(backoffDelay(policy, 0, () => 0)).toBe(0);
    expect(backoffDelay(policy, 0, () => 0.5)).toBe(50);
    expect(backoffDelay(policy, 2, () => 0.5)).toBe(200);
    // Capped: 100 · 2^5 = 3200 > 1000.
    expect(backoffDelay(policy, 5, () => 0.999)).toBeCloseTo(999);
    expect(backoffDelay({ ...policy, jitter: 'none' }, 3)).toBe(800);
  });

  it('a loop backs off further after each failure and starts again after a success', () => {
    const b = new Backoff({ baseMs: 250, capMs: 2000 }, () => 0.5);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([125, 250, 500, 1000, 1000]);
    expect(b.failures).toBe(5);
    b.reset();
    expect(b.next()).toBe(125);
  });

  it('retries only what the policy allows, up to the attempts, waiting on the injected clock', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    let calls = 0;
    const answer = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('conflict');
        return 'done';
      },
      { attempts: 5, policyFor: () => ({ baseMs: 10, capMs: 100 }), random: () => 0.5, sleep },
    );
    expect(answer).toBe('done');
    expect(waits).toEqual([5, 10]);

    await expect(
      retry(
        async () => {
          throw new Error('refused');
        },
        { attempts: 5, policyFor: () => null, sleep },
      ),
    ).rejects.toThrow('refused');
    expect(waits).toHaveLength(2);

    const retried: number[] = [];
    await expect(
      retry(
        async () => {
          throw new Error('still down');
        },
        {
          attempts: 3,
          policyFor: () => ({ baseMs: 1, capMs: 1 }),
          sleep,
          onRetry: (_e, n) => retried.push(n),
        },
      ),
    ).rejects.toThrow('still down');
    expect(retried).toEqual([1, 2]);
  });
});

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  it('reads delay-seconds and HTTP-dates, and nothing else', () => {
    const now = Date.parse('2026-12-05T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 05 Dec 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Sat, 05 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-1', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
