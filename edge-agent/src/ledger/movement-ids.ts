import type { Db } from '../db/database.js';
import { RowInserter } from '../db/row-inserter.js';

/**
 * The idempotency key of a movement: its UUID in canonical form (lowercase, dashes at 8, 13,
 * 18, 23). The last 36 characters, so "urn:uuid:<uuid>" and the bare UUID are one id, and case
 * does not matter (RFC 9562 section 4: UUIDs compare as 128-bit values). movement_ids holds the
 * key in text; an id whose hex is not 32 digits (only possible outside the HTTP API, which checks
 * the format) keys by that hex.
 */
export function idKey(id: string): string {
  const k = (id.length === 36 ? id : id.slice(-36)).toLowerCase();
  // Dashes in place: canonical already (other characters make the CHECK refuse the movement).
  if (canonicalDashes(k)) return k;
  const hex = k.replaceAll('-', '');
  return hex.length === 32
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : hex;
}

function canonicalDashes(k: string): boolean {
  if (k.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    if ((k.charCodeAt(i) === 45) !== (i === 8 || i === 13 || i === 18 || i === 23)) return false;
  }
  return true;
}

/** Ids per run: a run is filed after this many movements (about 2 MB of ids in memory until then). */
export const RUN_SIZE = 20_000;
/** Ids written per filing step; a step rides along with a group commit (no fsync of its own). */
export const STEP_IDS = 1_500;
/**
 * 14 bits and 10 probes per key: about 0.1 % false positives per run, so an id that is new
 * costs a lookup in movement_ids once in a thousand runs (Bloom 1970; probes by
 * Kirsch-Mitzenmacher double hashing). An absent key usually fails at the first probe.
 */
const BITS_PER_KEY = 14;
const PROBES = 10;

/** The two hashes of the last `hash()` (module state: no allocation per lookup). */
let h1 = 0;
let h2 = 0;

/** Two 32-bit hashes of a key (FNV-1a steps, murmur3 fmix32 finish); UUIDs need not be random (v1, v7). */
function hash(key: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  h1 = fmix32(a);
  // Odd, and unsigned (`| 1` alone would make it a signed 32-bit number).
  h2 = (fmix32(b) | 1) >>> 0;
}

function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

class Bloom {
  private constructor(
    readonly bits: Uint32Array,
    private readonly m: number,
  ) {}

  static sized(keys: number): Bloom {
    const words = Math.max(2, Math.ceil((keys * BITS_PER_KEY) / 32));
    return new Bloom(new Uint32Array(words), words * 32);
  }

  static from(blob: Buffer): Bloom {
    const copy = new Uint8Array(blob);
    const bits = new Uint32Array(copy.buffer, 0, copy.byteLength >>> 2);
    return new Bloom(bits, bits.length * 32);
  }

