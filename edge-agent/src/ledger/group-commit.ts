import type { Db } from '../db/database.js';
import type { Ledger } from './ledger.js';
import { type Actor, LedgerError, type Movement, type MovementInput, type MovementResult } from './types.js';

/** What one durable commit created: seqs `from`..`to`. */
export interface Committed {
  from: number;
  to: number;
  /** How many movements of each type. */
  byType: Record<string, number>;
  /** The movements themselves. */
  movements(): Movement[];
}

/** Appends movements durably. */
export interface MovementWriter {
  submit(inputs: MovementInput[], who: Actor): Promise<MovementResult[]>;
  /** Called after each durable commit that created movements. */
  onCommit: (commit: Committed) => void;
  stop(): void | Promise<void>;
}

/**
 * Movements one group commit takes at most by default (whole requests; a single larger request
 * is taken alone): nothing else runs on the thread while a group is applied and committed.
 */
export const MAX_GROUP_MOVEMENTS = 400;

type Outcome = { ok: true; results: MovementResult[] } | { ok: false; error: unknown };

/**
 * Makes durable what the connection has committed so far, when its COMMIT does not
 * (synchronous=NORMAL in WAL mode writes the WAL without syncing it): an fdatasync of the WAL file.
 */
export interface WalFlusher {
  /** Flushes off this thread (libuv's pool); `done` runs on this thread once it returned. */
  flush(done: (err: Error | null) => void): void;
  /** The same, blocking this thread (replication's operations, shutdown). */
  flushSync(): void;
}

/** Answers a committed group once it is durable, or fails it when its flush failed. */
type Settle = (error: Error | null) => void;

/** Flushes running at once: a group committed while one runs starts the next, without waiting. */
const MAX_FLUSHES = 2;

