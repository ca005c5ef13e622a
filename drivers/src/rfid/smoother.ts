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
 * The reads of one tag in one zone inside the window W, oldest first, at most
 * `maxSamplesPerZone` of them.
 */
interface ZoneWindow {
  times: number[];
  /** NaN where the reader gave no RSSI. */
  rssi: number[];
}

interface TagState {
  epc: string;
  zone: string | undefined;
  firstSeen: number;
  lastSeen: number;
  reads: number;
  zones: Map<string, ZoneWindow>;
}

const NO_EVENTS: readonly PresenceEvent[] = Object.freeze([]);

/** A read as `observeMany` takes it (a `TagReadEvent` fits). */
export interface ObservedRead {
  epc: string;
  rssi?: number | undefined;
}

export class PresenceSmoother {
  readonly settings: Readonly<SmootherSettings>;
  readonly #clock: SmootherClock;
  /** Ordered by last read (re-inserted on every read), so `tick` scans oldest first and stops early. */
  readonly #tags = new Map<string, TagState>();
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
    for (const r of reads) out = this.#observe(r.epc, zone, r.rssi, now, out);
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
    const { arriveWindowMs, departAfterMs, maxSamplesPerZone } = this.settings;
    let departed: PresenceEvent | undefined;
    let st = this.#tags.get(epc);
    if (st === undefined) {
      st = { epc, zone: undefined, firstSeen: now, lastSeen: now, reads: 0, zones: new Map() };
    } else {
      this.#tags.delete(epc);
      if (st.zone !== undefined && now - st.lastSeen >= departAfterMs) {
        // tick() was late: the tag had departed before this read, so say so first.
        departed = { type: 'departure', epc, zone: st.zone, at: new Date(now) };
        st.zone = undefined;
        this.#present--;
      }
    }
    this.#tags.set(epc, st);
    pruneWindows(st, now - arriveWindowMs);
    if (st.zone === undefined && st.zones.size === 0) {
      // A fresh run of reads: presence fields count from here, not from an earlier near-miss.
      st.firstSeen = now;
      st.reads = 0;
    }
    st.lastSeen = now;
    st.reads++;

    let w = st.zones.get(zone);
    if (w === undefined) {
      w = { times: [], rssi: [] };
      st.zones.set(zone, w);
    }
    w.times.push(now);
    w.rssi.push(rssi ?? Number.NaN);
    if (w.times.length > maxSamplesPerZone) {
      w.times.shift();
      w.rssi.shift();
    }

    const change = this.#change(st, zone, w, now);
    if (departed === undefined && change === undefined) return out;
    const events = out ?? [];
    if (departed !== undefined) events.push(departed);
    if (change !== undefined) events.push(change);
    return events;
  }

  /** The arrival or move that the read just added to `w` (in `zone`) causes, if any. */
  #change(st: TagState, zone: string, w: ZoneWindow, now: number): PresenceEvent | undefined {
    if (w.times.length < this.settings.arriveReads || st.zone === zone) return undefined;
    if (st.zone === undefined) {
      st.zone = zone;
      this.#present++;
      return { type: 'arrival', epc: st.epc, zone, at: new Date(now) };
    }
    const current = st.zones.get(st.zone);
    if (current !== undefined) {
      // Still read where it is: move only when clearly stronger here (hysteresis stops flapping).
      const here = meanRssi(w);
      const there = meanRssi(current);
      if (Number.isNaN(here) || Number.isNaN(there) || here < there + this.settings.moveHysteresisDb) {
        return undefined;
      }
    }
    const fromZone = st.zone;
    st.zone = zone;
    return { type: 'move', epc: st.epc, zone, fromZone, at: new Date(now) };
  }

  /**
   * Departs present tags unread for `departAfterMs` and forgets tags that never arrived and
   * have not been read for `arriveWindowMs`.
   */
  tick(now: number = this.#clock.now()): readonly PresenceEvent[] {
    const { arriveWindowMs, departAfterMs } = this.settings;
    const earliest = Math.min(arriveWindowMs, departAfterMs);
    let events: PresenceEvent[] | undefined;
    for (const st of this.#tags.values()) {
      const idle = now - st.lastSeen;
      if (idle < earliest) break;
      if (st.zone === undefined) {
        if (idle >= arriveWindowMs) this.#tags.delete(st.epc);
      } else if (idle >= departAfterMs) {
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

  /** Present tags, optionally only those in `zone`. */
  present(zone?: string): Presence[] {
    const out: Presence[] = [];
    for (const st of this.#tags.values()) {
      if (st.zone !== undefined && (zone === undefined || st.zone === zone))
        out.push(presenceOf(st, st.zone));
    }
    return out;
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

function presenceOf(st: TagState, zone: string): Presence {
  return {
    epc: st.epc,
    zone,
    firstSeenAt: new Date(st.firstSeen),
    lastSeenAt: new Date(st.lastSeen),
    reads: st.reads,
  };
}

/** Drops reads older than `cutoff` from every zone of the tag, and zones left empty. */
function pruneWindows(st: TagState, cutoff: number): void {
  for (const [zone, w] of st.zones) {
    let drop = 0;
    while (drop < w.times.length && (w.times[drop] as number) < cutoff) drop++;
    if (drop === w.times.length) st.zones.delete(zone);
    else if (drop > 0) {
      w.times.splice(0, drop);
      w.rssi.splice(0, drop);
    }
  }
}

/** Mean of the reported RSSI values in the window; NaN when none was reported. */
function meanRssi(w: ZoneWindow): number {
  let sum = 0;
  let n = 0;
  for (const r of w.rssi) {
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
