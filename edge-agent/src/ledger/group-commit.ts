import type { Db } from '../db/database.js';
import type { Ledger } from './ledger.js';
import type { Actor, Movement, MovementInput, MovementResult } from './types.js';

/** What one durable commit created: seqs `from`..`to`. */
export interface Committed {
  from: number;
  to: number;
  /** How many movements of each type. */
  byType: Record<string, number>;
  /** The movements themselves; read on demand, as most commits need only the figures. */
  movements(): Movement[];
}

/** Appends movements durably; in this thread or in a writer thread. */
export interface MovementWriter {
  submit(inputs: MovementInput[], who: Actor, hashes?: string[]): Promise<MovementResult[]>;
  /** Called after each durable commit that created movements. */
  onCommit: (commit: Committed) => void;
  stop(): void | Promise<void>;
}

/** How long a group keeps taking in newly arrived requests before it commits. */
const MAX_GROUP_MS = 25;

type Outcome = { ok: true; results: MovementResult[] } | { ok: false; error: unknown };

interface Pending {
  inputs: MovementInput[];
  who: Actor;
  /** requestHash of each input, when the caller computed them already. */
  hashes: string[] | undefined;
  resolve: (r: MovementResult[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: requests that arrive while a commit is running share the next transaction.
 * Each request gets its own savepoint, so one refused request does not undo its neighbours,
 * and every request is answered only after the COMMIT that holds it returned — with
 * synchronous=FULL that means it is on disk (https://www.sqlite.org/wal.html, "Performance
 * Considerations"). The transaction is synchronous: it never spans an await.
 */
export class GroupCommitWriter implements MovementWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private stopped = false;
  /** Called after each durable commit with what it held (for events, metrics, replication). */
  onCommit: (commit: Committed) => void = () => {};
  /**
   * Takes requests that are already waiting (without yielding to the event loop) and submits
   * them; the writer thread reads its message port synchronously here.
   */
  pull: (() => void) | null = null;
  /** Runs when a flush has ended, whatever its outcome (the writer thread's deferred messages). */
  afterFlush: () => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly ledger: Ledger,
  ) {
    // Before any transaction: opening the id index reads (and may file) the ledger's tail.
    void ledger.ids;
  }

  submit(inputs: MovementInput[], who: Actor, hashes?: string[]): Promise<MovementResult[]> {
    if (this.stopped) return Promise.reject(new Error('the ledger is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, who, hashes, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now; used at shutdown too. */
  flush(): void {
    try {
      this.commitQueued();
    } finally {
      this.afterFlush();
    }
  }

  private commitQueued(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.ledger.beginTransaction();
      // Requests are almost never refused, and a savepoint per request is not free (SQLite
      // copies every page first touched after it to the statement journal). So the group runs
      // without them; when a request is refused, the group is rolled back and run again with
      // one savepoint per request, so the refusal takes nothing of its neighbours along.
      let first = this.apply(batch, false);
      // Requests that arrived while this group was applied join it: a busy ledger commits
      // fewer, larger transactions (the fsync of a COMMIT costs about the same for 800
      // movements as for 1,600), and nobody waits longer than one group for it.
      const started = performance.now();
      while ('outcomes' in first && this.pull && performance.now() - started < MAX_GROUP_MS) {
        this.pull();
        if (this.queue.length === 0) break;
        const more = this.queue;
        this.queue = [];
        batch.push(...more);
        const next = this.apply(more, false);
        if ('refused' in next) first = next;
        else first.outcomes.push(...next.outcomes);
      }
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
      this.ledger.beforeCommit();
      this.db.exec('COMMIT');
      this.ledger.committed();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this group is durable.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.ledger.rolledBack();
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
        outcomes.push({ ok: true, results: this.ledger.applyBatch(p.inputs, p.who, undefined, p.hashes) });
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