interface Pending {
  inputs: MovementInput[];
  who: Actor;
  resolve: (r: MovementResult[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: requests that arrive while earlier ones wait for their turn share the next
 * transaction. Each request is answered only once the COMMIT that holds it is on disk: when
 * COMMIT returns with synchronous=FULL (https://www.sqlite.org/wal.html, "Performance
 * Considerations"), or, with a WalFlusher (the writer thread), when an fdatasync of the WAL that
 * began after that COMMIT returned; groups keep committing while a flush runs. A transaction
 * never spans an await (better-sqlite3 is synchronous), so nothing else writes in between.
 *
 * One refused request does not undo its neighbours: requests are almost never refused, and a
 * savepoint per request is not free, so the group runs without them; when one is refused, the
 * group is rolled back and run again with one savepoint per request.
 */
export class GroupCommitWriter implements MovementWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private stopped = false;
  /** While set, new movements are refused with this reason (a restore from the cloud runs). */
  private refusal: string | null = null;
  /** Called after each durable commit with what it held (for events, metrics, replication). */
  onCommit: (commit: Committed) => void = () => {};
  /** Committed groups no flush has started after yet, in commit order. */
  private unflushed: Settle[] = [];
  /** Flushes running, oldest first, each with the groups committed before it started. */
  private flushing: Array<{ groups: Settle[] }> = [];

  /**
   * `flusher`: when set, COMMIT is not durable by itself; each group is answered after a flush
   * that started after its COMMIT returned. Without it, each COMMIT is (synchronous=FULL).
   */
  constructor(
    private readonly db: Db,
    private readonly ledger: Ledger,
    private readonly maxGroupMovements = MAX_GROUP_MOVEMENTS,
    private readonly flusher: WalFlusher | null = null,
  ) {}

  submit(inputs: MovementInput[], who: Actor): Promise<MovementResult[]> {
    if (this.stopped) return Promise.reject(new Error('the ledger is shutting down'));
    if (this.refusal !== null)
      return Promise.reject(
        new LedgerError(503, 'Ledger restoring', this.refusal, undefined, { retryAfterSeconds: 5 }),
      );
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, who, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Refuses new movements while `reason` is set (a restore from the cloud puts the cloud's
   * history under the seqs that new movements would take). Requests already queued commit first.
   */
  refuseWith(reason: string | null): void {
    if (reason !== null) this.flush();
    this.refusal = reason;
  }

  get refusing(): string | null {
    return this.refusal;
  }

  /**
   * Runs `op` between group commits, after everything queued so far has committed (replication's
   * acks, a page of a restore). `op` runs its own transaction, if it needs one.
   */
  call<T>(op: () => T): T {
    this.flush();
    const result = op();
    if (this.flusher) {
      this.flusher.flushSync();
      this.flushed(this.flushing.length - 1, null);
      this.settle(this.unflushed.splice(0), null);
    }
    return result;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate: the requests whose bodies arrived in this turn of the event loop join first.
    setImmediate(() => {
      this.scheduled = false;
      this.commitGroup();
      if (this.queue.length > 0) this.schedule();
    });
  }

  /** Commits everything queued now, group by group; used at shutdown and before `call`. */
  flush(): void {
    while (this.queue.length > 0) this.commitGroup();
  }

  /** Takes the next group off the queue (whole requests, up to maxGroupMovements) and commits it. */
  private commitGroup(): void {
    let movements = 0;
    let n = 0;
    while (n < this.queue.length) {
      const size = (this.queue[n] as Pending).inputs.length;
      if (n > 0 && movements + size > this.maxGroupMovements) break;
      movements += size;
      n++;
    }
    const batch = this.queue.splice(0, n);
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.ledger.beginTransaction();
      const first = this.apply(batch, false);
      if ('refused' in first) {
        this.db.exec('ROLLBACK');
        this.ledger.rolledBack();
        if (batch.length === 1) {
          batch[0]?.reject(first.refused);
          return;
        }
        this.db.exec('BEGIN IMMEDIATE');
        this.ledger.beginTransaction();
        outcomes = (this.apply(batch, true) as { outcomes: Outcome[] }).outcomes;
      } else outcomes = first.outcomes;
      this.db.exec('COMMIT');
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this group is durable.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.ledger.rolledBack();
      for (const p of batch) p.reject(error);
      return;
    }
    const created = this.ledger.takeCreated();
    const settle: Settle = (error) => {
      if (error) {
        // Committed but maybe not on disk: no answer may say it is (a retry is told its seq).
        for (const p of batch) p.reject(error);
        return;
      }
      batch.forEach((p, i) => {
        const o = outcomes[i];
        if (!o) return;
        if (o.ok) p.resolve(o.results);
        else p.reject(o.error);
      });
      const first = created[0];
      const last = created[created.length - 1];
      if (!first || !last) return;
      const byType: Record<string, number> = {};
      for (const m of created) byType[m.type] = (byType[m.type] ?? 0) + 1;
      this.onCommit({ from: first.seq, to: last.seq, byType, movements: () => created });
    };
    if (!this.flusher) settle(null);
    else {
      this.unflushed.push(settle);
      this.startFlush();
    }
  }

  /**
   * Starts a flush for the groups committed since the last one started, unless MAX_FLUSHES run.
   * A flush covers everything written before it began, so when one returns, the groups of the
   * flushes that started before it are durable too, and are answered with it.
   */
  private startFlush(): void {
    const flusher = this.flusher;
    if (!flusher || this.unflushed.length === 0 || this.flushing.length >= MAX_FLUSHES) return;
    const run = { groups: this.unflushed };
    this.unflushed = [];
    this.flushing.push(run);
    flusher.flush((error) => {
      const i = this.flushing.indexOf(run);
      // Already answered: a blocking flush (call, stop) came first.
      if (i < 0) return;
      if (error) {
        this.flushing.splice(i, 1);
        this.settle(run.groups, error);
      } else this.flushed(i, null);
      this.startFlush();
    });
  }

  /** Answers the groups of flushes 0..`upTo`. */
  private flushed(upTo: number, error: Error | null): void {
    for (const run of this.flushing.splice(0, upTo + 1)) this.settle(run.groups, error);
  }

  private settle(groups: Settle[], error: Error | null): void {
    for (const settle of groups) settle(error);
  }

  /**
   * Applies each request of the group in the open transaction. Isolated: each in a savepoint,
   * a refused one rolled back alone. Not isolated: stops at the first refusal (the caller
   * rolls the whole transaction back).
   */
  private apply(batch: Pending[], isolated: boolean): { outcomes: Outcome[] } | { refused: unknown } {
    const outcomes: Outcome[] = [];
    for (const p of batch) {
      if (isolated) this.db.exec('SAVEPOINT request');
      try {
        outcomes.push({ ok: true, results: this.ledger.applyBatch(p.inputs, p.who) });
        if (isolated) this.db.exec('RELEASE request');
      } catch (error) {
        if (!isolated) return { refused: error };
        this.db.exec('ROLLBACK TO request');
        this.db.exec('RELEASE request');
        outcomes.push({ ok: false, error });
      }
    }
    return { outcomes };
  }

  stop(): void {
    this.call(() => undefined);
    this.stopped = true;
  }
}
