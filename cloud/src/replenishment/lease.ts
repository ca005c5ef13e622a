// One replenishment run at a time per tenant, across every cloud replica and the nightly
// CronJob: a lease row in MySQL (the agent lease's shape, 002_agent_lease.sql). odoo/odoo#1062
// ("no safeguards against concurrent running of schedulers") ordered the same goods twice.
import { type Pool, toSqlDateTime, withTransaction } from '../db.js';

/** How long a lease holds without renewal; a run renews it after every chunk of stores. */
export const RUN_LEASE_MS = 60_000;

export type LeaseAnswer = { ok: true } | { ok: false; heldBy: string; until: Date };

/**
 * Takes the tenant's lease for `runId` and records the run as running, in one transaction, or
 * answers who holds it. A holder whose lease ran out (its process died) is taken over and its
 * run marked failed, so it can never be approved half-written.
 */
export async function acquireRunLease(
  pool: Pool,
  run: { tenantId: string; runId: string; storesTotal: number; requestedStores: string[] | null },
  now: Date,
  leaseMs = RUN_LEASE_MS,
): Promise<LeaseAnswer> {
  return withTransaction(pool, async (conn) => {
    // A missing row is inserted first (IGNORE: a replica racing us inserted it), so FOR UPDATE
    // always locks a row rather than a gap, and two replicas serialize on it.
    await conn.query('INSERT IGNORE INTO replenishment_lease (tenant_id) VALUES (?)', [run.tenantId]);
    const [rows] = await conn.query(
      'SELECT run_id, lease_until FROM replenishment_lease WHERE tenant_id = ? FOR UPDATE',
      [run.tenantId],
    );
    const row = (rows as Array<{ run_id: string | null; lease_until: Date | null }>)[0];
    if (row?.run_id && row.lease_until && row.lease_until.getTime() > now.getTime()) {
      return { ok: false, heldBy: row.run_id, until: row.lease_until };
    }
    if (row?.run_id) {
      await conn.query(
        "UPDATE replenishment_runs SET status = 'failed', finished_at = ? WHERE id = ? AND status = 'running'",
        [toSqlDateTime(now), row.run_id],
      );
    }
    await conn.query('UPDATE replenishment_lease SET run_id = ?, lease_until = ? WHERE tenant_id = ?', [
      run.runId,
      toSqlDateTime(new Date(now.getTime() + leaseMs)),
      run.tenantId,
    ]);
    await conn.query(
      `INSERT INTO replenishment_runs (id, tenant_id, status, requested_stores, stores_total, started_at)
       VALUES (?, ?, 'running', ?, ?, ?)`,
      [
        run.runId,
        run.tenantId,
        run.requestedStores ? JSON.stringify(run.requestedStores) : null,
        run.storesTotal,
        toSqlDateTime(now),
      ],
    );
    return { ok: true };
  });
}

/** The lease was taken over (this run stalled longer than the lease): the run must stop. */
export class LeaseLostError extends Error {
  constructor(runId: string) {
    super(`replenishment run ${runId} lost its lease (it stalled longer than ${RUN_LEASE_MS / 1000} s)`);
    this.name = 'LeaseLostError';
  }
}

/** Extends the lease and records progress; throws LeaseLostError when another run took it. */
export async function renewRunLease(
  pool: Pool,
  tenantId: string,
  runId: string,
  progress: { storesDone: number; proposals: number },
  now: Date,
  leaseMs = RUN_LEASE_MS,
): Promise<void> {
  await withTransaction(pool, async (conn) => {
    const [rows] = await conn.query('SELECT run_id FROM replenishment_lease WHERE tenant_id = ? FOR UPDATE', [
      tenantId,
    ]);
    if ((rows as Array<{ run_id: string | null }>)[0]?.run_id !== runId) throw new LeaseLostError(runId);
    await conn.query('UPDATE replenishment_lease SET lease_until = ? WHERE tenant_id = ?', [
      toSqlDateTime(new Date(now.getTime() + leaseMs)),
      tenantId,
    ]);
    await conn.query('UPDATE replenishment_runs SET stores_done = ?, proposals = ? WHERE id = ?', [
      progress.storesDone,
      progress.proposals,
      runId,
    ]);
  });
}
