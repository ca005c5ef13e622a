/**
 * The one retry/backoff rule of the edge and the cloud: capped exponential backoff with full
 * jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): before retry `attempt`
 * (0 for the first retry) wait random(0, min(cap, base · 2^attempt)). Full jitter spreads the
 * clients that failed together (stores that lost the same link, transactions that collided)
 * over the whole window, so they do not come back together.
 */
export interface BackoffPolicy {
  /** Ceiling of the first wait (ms). */
  baseMs: number;
  /** Largest ceiling (ms). */
  capMs: number;
  /**
   * `full` (default): a wait drawn from [0, ceiling). `none`: the ceiling itself, for a loop
   * that retries alone (one printer) or whose wait is stored and shown (webhook deliveries).
   */
  jitter?: 'full' | 'none';
}

/** Random numbers in [0, 1) (default Math.random; tests pass their own). */
export type RandomSource = () => number;

/** The wait before retry `attempt` (0-based) under `policy`. */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: RandomSource = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return policy.jitter === 'none' ? ceiling : random() * ceiling;
}

/**
 * The backoff of a loop that keeps going (the shipper, the change feed, a printer queue):
 * `next()` after each failure, `reset()` after a success.
 */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: RandomSource = Math.random,
  ) {}

  /** The wait after one more failure in a row. */
  next(): number {
    return backoffDelay(this.policy, this.#attempt++, this.random);
  }

  reset(): void {
    this.#attempt = 0;
  }

  /** Failures in a row so far. */
  get failures(): number {
    return this.#attempt;
  }
}

export interface RetryOptions {
  /** Attempts in total, the first included. */
  attempts: number;
  /** The backoff for a failure with `err`, or null when it must not be retried (it is thrown). */
  policyFor: (err: unknown) => BackoffPolicy | null;
  /** Called before each wait: `attempt` is the 1-based attempt that failed. */
  onRetry?: (err: unknown, attempt: number) => void;
  random?: RandomSource;
  /** Waits `ms` (default setTimeout; tests pass a fake clock's). */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` until it succeeds, its error is not retryable, or `attempts` are used up. */
export async function retry<T>(work: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const sleep = opts.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (err) {
      const policy = opts.policyFor(err);
      if (policy === null || attempt >= opts.attempts) throw err;
      opts.onRetry?.(err, attempt);
      await sleep(backoffDelay(policy, attempt - 1, opts.random));
    }
  }
}

/**
 * A `Retry-After` value in milliseconds from `now` (RFC 9110 §10.2.3: delay-seconds or an
 * HTTP-date), or null when absent or unreadable. The cloud sends it with 429 (its request
 * limits, RFC 6585 §4) and 503 (load shedding); a client that honours it comes back when there
 * is room instead of when its own backoff guesses.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP-date names a weekday and month (IMF-fixdate); bare numbers like "-1" are not dates.
  if (!/^[A-Za-z]{3},/.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
