// A replenishment run (POST /v1/replenishment/runs, `store-edge cloud replenish`): positions of
// every ruled sku of the tenant's fresh stores, proposals where the formula says so
// (docs/replenishment.md). Written in bounded statements, chunk by chunk, under the tenant's
// lease, never in one transaction the size of the run.
import { randomUUID } from 'node:crypto';
import { PROBLEM_CODES } from '@store-edge/protocol';
import { format } from 'mysql2';
import type { Scope } from '../auth.js';
import { type Pool, toSqlDateTime, withTransaction } from '../db.js';
import { enqueueEvent } from '../outbox.js';
import { cloudProblem, notFound } from '../problem.js';
import { proposedQty } from './formula.js';
import { acquireRunLease, LeaseLostError, renewRunLease } from './lease.js';

export interface RunOptions {
  tenantId: string;
  /** Only these stores (each must exist in the tenant and the scope); default every store. */
  storeIds?: string[];
  scope: Scope;
  /** The clock lag and lease times are read from (tests move it). */
  now: () => Date;
  /** A store whose last applied batch is older than this is held back. */
  maxLagMinutes: number;
  /** Stores read and written per chunk (one lease renewal each). */
  storesPerChunk?: number;
  /** Rows per INSERT of proposals. */
  insertRows?: number;
  /** Called after each chunk (awaited: a slow reporter slows the run, never races it). */
  onProgress?: (p: { storesDone: number; storesTotal: number; proposals: number }) => void | Promise<void>;
}

export interface HeldBack {
  storeId: string;
  reason: string;
}

export interface RunSummary {
  id: string;
  tenantId: string;
  storesTotal: number;
  proposals: number;
  heldBack: HeldBack[];
  /** Rule rows read (the work a run does scales with them). */
  rules: number;
}

/** Answered when the tenant's lease is held by another run (409 `run-in-progress`). */
export function runInProgress(runId: string, until: Date, now: Date) {
  const retryAfter = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return cloudProblem(
    'run-in-progress',
    `replenishment run ${runId} is in progress for this tenant; one run at a time (GET /v1/replenishment/runs/${runId})`,
    { runId, retryAfter },
  );
}

/** "3 h", "2 h 5 min", "12 min": how long ago, for people. */
export function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

interface StoreRow {
  id: string;
  last_replicated_at: Date | null;
}

/**
 * The stores a run covers, in id order. Named stores that do not exist in the tenant (or are
 * outside the scope) answer 404 naming them: a typo must not turn into "nothing to order".
 */
async function runStores(pool: Pool, opts: RunOptions): Promise<StoreRow[]> {
  const [rows] = await pool.query(
    `SELECT id, last_replicated_at FROM stores WHERE tenant_id = ?${opts.storeIds ? ' AND id IN (?)' : ''}
      ORDER BY id`,
    opts.storeIds ? [opts.tenantId, opts.storeIds] : [opts.tenantId],
  );
  const stores = (rows as StoreRow[]).filter(
    (s) => opts.scope.stores === null || opts.scope.stores.includes(s.id),
  );
  if (opts.storeIds) {
    const found = new Set(stores.map((s) => s.id));
    const missing = opts.storeIds.filter((id) => !found.has(id));
    if (missing.length > 0)
      throw notFound(`no store ${missing.map((m) => `'${m}'`).join(', ')} in tenant '${opts.tenantId}'`);
  }
  return stores;
}

/**
 * Runs one replenishment for a tenant. Proposals come out in (store, sku) order and depend only
 * on the rules, the stock projection and the open deliveries, so a run repeated over unchanged
 * data proposes the same (only the run id differs).
 */