  add(h1: number, h2: number): void {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + i * h2) % this.m;
      this.bits[bit >>> 5] = (this.bits[bit >>> 5] as number) | (1 << (bit & 31));
    }
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + i * h2) % this.m;
      if (((this.bits[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bits.buffer, this.bits.byteOffset, this.bits.byteLength);
  }
}

/** A run being written, a step at a time: its ids by their first byte (256 buckets, in key order). */
interface Building {
  run: number;
  firstSeq: number;
  lastSeq: number;
  ids: number;
  buckets: Array<Array<[string, number]>>;
  next: number;
  bloom: Bloom;
}

/**
 * "Was this id recorded before?" for the ledger writer, without a B-tree index updated at a
 * random place on every insert (migration 006 says why). Every movement's id is in one of two
 * places:
 * - `tail`: the ids of the movements after `ids_upto`, in memory (less than a run, plus a run being filed);
 * - a finished run: movement_ids rows keyed (run, uuid), with one Bloom filter per run saying
 *   which runs can hold a key; only those are looked up (about 0.1 % of runs for a new id).
 *
 * Filing writes the next run in steps of ~1,500 ids inside the group commit that is about to
 * happen (no fsync of its own); only when the step's transaction commits does memory follow
 * (`committed()`). A crash mid-run leaves rows of a run without its id_runs row: they are
 * removed at start, and the movements are still in the tail.
 */
export class MovementIds {
  private tail = new Map<string, number>();
  private runs: Array<{ run: number; bloom: Bloom }> = [];
  private idsUpto = 0;
  /** Highest seq committed among the tail's ids (what a new run may take). */
  private committedSeq = 0;
  private txMaxSeq = 0;
  /** Keys added in the open transaction, in order, to take back on a rollback. */
  private readonly added: string[] = [];
  private building: Building | null = null;
  /** What the open transaction wrote of `building`. */
  private staged: { next: number; done: boolean } | null = null;
  private readonly q;

  constructor(
    private readonly db: Db,
    private readonly runSize = RUN_SIZE,
    private readonly stepIds = STEP_IDS,
  ) {
    this.q = {
      state: db.prepare<[], { ids_upto: number }>('SELECT ids_upto FROM history_state WHERE id = 1'),
      setUpto: db.prepare('UPDATE history_state SET ids_upto = ? WHERE id = 1'),
      maxSeq: db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM movements'),
      after: db.prepare<[number], { id: string; seq: number }>(
        'SELECT id, seq FROM movements WHERE seq > ? ORDER BY seq',
      ),
      page: db.prepare<[number, number], { id: string; seq: number }>(
        'SELECT id, seq FROM movements WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      runs: db.prepare<[], { run: number; bloom: Buffer }>('SELECT run, bloom FROM id_runs ORDER BY run'),
      dropUnfinished: db.prepare(
        'DELETE FROM movement_ids WHERE run > (SELECT COALESCE(MAX(run), 0) FROM id_runs)',
      ),
      insertIds: new RowInserter(db, 'INSERT INTO movement_ids (run, uuid, seq) VALUES', 3),
      insertRun: db.prepare(
        'INSERT INTO id_runs (run, first_seq, last_seq, ids, bloom) VALUES (?, ?, ?, ?, ?)',
      ),
      find: db.prepare<[number, string], { seq: number }>(
        'SELECT seq FROM movement_ids WHERE run = ? AND uuid = ?',
      ),
    };
    this.reload();
  }

  /**
   * Reads the filed runs and the tail (at start, after the ledger was rewritten). Whole runs'
   * worth of unfiled ids (a ledger from before migration 006, a crash before a run was done) are
   * filed first, run by run, so memory starts with less than one run of ids and no run due.
   */
  reload(): void {
    this.q.dropUnfinished.run();
    this.building = null;
    this.staged = null;
    this.added.length = 0;
    this.idsUpto = this.q.state.get()?.ids_upto ?? 0;
    this.runs = this.q.runs.all().map((r) => ({ run: r.run, bloom: Bloom.from(r.bloom) }));
    const last = this.q.maxSeq.get()?.m ?? 0;
    while (last - this.idsUpto >= this.runSize) {
      const page = this.q.page.all(this.idsUpto, this.runSize);
      const buckets = bucketed(page.map((r) => [idKey(r.id), r.seq]));
      const lastSeq = (page[page.length - 1] as { seq: number }).seq;
      this.building = this.startRun(buckets, this.idsUpto + 1, lastSeq, page.length);
      this.db.transaction(() => {
        while (!this.stageStep(Number.POSITIVE_INFINITY)) {
          // all buckets in one transaction
        }
      })();
      this.committed();
    }
    this.tail = new Map();
    this.committedSeq = this.idsUpto;
    for (const r of this.q.after.iterate(this.idsUpto)) {
      this.tail.set(idKey(r.id), r.seq);
      this.committedSeq = r.seq;
    }
  }

  /** Ids held in memory (not filed in a finished run yet). */
  get size(): number {
    return this.tail.size;
  }

  /** Runs filed so far. */
  get runCount(): number {
    return this.runs.length;
  }

  /** The seq of the movement recorded under `key` (idKey), or 0. */
  find(key: string): number {
    const seq = this.tail.get(key);
    if (seq !== undefined) return seq;
    if (this.runs.length === 0) return 0;
    hash(key);
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const r = this.runs[i] as { run: number; bloom: Bloom };
      if (!r.bloom.has(h1, h2)) continue;
      const hit = this.q.find.get(r.run, key);
      if (hit) return hit.seq;
    }
    return 0;
  }

  /** A movement (its idKey) was inserted in the open transaction. */
  add(key: string, seq: number): void {
    this.tail.set(key, seq);
    this.added.push(key);
    if (seq > this.txMaxSeq) this.txMaxSeq = seq;
  }

  /** How many keys the open transaction added so far: a point to `undo` to. */
  mark(): number {
    return this.added.length;
  }

  /** Takes back the keys added after `mark` (a request was refused within the transaction). */
  undo(mark: number): void {
    for (let i = this.added.length - 1; i >= mark; i--) this.tail.delete(this.added[i] as string);
    this.added.length = mark;
  }

  /** The open transaction was rolled back: nothing it added or filed happened. */
  rolledBack(): void {
    this.undo(0);
    this.txMaxSeq = 0;
    this.dropStaged();
  }

  /** The open transaction committed: its ids stay, and what it filed is filed. */
  committed(): void {
    this.added.length = 0;
    if (this.txMaxSeq > this.committedSeq) this.committedSeq = this.txMaxSeq;
    this.txMaxSeq = 0;
    const b = this.building;
    const s = this.staged;
    this.staged = null;
    if (!b || !s) return;
    b.next = s.next;
    if (!s.done) return;
    for (const bucket of b.buckets)
      for (const [key, seq] of bucket) if (this.tail.get(key) === seq) this.tail.delete(key);
    this.runs.push({ run: b.run, bloom: b.bloom });
    this.idsUpto = b.lastSeq;
    this.building = null;
  }

  /** Forgets what the open transaction wrote of the run (rolled back to before the step). */
  dropStaged(): void {
    this.staged = null;
    this.q.insertIds.clear();
  }

  /** Whether filing has work: a run under way, or a full run's worth of committed ids. */
  get due(): boolean {
    return this.building !== null || this.committedSeq - this.idsUpto >= this.runSize;
  }

  /**
   * Writes the next step of the run under way (starting one when due) in the open transaction;
   * memory follows on `committed()`. Returns true when this step finishes the run.
   */
  stageStep(maxIds = this.stepIds): boolean {
    if (!this.building) {
      if (this.committedSeq - this.idsUpto < this.runSize) return false;
      const upto = this.committedSeq;
      const entries: Array<[string, number]> = [];
      for (const [key, seq] of this.tail) if (seq <= upto) entries.push([key, seq]);
      this.building = this.startRun(bucketed(entries), this.idsUpto + 1, upto, entries.length);
    }
    const b = this.building;
    let next = this.staged?.next ?? b.next;
    let written = 0;
    while (next < b.buckets.length && written < maxIds) {
      const bucket = b.buckets[next] as Array<[string, number]>;
      bucket.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      for (const [key, seq] of bucket) {
        this.q.insertIds.add(b.run, key, seq);
        hash(key);
        b.bloom.add(h1, h2);
      }
      written += bucket.length;
      next++;
    }
    this.q.insertIds.flush();
    const done = next >= b.buckets.length;
    if (done) {
      this.q.insertRun.run(b.run, b.firstSeq, b.lastSeq, b.ids, b.bloom.toBuffer());
      this.q.setUpto.run(b.lastSeq);
    }
    this.staged = { next, done };
    return done;
  }

  private startRun(buckets: Building['buckets'], firstSeq: number, lastSeq: number, ids: number): Building {
    const run = (this.runs[this.runs.length - 1]?.run ?? 0) + 1;
    return { run, firstSeq, lastSeq, ids, buckets, next: 0, bloom: Bloom.sized(ids) };
  }
}

/** Ids by their first byte: 256 buckets whose concatenation, each sorted, is in key order. */
function bucketed(entries: Array<[string, number]>): Array<Array<[string, number]>> {
  const buckets: Array<Array<[string, number]>> = Array.from({ length: 256 }, () => []);
  for (const e of entries) {
    const first = (hexDigit(e[0].charCodeAt(0)) << 4) | hexDigit(e[0].charCodeAt(1));
    (buckets[first] as Array<[string, number]>).push(e);
  }
  return buckets;
}

/** The value of a lowercase hex digit's char code (0 for anything else). */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return 0;
}
