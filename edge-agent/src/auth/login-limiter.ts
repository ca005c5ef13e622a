import { isIPv6 } from 'node:net';

/** What a guarded login came to. */
export type LoginOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'wrong' }
  /** Refused before the password was checked: too many failures (or checks) for this user or address. */
  | { kind: 'locked'; retryAfter: number };

export interface LoginLimiterOptions {
  /** Failures per key within `windowMs` after which that key is locked out. */
  limit?: number;
  windowMs?: number;
  /** Keys remembered at most; past it the least recently failed unlocked key is forgotten. */
  maxEntries?: number;
  /** Password checks running at once, all keys together (each scrypt holds 32 MiB and a pool thread). */
  maxInFlight?: number;
  /** Attempts waiting for a check slot; past it an attempt is refused (retry in a second). */
  maxQueued?: number;
  clock?: () => number;
}

interface Entry {
  /** Failure times within the window, oldest first, at most `limit` of them. */
  fails: number[];
  /** Checks running now: they count like failures until they end. */
  running: number;
}

interface Waiter {
  keys: string[];
  /** 0: go and check; n > 0: refused, retry after n seconds. */
  resolve(retryAfter: number): void;
}

/** How far from the front of the map eviction looks for an unlocked key before taking the oldest. */
const EVICTION_SCAN = 64;

/**
 * The one login limiter of the agent: HTTP logins (`POST /api/v1/auth/token`) and MQTT
 * CONNECTs go through the same instance, so a failure over one counts against the other.
 *
 * Failures are counted per user name and per client address in a sliding window; a key with
 * `limit` failures is refused without checking the password. Checks run `maxInFlight` at a time
 * (scrypt is memory-hard and runs on the small libuv pool); others wait in a bounded queue. A
 * key never has more checks running than it has failures left, so a burst of parallel guesses
 * gets exactly `limit` checks, while a burst of good logins from one address (readers after a
 * restart) waits its turn instead of being refused. The map is bounded: past `maxEntries`, the
 * key that failed least recently and is not locked is forgotten, so filling the map with
 * throwaway names cannot lift anyone's lockout (there is no global reset).
 */
export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Waiter[] = [];
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly clock: () => number;
  private inFlight = 0;

  constructor(opts: LoginLimiterOptions = {}) {
    this.limit = opts.limit ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxInFlight = opts.maxInFlight ?? 4;
    this.maxQueued = opts.maxQueued ?? 256;
    this.clock = opts.clock ?? Date.now;
  }

  /** Keys remembered now (for tests and /metrics). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `check` (the password check) unless the user or the address is locked out; records
   * its outcome. `check` answers null for a wrong password or unknown user.
   */
  async attempt<T>(
    who: { username: string; address: string | undefined },
    check: () => Promise<T | null>,
  ): Promise<LoginOutcome<T>> {
    const userKey = `u:${who.username}`;
    const keys = [userKey, addressKey(who.address)];
    const locked = this.lockedFor(keys);
    if (locked > 0) return { kind: 'locked', retryAfter: locked };
    if (this.queue.length >= this.maxQueued) return { kind: 'locked', retryAfter: 1 };
    const refused = await new Promise<number>((resolve) => {
      this.queue.push({ keys, resolve });
      this.pump();
    });
    if (refused > 0) return { kind: 'locked', retryAfter: refused };
    let value: T | null = null;
    try {
      value = await check();
    } finally {
      this.inFlight--;
      const now = this.clock();
      for (const k of keys) {
        const e = this.entries.get(k);
        if (e) e.running = Math.max(0, e.running - 1);
        // A failed check (or one that threw) counts as a failure.
        if (value === null) this.fail(k, now);
      }
      // A correct password clears its user's failures; the address keeps its count, so one valid
      // account cannot reset the budget for guessing other users from the same address.
      if (value !== null) this.forget(userKey);
      this.pump();
    }
    return value === null ? { kind: 'wrong' } : { kind: 'ok', value };
  }

  /** Starts waiting attempts while slots are free; refuses those whose keys got locked meanwhile. */
  private pump(): void {
    for (let i = 0; i < this.queue.length && this.inFlight < this.maxInFlight; ) {
      const w = this.queue[i] as Waiter;
      const locked = this.lockedFor(w.keys);
      if (locked > 0) {
        this.queue.splice(i, 1);
        w.resolve(locked);
        continue;
      }
      // Each key may have only as many checks running as it has failures left.
      if (
        w.keys.some((k) => {
          const e = this.entries.get(k);
          return e !== undefined && e.fails.length + e.running >= this.limit;
        })
      ) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      for (const k of w.keys) this.entry(k).running++;
      this.inFlight++;
      w.resolve(0);
    }
  }

  /** Seconds until `keys` are no longer locked out by failures, or 0. */
  private lockedFor(keys: string[]): number {
    const now = this.clock();
    let wait = 0;
    for (const k of keys) {
      const e = this.entries.get(k);
      if (!e) continue;
      this.prune(e, now);
      if (e.fails.length < this.limit) continue;
      const until = (e.fails[e.fails.length - this.limit] as number) + this.windowMs;
      wait = Math.max(wait, Math.max(1, Math.ceil((until - now) / 1000)));
    }
    return wait;
  }

  private fail(key: string, now: number): void {
    const e = this.entry(key);
    this.prune(e, now);
    e.fails.push(now);
    if (e.fails.length > this.limit) e.fails.shift();
    // Most recently failed last: eviction starts at the front.
    this.entries.delete(key);
    this.entries.set(key, e);
    this.evict(now);
  }

  private forget(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (e.running > 0) e.fails = [];
    else this.entries.delete(key);
  }

  private entry(key: string): Entry {
    let e = this.entries.get(key);
    if (!e) {
      e = { fails: [], running: 0 };
      this.entries.set(key, e);
      this.evict(this.clock());
    }
    return e;
  }

  private prune(e: Entry, now: number): void {
    while (e.fails.length > 0 && now - (e.fails[0] as number) >= this.windowMs) e.fails.shift();
  }

  private evict(now: number): void {
    while (this.entries.size > this.maxEntries) {
      let victim: string | undefined;
      let oldestIdle: string | undefined;
      let scanned = 0;
      for (const [k, e] of this.entries) {
        if (scanned++ >= EVICTION_SCAN) break;
        if (e.running > 0) continue;
        oldestIdle ??= k;
        this.prune(e, now);
        if (e.fails.length < this.limit) {
          victim = k;
          break;
        }
      }
      // Every key looked at is locked (or busy): the oldest idle one's lock ends soonest.
      victim ??= oldestIdle ?? this.entries.keys().next().value;
      if (victim === undefined) return;
      this.entries.delete(victim);
    }
  }
}

/**
 * The key of a client address. IPv4-mapped IPv6 is the IPv4 address; an IPv6 host can pick any
 * address in its /64 (RFC 4291 §2.5.1 interface identifiers), so the /64 is one key.
 */
export function addressKey(address: string | undefined): string {
  if (!address) return 'ip:?';
  const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  if (!isIPv6(a)) return `ip:${a}`;
  return `ip6:${expandIPv6(a).slice(0, 4).join(':')}`;
}

function expandIPv6(a: string): string[] {
  const [head = '', tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
