import type { Db } from '../db/database.js';
import { ErrorCode } from '../errors.js';
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

/**
 * Work that commits together with each group, in its transaction, after its movements (the
 * writer thread records sale prices this way). `rolledBack`: the group's transaction was undone.
 */
export interface GroupHook {
  inTransaction(): void;
  rolledBack(): void;
}

type Outcome = { ok: true; results: MovementResult[] } | { ok: false; error: unknown };

interface Pending {
  inputs: MovementInput[];
  who: Actor;
  resolve: (r: MovementResult[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: requests that arrive while earlier ones wait for their turn (in the writer
 * thread, while the last COMMIT's fsync ran) share the next transaction and its fsync. Each request is answered only after the COMMIT
 * that holds it returned — with synchronous=FULL that means it is on disk
 * (https://www.sqlite.org/wal.html, "Performance Considerations"). A transaction never spans an
 * await (better-sqlite3 is synchronous), so nothing else writes in between.
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
  /** Runs in each group's transaction before its COMMIT. */
  hook: GroupHook | null = null;

  constructor(
    private readonly db: Db,
    private readonly ledger: Ledger,
    private readonly maxGroupMovements = MAX_GROUP_MOVEMENTS,
  ) {}

  submit(inputs: MovementInput[], who: Actor): Promise<MovementResult[]> {
    if (this.stopped) return Promise.reject(new Error('the ledger is shutting down'));
    if (this.refusal !== null)
      return Promise.reject(
        new LedgerError(ErrorCode.Ledger_Restoring, this.refusal, undefined, { retryAfterSeconds: 5 }),
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
    return op();
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
      this.hook?.inTransaction();
      this.db.exec('COMMIT');
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this group is durable.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.ledger.rolledBack();
      this.hook?.rolledBack();
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (!o) return;
      if (o.ok) p.resolve(o.results);
      else p.reject(o.error);
    });
    const created = this.ledger.takeCreated();
    const first = created[0];
    const last = created[created.length - 1];
    if (!first || !last) return;
    const byType: Record<string, number> = {};
    for (const m of created) byType[m.type] = (byType[m.type] ?? 0) + 1;
    this.onCommit({ from: first.seq, to: last.seq, byType, movements: () => created });
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
    this.flush();
    this.stopped = true;
  }
}
