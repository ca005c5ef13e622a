// Reading a run and approving it into purchase deliveries (GET /v1/replenishment/runs/{id},
// POST /v1/replenishment/runs/{id}/approve).
import { PROBLEM_CODES } from '@store-edge/protocol';
import { inScope, type Scope, scopeWhere } from '../auth.js';
import { type Pool, toIso, withTransaction } from '../db.js';
import { insertDelivery } from '../deliveries/store.js';
import { cloudProblem, notFound } from '../problem.js';
import type { HeldBack } from './run.js';

export interface Proposal {
  storeId: string;
  sku: string;
  qty: number;
  onHand: number;
  reserved: number;
  onOrder: number;
  inTransit: number;
}

export interface RunView {
  id: string;
  tenantId: string;
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  storesTotal: number;
  storesDone: number;
  proposals: Proposal[];
  heldBack: HeldBack[];
}

interface RunRow {
  id: string;
  tenant_id: string;
  status: RunView['status'];
  started_at: Date;
  finished_at: Date | null;
  stores_total: number;
  stores_done: number;
}

async function runRow(pool: Pool, scope: Scope, runId: string): Promise<RunRow> {
  const [rows] = await pool.query(
    'SELECT id, tenant_id, status, started_at, finished_at, stores_total, stores_done FROM replenishment_runs WHERE id = ?',
    [runId],
  );
  const run = (rows as RunRow[])[0];
  // Another tenant's run answers as a missing one (CONTRACT.md v2: 404, never 403).
  if (!run || !inScope(scope, run.tenant_id, null)) throw notFound(`no replenishment run '${runId}'`);
  return run;
}

export interface RunListEntry {
  id: string;
  tenantId: string;
  status: RunView['status'];
  startedAt: string;
  finishedAt: string | null;
  storesTotal: number;
  storesDone: number;
  proposals: number;
}

/**
 * The tenant's runs, newest first (the admin token: every tenant's, or `tenantId`'s). A caller
 * whose POST gave up waiting (an ingress timeout) finds its run here: the run went on.
 */
export async function listRuns(
  pool: Pool,
  scope: Scope,
  tenantId: string | undefined,
  limit: number,
): Promise<RunListEntry[]> {
  const where = scopeWhere(scope, 'tenant_id', null);
  const [rows] = await pool.query(
    `SELECT id, tenant_id, status, started_at, finished_at, stores_total, stores_done, proposals
       FROM replenishment_runs WHERE 1 = 1${where.sql}${tenantId ? ' AND tenant_id = ?' : ''}
      ORDER BY started_at DESC, id LIMIT ?`,
    [...where.params, ...(tenantId ? [tenantId] : []), limit],
  );
  return (rows as Array<RunRow & { proposals: number }>).map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    status: r.status,
    startedAt: toIso(r.started_at),
    finishedAt: r.finished_at ? toIso(r.finished_at) : null,
    storesTotal: Number(r.stores_total),
    storesDone: Number(r.stores_done),
    proposals: Number(r.proposals),
  }));
}

/** A run with its proposals in (store, sku) order, limited to the scope's stores (and `storeId`). */
export async function getRun(pool: Pool, scope: Scope, runId: string, storeId?: string): Promise<RunView> {
  const run = await runRow(pool, scope, runId);
  const visible = (s: string) => inScope(scope, run.tenant_id, s) && (storeId === undefined || s === storeId);
  const [rows] = await pool.query(
    `SELECT store_id, sku, qty, on_hand, reserved, on_order, in_transit FROM replenishment_proposals
      WHERE run_id = ?${storeId === undefined ? '' : ' AND store_id = ?'} ORDER BY store_id, sku`,
    storeId === undefined ? [runId] : [runId, storeId],
  );
  const [held] = await pool.query(
    'SELECT store_id, reason FROM replenishment_held_back WHERE run_id = ? ORDER BY store_id',
    [runId],
  );
  return {
    id: run.id,
    tenantId: run.tenant_id,
    status: run.status,
    startedAt: toIso(run.started_at),
    finishedAt: run.finished_at ? toIso(run.finished_at) : null,
    storesTotal: Number(run.stores_total),
    storesDone: Number(run.stores_done),
    proposals: (
      rows as Array<{
        store_id: string;
        sku: string;
        qty: number;
        on_hand: number;
        reserved: number;
        on_order: number;
        in_transit: number;
      }>
    )
      .filter((r) => visible(r.store_id))
      .map((r) => ({
        storeId: r.store_id,
        sku: r.sku,
        qty: Number(r.qty),
        onHand: Number(r.on_hand),
        reserved: Number(r.reserved),
        onOrder: Number(r.on_order),
        inTransit: Number(r.in_transit),
      })),
    heldBack: (held as Array<{ store_id: string; reason: string }>)
      .filter((h) => visible(h.store_id))
      .map((h) => ({ storeId: h.store_id, reason: h.reason })),
  };
}

