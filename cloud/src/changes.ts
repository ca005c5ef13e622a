import { EventEmitter } from 'node:events';
import type { Change, ChangeFeed, ChangeKind } from '@store-edge/protocol';
import type { Pool, PoolConnection } from './db.js';
import { HttpProblem } from './problem.js';

export interface NewChange {
  /** null: concerns every store of the tenant (catalog, prices). */
  storeId: string | null;
  kind: ChangeKind;
  data: unknown;
}

/**
 * Appends changes inside the caller's transaction. The tenant row is locked while cursors are
 * handed out, so one tenant's cursors commit in increasing order and a reader that has seen
 * cursor N can never later find a committed change below N.
 * Lock order everywhere: store row, then tenant row.
 */
export async function appendChanges(
  conn: PoolConnection,
  tenantId: string,
  changes: NewChange[],
): Promise<void> {
  if (changes.length === 0) return;
  // Cursors follow the clock (microseconds since 1970) and never go below the last one handed
  // out: after the database is restored to an earlier point, new changes still get cursors
  // above every cursor the stores were given before the restore, so no store skips them.
  const [res] = await conn.query(
    `UPDATE tenants SET change_cursor = GREATEST(change_cursor, FLOOR(UNIX_TIMESTAMP(NOW(6)) * 1000000)) + ?
      WHERE id = ?`,
    [changes.length, tenantId],
  );
  if ((res as { affectedRows: number }).affectedRows !== 1) throw new Error(`tenant ${tenantId} vanished`);
  const [rows] = await conn.query('SELECT change_cursor FROM tenants WHERE id = ?', [tenantId]);
  const last = Number((rows as Array<{ change_cursor: number }>)[0]?.change_cursor);
  const first = last - changes.length + 1;
  await conn.query('INSERT INTO changes (tenant_id, cursor_no, store_id, kind, data) VALUES ?', [
    changes.map((c, i) => [tenantId, first + i, c.storeId, c.kind, JSON.stringify(c.data)]),
  ]);
}

/**
 * Wakes long-polls. A change committed by this process wakes its waiters at once; changes
 * committed by other replicas are found by one shared query per interval over the tenants that
 * have waiters (not one query per waiting store), so thousands of idle long-polls cost the
 * database one small read per replica per interval.
 */
export class ChangeNotifier {
  readonly #emitter = new EventEmitter().setMaxListeners(0);
  readonly #waiting = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: Pool | null,
    private readonly intervalMs = 1000,
  ) {}

  /** This process committed a change for the tenant. */
  notify(tenantId: string): void {
    this.#emitter.emit(tenantId, Number.POSITIVE_INFINITY);
  }

  /**
   * Resolves once the tenant's committed cursor passes `seen`, after `ms`, or on abort,
   * whichever is first.
   */
  wait(tenantId: string, seen: number, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const onChange = (cursor: number) => {
        if (cursor > seen) done();
      };
      const done = () => {
        clearTimeout(timer);
        this.#emitter.off(tenantId, onChange);
        signal?.removeEventListener('abort', done);
        const left = (this.#waiting.get(tenantId) ?? 1) - 1;
        if (left > 0) this.#waiting.set(tenantId, left);
        else this.#waiting.delete(tenantId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#emitter.on(tenantId, onChange);
      signal?.addEventListener('abort', done, { once: true });
      this.#waiting.set(tenantId, (this.#waiting.get(tenantId) ?? 0) + 1);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#timer || !this.pool || this.#waiting.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#poll()
        .catch(() => {
          // A failed look is retried at the next interval; waiters still time out on their own.
        })
        .finally(() => {
          this.#timer = null;
          this.#schedule();
        });
    }, this.intervalMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    const tenants = [...this.#waiting.keys()];
    if (!this.pool || tenants.length === 0) return;
    const [rows] = await this.pool.query('SELECT id, change_cursor FROM tenants WHERE id IN (?)', [tenants]);
    for (const r of rows as Array<{ id: string; change_cursor: number }>) {
      this.#emitter.emit(r.id, Number(r.change_cursor));
    }
  }
}

export interface FeedOptions {
  after: number;
  waitSeconds: number;
  limit: number;
  signal?: AbortSignal;
}

export async function readChangesOnce(
  pool: Pool,
  tenantId: string,
  storeId: string,
  after: number,
  limit: number,
): Promise<ChangeFeed> {
  // Read the committed mark first: every change at or below it is already committed.
  const [t] = await pool.query('SELECT change_cursor FROM tenants WHERE id = ?', [tenantId]);
  const mark = Number((t as Array<{ change_cursor: number }>)[0]?.change_cursor ?? 0);
  if (mark <= after) return { changes: [], cursor: after };
  const [rows] = await pool.query(
    `SELECT cursor_no, kind, data FROM changes
      WHERE tenant_id = ? AND cursor_no > ? AND cursor_no <= ? AND (store_id IS NULL OR store_id = ?)
      ORDER BY cursor_no LIMIT ?`,
    [tenantId, after, mark, storeId, limit],
  );
  const list = rows as Array<{ cursor_no: number; kind: ChangeKind; data: string }>;
  const changes = list.map(
    (r) => ({ cursor: Number(r.cursor_no), kind: r.kind, data: JSON.parse(r.data) }) as Change,
  );
  // A full page stops at its last row; otherwise everything up to the mark has been seen (the
  // rest concerned other stores), so the cursor skips ahead.
  const cursor = list.length === limit ? Number(list[list.length - 1]?.cursor_no) : mark;
  return { changes, cursor };
}

export async function readChanges(
  pool: Pool,
  notifier: ChangeNotifier,
  tenantId: string,
  storeId: string,
  opts: FeedOptions,
): Promise<ChangeFeed> {
  if (opts.after < 0) throw new HttpProblem(400, 'Bad Request', 'after must be >= 0', { code: 'validation' });
  const deadline = Date.now() + opts.waitSeconds * 1000;
  let after = opts.after;
  for (;;) {
    const feed = await readChangesOnce(pool, tenantId, storeId, after, opts.limit);
    if (feed.changes.length > 0 || Date.now() >= deadline || opts.signal?.aborted) return feed;
    after = feed.cursor;
    await notifier.wait(tenantId, after, deadline - Date.now(), opts.signal);
  }
}
