// Admission of replication batches: a bounded number in flight, a bounded FIFO of waiters, fair
// shares between tenants.
//
// Why a wait line and not only 503: when a region comes back from a WAN outage, a thousand
// stores push at once and all but the first few are told `Retry-After: 1`. Retry-After counts
// whole seconds (RFC 9110 §10.2.3) and the edge adds only a quarter second of jitter, so the
// refused come back in waves a second apart; slots freed between two waves stood idle (the
// fleet bench lost about a third of its catch-up rate to it, docs/scale.md). A batch that waits
// here a moment, its body not yet read (it stays in the socket's buffers), takes a slot the
// instant one frees. The line and the wait are bounded, far below the stores' 30 s timeout, so
// a batch never waits so long that its store sends it again while it is being worked on.

/** Why a batch was not admitted (the 503 detail and the `shed` metric). */
export type Refusal = 'full' | 'tenant-share' | 'waited-too-long';

export class AdmissionRefused extends Error {
  constructor(
    readonly reason: Refusal,
    /** Batches in flight (of the whole replica, or of the tenant for `tenant-share`). */
    readonly held: number,
    /** When to come back (whole seconds, RFC 9110 §10.2.3): about when the line has drained. */
    readonly retryAfterSeconds: number,
  ) {
    super(reason);
  }
}

export interface AdmissionTimers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface AdmissionOptions {
  /** Batches worked on at once. */
  maxInFlight: number;
  /** Batches that may wait for a slot; beyond that the newcomer is refused at once. */
  maxWaiting: number;
  /** Longest wait for a slot before the batch is refused after all (ms). */
  maxWaitMs: number;
  timers?: AdmissionTimers;
}

/** Gives the slot back; idempotent. */
export type Release = () => void;

interface Waiter {
  tenant: string | null;
  admit: (release: Release) => void;
  refuse: (err: AdmissionRefused) => void;
  timer: unknown;
}

/**
 * Fair share (issue 17): while another tenant has batches in flight or waiting, a tenant holding
 * half of the slots gets no more, and holds at most half of the wait line; alone, a tenant may
 * use them all (nothing idles for nobody).
 */
export class IngestAdmission {
  readonly #opts: Required<AdmissionOptions>;
  #inFlight = 0;
  /** Per tenant: batches in flight and waiting. Entries live only while either is non-zero. */
  readonly #tenants = new Map<string, { inFlight: number; waiting: number }>();
  /** FIFO; bounded by maxWaiting. */
  readonly #line: Waiter[] = [];

  /** When the last RATE_WINDOW slots were given back (a ring): how fast the line moves. */
  readonly #doneAt: number[] = [];
  #doneNext = 0;

  constructor(opts: AdmissionOptions) {
    this.#opts = {
      timers: {
        now: () => performance.now(),
        setTimeout,
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
      ...opts,
    };
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#line.length;
  }