export async function runReplenishment(pool: Pool, opts: RunOptions): Promise<RunSummary> {
  const stores = await runStores(pool, opts);
  const runId = randomUUID();
  const started = opts.now();
  const lease = await acquireRunLease(
    pool,
    {
      tenantId: opts.tenantId,
      runId,
      storesTotal: stores.length,
      requestedStores: opts.storeIds ?? null,
    },
    started,
  );
  if (!lease.ok) throw runInProgress(lease.heldBy, lease.until, started);

  try {
    // Stale stock is never ordered from (frappe/erpnext#36154: proposals from stale data): a
    // store whose last applied batch is older than the threshold, or that never replicated, is
    // held back with the reason, and the buyer sees it in the run.
    const maxLagMs = opts.maxLagMinutes * 60_000;
    const heldBack: HeldBack[] = [];
    const fresh: string[] = [];
    for (const s of stores) {
      if (!s.last_replicated_at) heldBack.push({ storeId: s.id, reason: 'never replicated' });
      else {
        const lag = started.getTime() - s.last_replicated_at.getTime();
        if (lag > maxLagMs)
          heldBack.push({
            storeId: s.id,
            reason: `last replicated ${ago(lag)} ago (${s.last_replicated_at.toISOString()}); the limit is ${ago(maxLagMs)}`,
          });
        else fresh.push(s.id);
      }
    }
    if (heldBack.length > 0) {
      await pool.query('INSERT INTO replenishment_held_back (run_id, store_id, reason) VALUES ?', [
        heldBack.map((h) => [runId, h.storeId, h.reason]),
      ]);
    }

    const perChunk = opts.storesPerChunk ?? 10;
    const insertRows = opts.insertRows ?? 2000;
    let storesDone = heldBack.length;
    let proposals = 0;
    let rules = 0;
    await opts.onProgress?.({ storesDone, storesTotal: stores.length, proposals });
    for (let i = 0; i < fresh.length; i += perChunk) {
      const chunk = fresh.slice(i, i + perChunk);
      const { rows, ruleCount } = await proposeChunk(pool, runId, chunk);
      rules += ruleCount;
      // Each INSERT commits on its own: a run over millions of rules never holds one huge
      // transaction (undo log, replication lag, lock time). The run stays `running` until the
      // last one, so a half-written run is never approved.
      for (let r = 0; r < rows.length; r += insertRows) {
        await pool.query(
          format(
            `INSERT INTO replenishment_proposals
             (store_id, run_id, sku, qty, on_hand, reserved, on_order, in_transit, lead_days) VALUES ?`,
            [rows.slice(r, r + insertRows)],
          ),
        );
      }
      proposals += rows.length;
      storesDone += chunk.length;
      await renewRunLease(pool, opts.tenantId, runId, { storesDone, proposals }, opts.now());
      await opts.onProgress?.({ storesDone, storesTotal: stores.length, proposals });
    }

    await withTransaction(pool, async (conn) => {
      // Still ours? A run that stalled past its lease was marked failed by the run that took
      // over; it must not turn itself `done` (approvable) afterwards.
      const [held] = await conn.query(
        'SELECT run_id FROM replenishment_lease WHERE tenant_id = ? FOR UPDATE',
        [opts.tenantId],
      );
      if ((held as Array<{ run_id: string | null }>)[0]?.run_id !== runId) throw new LeaseLostError(runId);
      await conn.query(
        "UPDATE replenishment_runs SET status = 'done', stores_done = ?, proposals = ?, finished_at = ? WHERE id = ?",
        [storesDone, proposals, toSqlDateTime(opts.now()), runId],
      );
      // Counts, not the proposals: a run can propose millions of lines; GET the run for them.
      await enqueueEvent(conn, opts.tenantId, 'replenishment.proposed', {
        runId,
        stores: stores.length,
        proposals,
        heldBack,
      });
      await conn.query(
        'UPDATE replenishment_lease SET run_id = NULL, lease_until = NULL WHERE tenant_id = ? AND run_id = ?',
        [opts.tenantId, runId],
      );
    });
    return { id: runId, tenantId: opts.tenantId, storesTotal: stores.length, proposals, heldBack, rules };
  } catch (err) {
    await failRun(pool, opts.tenantId, runId, opts.now()).catch(() => {
      // The lease runs out by itself (lease.ts RUN_LEASE_MS); the next run marks this one failed.
    });
    throw err;
  }
}

async function failRun(pool: Pool, tenantId: string, runId: string, now: Date): Promise<void> {
  await withTransaction(pool, async (conn) => {
    await conn.query(
      "UPDATE replenishment_runs SET status = 'failed', finished_at = ? WHERE id = ? AND status = 'running'",
      [toSqlDateTime(now), runId],
    );
    await conn.query(
      'UPDATE replenishment_lease SET run_id = NULL, lease_until = NULL WHERE tenant_id = ? AND run_id = ?',
      [tenantId, runId],
    );
  });
}

type ProposalRow = [string, string, string, number, number, number, number, number, number | null];

/** Key of a (store, sku) pair in the chunk's maps. */
const key = (storeId: string, sku: string) => `${storeId}\u0000${sku}`;

/**
 * Reads one chunk of stores (rules, stock rows, open delivery lines: three plain SELECTs, the
 * sums done here) and answers its proposal rows in (store, sku) order.
 */
