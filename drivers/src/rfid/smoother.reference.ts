/**
 * The presence smoother as first written (commit 899835d): arrays of read times per tag and
 * zone, a Map re-ordered on every read. Too slow for the RFID benchmark, kept only as the
 * oracle that smoother.equivalence.test.ts compares the ring-buffer smoother against.
 */
import {
  DEFAULT_SMOOTHER_SETTINGS,
  type Presence,
  type PresenceEvent,
  type SmootherClock,
  type SmootherSettings,
} from './smoother.js';

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

export class ReferenceSmoother {
  readonly settings: Readonly<SmootherSettings>;
  readonly #clock: SmootherClock;
  /** Ordered by last read (re-inserted on every read), so `tick` scans oldest first and stops early. */
  readonly #tags = new Map<string, TagState>();
  #present = 0;

  constructor(settings: Partial<SmootherSettings> = {}, clock: SmootherClock = { now: Date.now }) {
    this.settings = Object.freeze({ ...DEFAULT_SMOOTHER_SETTINGS, ...settings });
    this.#clock = clock;
  }

  /**
   * Records one read of `epc` in `zone` at the clock's now. Returns the arrival or move it
   * causes, if any — preceded by the tag's departure when it had been unread for
   * `departAfterMs` and `tick()` had not noticed yet.
   */
  observe(epc: string, zone: string, rssi?: number): readonly PresenceEvent[] {
    const now = this.#clock.now();
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
    if (departed === undefined) return change === undefined ? NO_EVENTS : [change];
    return change === undefined ? [departed] : [departed, change];
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