/**
 * The delivery id an approval gives a store's order: derived from the run and the store only,
 * so approving twice (a double click, two buyers, a retried request) finds the same id and
 * insertDelivery creates nothing (odoo/odoo#31490: the same need ordered twice). A UUID run id
 * and a 64-character store id fit the 128 characters of a movement `ref`.
 */
export function deliveryIdFor(runId: string, storeId: string): string {
  return `R-${runId}-${storeId}`;
}

export interface ApprovedDelivery {
  storeId: string;
  id: string;
  status: 'created' | 'existed';
  lines: number;
}

/**
 * One purchase delivery per store with proposals (each in its own transaction: bounded, and a
 * failure halfway leaves the stores done so far approved; approving again finishes the rest).
 */
export async function approveRun(
  pool: Pool,
  scope: Scope,
  runId: string,
  storeIds: string[] | undefined,
  now: Date,
): Promise<{ runId: string; tenantId: string; deliveries: ApprovedDelivery[] }> {
  const run = await runRow(pool, scope, runId);
  if (run.status !== 'done') {
    throw cloudProblem(
      'run-not-done',
      `replenishment run ${runId} is ${run.status}; only a finished run is approved`,
      {
        runStatus: run.status,
      },
    );
  }
  const [rows] = await pool.query(
    'SELECT DISTINCT store_id FROM replenishment_proposals WHERE run_id = ? ORDER BY store_id',
    [runId],
  );
  const withProposals = (rows as Array<{ store_id: string }>)
    .map((r) => r.store_id)
    .filter((s) => inScope(scope, run.tenant_id, s));
  let stores = withProposals;
  if (storeIds) {
    const known = new Set(withProposals);
    const errors = storeIds.flatMap((s, i) =>
      known.has(s) ? [] : [{ path: `/storeIds/${i}`, message: `store '${s}' has no proposals in this run` }],
    );
    if (errors.length > 0) throw cloudProblem(PROBLEM_CODES.validation, 'invalid storeIds', { errors });
    stores = [...new Set(storeIds)].sort();
  }
  const deliveries: ApprovedDelivery[] = [];
  for (const storeId of stores) {
    const id = deliveryIdFor(runId, storeId);
    const answer = await withTransaction(pool, async (conn) => {
      const [lines] = await conn.query(
        'SELECT sku, qty, lead_days FROM replenishment_proposals WHERE store_id = ? AND run_id = ? ORDER BY sku',
        [storeId, runId],
      );
      const list = lines as Array<{ sku: string; qty: number; lead_days: number | null }>;
      // Lead days are the supplier's: the delivery is expected after the longest of its lines.
      const lead = Math.max(-1, ...list.map((l) => (l.lead_days === null ? -1 : Number(l.lead_days))));
      const created = await insertDelivery(conn, run.tenant_id, {
        id,
        storeId,
        kind: 'purchase',
        ...(lead >= 0 ? { expectedAt: new Date(now.getTime() + lead * 86_400_000).toISOString() } : {}),
        lines: list.map((l) => ({ sku: l.sku, qty: Number(l.qty) })),
        runId,
      });
      return { created, lines: list.length };
    });
    deliveries.push({ storeId, id, status: answer.created ? 'created' : 'existed', lines: answer.lines });
  }
  return { runId, tenantId: run.tenant_id, deliveries };
}
