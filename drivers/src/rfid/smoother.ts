/**
 * Per-zone presence smoothing for fixed RFID readers. Raw reads flicker — a tag on a shelf
 * is missed for seconds, a tag near a portal is read by two zones — so a store only hears
 * about a tag when it *arrives* (N reads in one zone within W), *moves* (read clearly
 * stronger elsewhere) or *departs* (T without any read).
 *
 * Pure: no timers, no IO. Time comes from the injected clock, and `tick()` must be called
 * periodically (about once a second) to detect departures and to forget tags that never
 * arrived; memory is bounded by the tags read within the last T.
 */

export interface SmootherSettings {
  /** Reads in one zone within `arriveWindowMs` for a tag to arrive (or move) there. Default 2. */
  arriveReads: number;
  /** The window W, also the span RSSI is averaged over. Default 2000 ms. */
  arriveWindowMs: number;
  /** A present tag departs after this long without a read in any zone. Default 30000 ms. */
  departAfterMs: number;
  /** A tag moves only when the other zone's average RSSI is this much stronger. Default 3 dB. */
  moveHysteresisDb: number;
  /** Reads kept per tag and zone inside the window, to bound memory for chatty tags. Default 32. */
  maxSamplesPerZone: number;
}

export const DEFAULT_SMOOTHER_SETTINGS: Readonly<SmootherSettings> = Object.freeze({
  arriveReads: 2,
  arriveWindowMs: 2000,
  departAfterMs: 30_000,
  moveHysteresisDb: 3,
  maxSamplesPerZone: 32,
});

/** Milliseconds since the epoch; `{ now: Date.now }` in production, a settable fake in tests. */
export interface SmootherClock {
  now(): number;
}

export type PresenceEvent =
  | { type: 'arrival'; epc: string; zone: string; at: Date }
  | { type: 'move'; epc: string; zone: string; fromZone: string; at: Date }
  /** `zone` is the zone the tag left; `at` is when the departure was detected. */
  | { type: 'departure'; epc: string; zone: string; at: Date };

/** A tag present in a zone, as the presence table shows it. */
export interface Presence {
  epc: string;
  zone: string;
  /** First read of the run of reads that made the tag arrive (kept across moves). */
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** Reads of this tag, any zone, since `firstSeenAt`. */
  reads: number;
}

/**
 * The reads of one tag in one zone inside the window: a ring of (time, RSSI) pairs, oldest at
 * `head`, at most `maxSamplesPerZone` of them. A ring instead of arrays that shift and splice,
 * because this runs for every read (tens of thousands a second, see bench/rfid.ts).
 */
interface ZoneWindow {
  wZone: string;
  /** Interleaved [time, rssi, time, rssi, …]; RSSI is NaN where the reader gave none. */
  samples: number[];
  /** Capacity in samples (grows by doubling up to maxSamplesPerZone). */
  cap: number;
  head: number;
  count: number;
  /**
   * The tag's window for another zone it was read in while tracked. Empty windows stay for
   * reuse (a tag sees a zone or two); the tag's `live` counts those holding reads.
   */
  nextWindow: ZoneWindow | null;
}

/**
 * A tracked tag. It is also the window of the first zone it was read in, so the common case —
 * a tag read again where it is — touches one object and its samples, nothing else.
 */
interface TagState extends ZoneWindow {
  epc: string;
  /** The zone it is present in. */
  zone: string | undefined;
  firstSeen: number;
  lastSeen: number;
  /** Order of the last read among all tags: "least recently read first" for tick and present. */
  seq: number;
  reads: number;
  /** Windows holding reads, which is what "no recent read anywhere" means. */
  live: number;
}

/** First capacity of a window's ring; most tags never need more before reads leave the window. */
const INITIAL_SAMPLES = 4;

const NO_EVENTS: readonly PresenceEvent[] = Object.freeze([]);

/** A read as `observeMany` takes it (a `TagReadEvent` fits). */
export interface ObservedRead {
  epc: string;
  rssi?: number | undefined;
}

export class PresenceSmoother {
  readonly settings: Readonly<SmootherSettings>;
  readonly #clock: SmootherClock;
  readonly #tags = new Map<string, TagState>();
  #seq = 0;
  #present = 0;

  constructor(settings: Partial<SmootherSettings> = {}, clock: SmootherClock = { now: Date.now }) {
    this.settings = Object.freeze({ ...DEFAULT_SMOOTHER_SETTINGS, ...settings });
    checkSettings(this.settings);
    this.#clock = clock;
  }

  /**
   * Records one read of `epc` in `zone` at the clock's now. Returns the arrival or move it
   * causes, if any — preceded by the tag's departure when it had been unread for
   * `departAfterMs` and `tick()` had not noticed yet.
   */
  observe(epc: string, zone: string, rssi?: number): readonly PresenceEvent[] {
    return this.#observe(epc, zone, rssi, this.#clock.now(), undefined) ?? NO_EVENTS;
  }