async function proposeChunk(
  pool: Pool,
  runId: string,
  storeIds: string[],
): Promise<{ rows: ProposalRow[]; ruleCount: number }> {
  const [[ruleRows], [stockRows], [lineRows]] = await Promise.all([
    pool.query(
      `SELECT store_id, sku, min_qty, max_qty, multiple, lead_days FROM reorder_rules
        WHERE store_id IN (?) ORDER BY store_id, sku`,
      [storeIds],
    ),
    pool.query('SELECT store_id, sku, on_hand, reserved FROM stock WHERE store_id IN (?)', [storeIds]),
    // Not closed: open, or being received (its receipt not yet closed). Lines count what is
    // still to come: expected − what the store already booked against it, never below zero (an
    // over-delivered line does not make up for another sku). Until the receipt closes,
    // delivery_lines.received is 0 (deliveries/receipts.ts fills it at close), while the
    // replicated receive/transfer_in movements with ref = the delivery id are already in
    // `stock`: counting them from the movements keeps a truck half unloaded from being counted
    // twice (on hand and on order).
    pool.query(
      `SELECT l.store_id, l.sku, d.kind, l.expected,
              GREATEST(l.received, COALESCE((SELECT SUM(m.qty) FROM movements m
                 WHERE m.store_id = l.store_id AND m.ref = l.delivery_id AND m.sku = l.sku
                   AND m.type IN ('receive', 'transfer_in')), 0)) AS received
         FROM delivery_lines l
         JOIN deliveries d ON d.store_id = l.store_id AND d.id = l.delivery_id
        WHERE l.store_id IN (?) AND d.status <> 'closed'`,
      [storeIds],
    ),
  ]);
  const stock = new Map<string, { onHand: number; reserved: number }>();
  for (const s of stockRows as Array<{ store_id: string; sku: string; on_hand: number; reserved: number }>) {
    const k = key(s.store_id, s.sku);
    const sum = stock.get(k);
    if (sum) {
      sum.onHand += Number(s.on_hand);
      sum.reserved += Number(s.reserved);
    } else stock.set(k, { onHand: Number(s.on_hand), reserved: Number(s.reserved) });
  }
  const coming = new Map<string, { onOrder: number; inTransit: number }>();
  for (const l of lineRows as Array<{
    store_id: string;
    sku: string;
    kind: string;
    expected: number;
    received: number;
  }>) {
    const k = key(l.store_id, l.sku);
    const c = coming.get(k) ?? { onOrder: 0, inTransit: 0 };
    const open = Math.max(0, Number(l.expected) - Number(l.received));
    if (l.kind === 'transfer') c.inTransit += open;
    else c.onOrder += open;
    coming.set(k, c);
  }
  const rows: ProposalRow[] = [];
  const rules = ruleRows as Array<{
    store_id: string;
    sku: string;
    min_qty: number;
    max_qty: number;
    multiple: number;
    lead_days: number | null;
  }>;
  for (const r of rules) {
    const k = key(r.store_id, r.sku);
    const s = stock.get(k);
    const c = coming.get(k);
    const p = {
      onHand: s?.onHand ?? 0,
      reserved: s?.reserved ?? 0,
      onOrder: c?.onOrder ?? 0,
      inTransit: c?.inTransit ?? 0,
    };
    const qty = proposedQty({ min: r.min_qty, max: r.max_qty, multiple: r.multiple }, p);
    if (qty > 0)
      rows.push([r.store_id, runId, r.sku, qty, p.onHand, p.reserved, p.onOrder, p.inTransit, r.lead_days]);
  }
  return { rows, ruleCount: rules.length };
}

/** The run's stores must all be in one tenant (a run and its lease are per tenant). */
export async function tenantOfStores(pool: Pool, storeIds: string[]): Promise<string> {
  const [rows] = await pool.query('SELECT DISTINCT tenant_id FROM stores WHERE id IN (?)', [storeIds]);
  const tenants = (rows as Array<{ tenant_id: string }>).map((r) => r.tenant_id);
  if (tenants.length === 1 && tenants[0]) return tenants[0];
  if (tenants.length === 0) throw notFound(`no store ${storeIds.map((s) => `'${s}'`).join(', ')}`);
  throw cloudProblem(PROBLEM_CODES.validation, 'a run covers the stores of one tenant', {
    errors: [{ path: '/storeIds', message: `names stores of several tenants (${tenants.join(', ')})` }],
  });
}
