import type { Db } from '../db/database.js';
import type { Ledger } from './ledger.js';
import type { Actor, Movement, MovementInput, MovementResult } from './types.js';

/** Appends movements durably; in this thread or in a writer thread. */
export interface MovementWriter {
  submit(inputs: MovementInput[], who: Actor): Promise<MovementResult[]>;
  /** Called after each durable commit with the movements it created. */
  onCommit: (created: Movement[]) => void;
  stop(): void | Promise<void>;
}

interface Pending {
  inputs: MovementInput[];
  who: Actor;
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
  onCommit: (created: Movement[]) => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly ledger: Ledger,
  ) {}

  submit(inputs: MovementInput[], who: Actor): Promise<MovementResult[]> {
    if (this.stopped) return Promise.reject(new Error('the ledger is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ inputs, who, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now; used at shutdown too. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: true; results: MovementResult[] } | { ok: false; error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const p of batch) {
        this.db.exec('SAVEPOINT request');
        try {
          outcomes.push({ ok: true, results: this.ledger.applyBatch(p.inputs, p.who) });
          this.db.exec('RELEASE request');
        } catch (error) {
          this.db.exec('ROLLBACK TO request');
          this.db.exec('RELEASE request');
          outcomes.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this group is durable.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.ledger.reloadSeq();
      this.ledger.dropCreated();
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
    if (created.length > 0) this.onCommit(created);
  }

  stop(): void {
    this.flush();
    this.stopped = true;
  }
}