  /**
   * Records a batch of reads in one zone (one reader message), all at one time — `now`, by
   * default the clock's; the same as `observe` for each read in order, events concatenated.
   */
  observeMany(
    reads: readonly ObservedRead[],
    zone: string,
    now: number = this.#clock.now(),
  ): readonly PresenceEvent[] {
    let out: PresenceEvent[] | undefined;
    for (let i = 0; i < reads.length; i++) {
      const r = reads[i] as ObservedRead;
      out = this.#observe(r.epc, zone, r.rssi, now, out);
    }
    return out ?? NO_EVENTS;
  }

  /** Appends the events the read causes to `out` (created when needed) and returns it. */
  #observe(
    epc: string,
    zone: string,
    rssi: number | undefined,
    now: number,
    out: PresenceEvent[] | undefined,
  ): PresenceEvent[] | undefined {
    const { arriveWindowMs, departAfterMs } = this.settings;
    let st = this.#tags.get(epc);
    if (st === undefined) {
      const cap = Math.min(INITIAL_SAMPLES, this.settings.maxSamplesPerZone);
      st = {
        wZone: zone,
        samples: newSamples(cap),
        cap,
        head: 0,
        count: 0,
        nextWindow: null,
        epc,
        zone: undefined,
        firstSeen: now,
        lastSeen: now,
        seq: 0,
        reads: 0,
        live: 0,
      };
      this.#tags.set(epc, st);
    } else if (st.zone !== undefined && now - st.lastSeen >= departAfterMs) {
      // tick() was late: the tag had departed before this read, so say so first.
      out ??= [];
      out.push({ type: 'departure', epc, zone: st.zone, at: new Date(now) });
      st.zone = undefined;
      this.#present--;
    }
    st.seq = ++this.#seq;
    const cutoff = now - arriveWindowMs;
    let w: ZoneWindow | undefined;
    let last: ZoneWindow = st;
    for (let x: ZoneWindow | null = st; x !== null; x = x.nextWindow) {
      if (x.count > 0 && prune(x, cutoff)) st.live--;
      if (x.wZone === zone) w = x;
      last = x;
    }
    if (st.zone === undefined && st.live === 0) {
      // A fresh run of reads: presence fields count from here, not from an earlier near-miss.
      st.firstSeen = now;
      st.reads = 0;
    }
    st.lastSeen = now;
    st.reads++;

    if (w === undefined) {
      const cap = Math.min(INITIAL_SAMPLES, this.settings.maxSamplesPerZone);
      w = { wZone: zone, samples: newSamples(cap), cap, head: 0, count: 0, nextWindow: null };
      last.nextWindow = w;
    }
    if (w.count === 0) st.live++;
    this.#push(w, now, rssi ?? Number.NaN);

    return this.#change(st, zone, w, now, out);
  }

  /** Adds a read to the window, dropping its oldest once `maxSamplesPerZone` are held. */
  #push(w: ZoneWindow, time: number, rssi: number): void {
    if (w.count === w.cap) {
      const max = this.settings.maxSamplesPerZone;
      if (w.cap < max) grow(w, Math.min(w.cap * 2, max));
      else {
        w.head = w.head + 1 === w.cap ? 0 : w.head + 1;
        w.count--;
      }
    }
    let slot = w.head + w.count;
    if (slot >= w.cap) slot -= w.cap;
    w.samples[slot * 2] = time;
    w.samples[slot * 2 + 1] = rssi;
    w.count++;
  }

  /** The arrival or move that the read just added to `w` (in `zone`) causes, if any. */
  #change(
    st: TagState,
    zone: string,
    w: ZoneWindow,
    now: number,
    out: PresenceEvent[] | undefined,
  ): PresenceEvent[] | undefined {
    if (w.count < this.settings.arriveReads || st.zone === zone) return out;
    if (st.zone === undefined) {
      st.zone = zone;
      this.#present++;
      out ??= [];
      out.push({ type: 'arrival', epc: st.epc, zone, at: new Date(now) });
      return out;
    }
    const current = liveWindow(st, st.zone);
    if (current !== undefined) {
      // Still read where it is: move only when clearly stronger here (hysteresis stops flapping).
      const here = meanRssi(w);
      const there = meanRssi(current);
      if (Number.isNaN(here) || Number.isNaN(there) || here < there + this.settings.moveHysteresisDb) {
        return out;
      }
    }
    const fromZone = st.zone;
    st.zone = zone;
    out ??= [];
    out.push({ type: 'move', epc: st.epc, zone, fromZone, at: new Date(now) });
    return out;
  }

  /**
   * Departs present tags unread for `departAfterMs` and forgets tags that never arrived and
   * have not been read for `arriveWindowMs`.
   *
   * In order of last read, stopping at the first tag read within the shorter of the two: with
   * a clock that only moves forward every later tag was read within it too. One pass over all
   * tags about once a second is cheaper than keeping them ordered on every read.
   */
  tick(now: number = this.#clock.now()): readonly PresenceEvent[] {
    const { arriveWindowMs, departAfterMs } = this.settings;
    const earliest = Math.min(arriveWindowMs, departAfterMs);
    let stop = Number.POSITIVE_INFINITY;
    let idle: TagState[] | undefined;
    for (const st of this.#tags.values()) {
      if (now - st.lastSeen < earliest) {
        if (st.seq < stop) stop = st.seq;
      } else {
        idle ??= [];
        idle.push(st);
      }
    }
    if (idle === undefined) return NO_EVENTS;
    idle.sort(bySeq);
    let events: PresenceEvent[] | undefined;
    for (const st of idle) {
      if (st.seq > stop) break;
      const t = now - st.lastSeen;
      if (st.zone === undefined) {
        if (t >= arriveWindowMs) this.#tags.delete(st.epc);
      } else if (t >= departAfterMs) {
        this.#tags.delete(st.epc);
        this.#present--;
        events ??= [];
        events.push({ type: 'departure', epc: st.epc, zone: st.zone, at: new Date(now) });
      }
    }
    return events ?? NO_EVENTS;
  }

  /** The tag's presence, or undefined when it is not present in any zone. */
  get(epc: string): Presence | undefined {
    const st = this.#tags.get(epc);
    return st?.zone === undefined ? undefined : presenceOf(st, st.zone);
  }

  /** Present tags, least recently read first, optionally only those in `zone`. */
  present(zone?: string): Presence[] {
    const tags: TagState[] = [];
    for (const st of this.#tags.values()) {
      if (st.zone !== undefined && (zone === undefined || st.zone === zone)) tags.push(st);
    }
    tags.sort(bySeq);
    return tags.map((st) => presenceOf(st, st.zone as string));
  }

  /** Number of tags present in some zone. */
  get presentCount(): number {
    return this.#present;
  }

  /** Tags held in memory: present ones plus recent reads that have not (yet) arrived. */
  get trackedCount(): number {
    return this.#tags.size;
  }
}