  #share(max: number): number {
    return Math.max(1, Math.ceil(max / 2));
  }

  #tenant(tenant: string) {
    let t = this.#tenants.get(tenant);
    if (!t) {
      t = { inFlight: 0, waiting: 0 };
      this.#tenants.set(tenant, t);
    }
    return t;
  }

  #forget(tenant: string | null): void {
    if (tenant === null) return;
    const t = this.#tenants.get(tenant);
    if (t && t.inFlight === 0 && t.waiting === 0) this.#tenants.delete(tenant);
  }

  /** Is any tenant other than `tenant` in flight or waiting? */
  #othersBusy(tenant: string): boolean {
    return this.#tenants.size > (this.#tenants.has(tenant) ? 1 : 0);
  }

  /** May `tenant` take a free slot now? */
  #mayTake(tenant: string | null): boolean {
    if (this.#inFlight >= this.#opts.maxInFlight) return false;
    if (tenant === null) return true;
    const held = this.#tenants.get(tenant)?.inFlight ?? 0;
    return !(this.#othersBusy(tenant) && held >= this.#share(this.#opts.maxInFlight));
  }

  #take(tenant: string | null): Release {
    this.#inFlight++;
    if (tenant !== null) this.#tenant(tenant).inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#doneAt[this.#doneNext] = this.#opts.timers.now();
      this.#doneNext = (this.#doneNext + 1) % RATE_WINDOW;
      this.#inFlight--;
      if (tenant !== null) this.#tenant(tenant).inFlight--;
      this.#forget(tenant);
      this.#handOver();
    };
  }

  /** Gives free slots to the first waiters whose tenant may take one. */
  #handOver(): void {
    for (let i = 0; i < this.#line.length && this.#inFlight < this.#opts.maxInFlight; ) {
      const w = this.#line[i] as Waiter;
      if (!this.#mayTake(w.tenant)) {
        i++;
        continue;
      }
      this.#leave(i);
      w.admit(this.#take(w.tenant));
    }
  }

  #leave(index: number): Waiter {
    const [w] = this.#line.splice(index, 1) as [Waiter];
    this.#opts.timers.clearTimeout(w.timer);
    if (w.tenant !== null) this.#tenant(w.tenant).waiting--;
    this.#forget(w.tenant);
    return w;
  }

  /**
   * A slot for a batch of `tenant` (null: not a store's batch), now or after a wait; refused
   * with AdmissionRefused when the line is full or the wait too long. `gone` aborts the wait
   * (the client hung up).
   */
  enter(tenant: string | null, gone?: AbortSignal): Promise<Release> {
    if (this.#line.length === 0 && this.#mayTake(tenant)) return Promise.resolve(this.#take(tenant));
    if (!this.#makeRoom(tenant)) return Promise.reject(this.#refusal(tenant));
    return new Promise<Release>((resolve, reject) => {
      const w: Waiter = { tenant, admit: resolve, refuse: reject, timer: undefined };
      w.timer = this.#opts.timers.setTimeout(() => {
        const i = this.#line.indexOf(w);
        if (i >= 0) this.#leave(i).refuse(new AdmissionRefused('waited-too-long', this.#inFlight, 1));
      }, this.#opts.maxWaitMs);
      gone?.addEventListener(
        'abort',
        () => {
          const i = this.#line.indexOf(w);
          if (i >= 0) this.#leave(i).refuse(new AdmissionRefused('waited-too-long', this.#inFlight, 1));
        },
        { once: true },
      );
      this.#line.push(w);
      if (tenant !== null) this.#tenant(tenant).waiting++;
      // A slot may be free for this tenant even though others wait (they may not take it).
      this.#handOver();
    });
  }

  /**
   * Is there a place in the line for `tenant`? When the line is full, a tenant holding more than
   * half of it gives up its newest waiter to a tenant holding less (that waiter is refused as if
   * the line had been full when it came).
   */
  #makeRoom(tenant: string | null): boolean {
    const { maxWaiting } = this.#opts;
    const half = this.#share(maxWaiting);
    if (tenant !== null && this.#othersBusy(tenant) && (this.#tenants.get(tenant)?.waiting ?? 0) >= half)
      return false;
    if (this.#line.length < maxWaiting) return true;
    for (let i = this.#line.length - 1; i >= 0; i--) {
      const w = this.#line[i] as Waiter;
      if (w.tenant !== null && w.tenant !== tenant && (this.#tenants.get(w.tenant)?.waiting ?? 0) > half) {
        this.#leave(i).refuse(this.#refusal(w.tenant));
        return true;
      }
    }
    return false;
  }

  #refusal(tenant: string | null): AdmissionRefused {
    const after = this.#retryAfter();
    if (this.#inFlight < this.#opts.maxInFlight && tenant !== null)
      return new AdmissionRefused('tenant-share', this.#tenants.get(tenant)?.inFlight ?? 0, after);
    return new AdmissionRefused('full', this.#inFlight, after);
  }

  /**
   * Seconds until the line has about drained, at the pace slots were given back lately; whole
   * seconds rounded down (a store back a little early finds the batches still in flight, one
   * back late finds slots idle), at least 1, at most MAX_RETRY_AFTER_S. Told `1` while a
   * thousand stores wait behind a line that takes three seconds to drain, most would be
   * refused two more times, each refusal an HTTP exchange on the same cores.
   */
  #retryAfter(): number {
    if (this.#line.length === 0) return 1;
    // The releases of the last RATE_HORIZON_MS only: a replica idle a minute ago, now flooded
    // by a region coming back, must not read the old quiet as a slow line.
    const now = this.#opts.timers.now();
    const n = this.#doneAt.length;
    let recent = 0;
    let oldest = now;
    for (let k = 1; k <= n; k++) {
      const at = this.#doneAt[(this.#doneNext - k + n) % n] as number;
      if (at < now - RATE_HORIZON_MS) break;
      recent++;
      oldest = at;
    }
    if (recent < 2) return 1;
    // Up to now, not to the last release: a database that stalled shows as a slow line.
    const perSecond = ((recent - 1) * 1000) / Math.max(1, now - oldest);
    return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.floor(this.#line.length / perSecond)));
  }
}

/** Slots given back that the line's pace is measured over. */
const RATE_WINDOW = 64;
/** How far back the line's pace is measured. */
const RATE_HORIZON_MS = 3000;
/** The longest wait asked for: the edge waits at most its own max backoff anyway. */
const MAX_RETRY_AFTER_S = 10;

/** What a deployment sets (the timers are the tests'). */
export type IngestAdmissionSettings = Pick<AdmissionOptions, 'maxInFlight' | 'maxWaiting' | 'maxWaitMs'>;

/**
 * Defaults: 40 in flight (twice the default MySQL pool); a line of four times that, about a
 * second of catch-up batches on one database server (docs/scale.md), which bridges the gap
 * between two waves of Retry-After; and 5 s at most in it, a sixth of the stores' timeout.
 */
export function ingestAdmissionOf(s: Partial<IngestAdmissionSettings> = {}): AdmissionOptions {
  const maxInFlight = s.maxInFlight ?? 40;
  return { maxInFlight, maxWaiting: s.maxWaiting ?? 4 * maxInFlight, maxWaitMs: s.maxWaitMs ?? 5000 };
}