function bySeq(a: TagState, b: TagState): number {
  return a.seq - b.seq;
}

function newSamples(cap: number): number[] {
  return new Array<number>(cap * 2).fill(0);
}

function presenceOf(st: TagState, zone: string): Presence {
  return {
    epc: st.epc,
    zone,
    firstSeenAt: new Date(st.firstSeen),
    lastSeenAt: new Date(st.lastSeen),
    reads: st.reads,
  };
}

/** The tag's window in `zone` when it holds reads. */
function liveWindow(st: TagState, zone: string): ZoneWindow | undefined {
  for (let w: ZoneWindow | null = st; w !== null; w = w.nextWindow) {
    if (w.wZone === zone && w.count > 0) return w;
  }
  return undefined;
}

/**
 * Drops reads older than `cutoff` from the front of the window (reads arrive in clock order).
 * Returns true when that left it empty.
 */
function prune(w: ZoneWindow, cutoff: number): boolean {
  const s = w.samples;
  while (w.count > 0 && (s[w.head * 2] as number) < cutoff) {
    w.head = w.head + 1 === w.cap ? 0 : w.head + 1;
    w.count--;
  }
  return w.count === 0;
}

/** Re-lays the ring oldest-first into a larger one. */
function grow(w: ZoneWindow, cap: number): void {
  const samples = newSamples(cap);
  for (let k = 0; k < w.count; k++) {
    let slot = w.head + k;
    if (slot >= w.cap) slot -= w.cap;
    samples[k * 2] = w.samples[slot * 2] as number;
    samples[k * 2 + 1] = w.samples[slot * 2 + 1] as number;
  }
  w.samples = samples;
  w.cap = cap;
  w.head = 0;
}

/** Mean of the reported RSSI values in the window, oldest first; NaN when none was reported. */
function meanRssi(w: ZoneWindow): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < w.count; k++) {
    let slot = w.head + k;
    if (slot >= w.cap) slot -= w.cap;
    const r = w.samples[slot * 2 + 1] as number;
    if (!Number.isNaN(r)) {
      sum += r;
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

function checkSettings(s: SmootherSettings): void {
  const problems: string[] = [];
  if (!Number.isInteger(s.arriveReads) || s.arriveReads < 1)
    problems.push('arriveReads must be an integer ≥ 1');
  if (!(s.arriveWindowMs > 0)) problems.push('arriveWindowMs must be > 0');
  if (!(s.departAfterMs > 0)) problems.push('departAfterMs must be > 0');
  if (!(s.moveHysteresisDb >= 0)) problems.push('moveHysteresisDb must be ≥ 0');
  if (!Number.isInteger(s.maxSamplesPerZone) || s.maxSamplesPerZone < s.arriveReads) {
    problems.push('maxSamplesPerZone must be an integer ≥ arriveReads');
  }
  if (problems.length > 0) throw new RangeError(`invalid smoother settings: ${problems.join('; ')}`);
}
