// The backlog history of each store: points in two resolutions, the chart's series, and their pruning.
import { type Scope, scopeWhere } from '../auth.js';
import type { Pool, PoolConnection } from '../db.js';
import type { FleetClock } from './status.js';

/** Backlog points: 1-minute buckets kept a day, 15-minute buckets kept 7 days (migration 006). */
export const BACKLOG_RESOLUTIONS = [
  { res: 0, bucketSeconds: 60, keepSeconds: 24 * 3600 },
  { res: 1, bucketSeconds: 15 * 60, keepSeconds: 7 * 24 * 3600 },
] as const;

/** The report's backlog into its minute and its 15-minute bucket, keeping the worst of each. */
export async function upsertBacklog(
  db: Pick<Pool, 'query'> | PoolConnection,
  storeId: string,
  now: Date,
  pending: number,
  oldest: Date | null,
): Promise<void> {
  await db.query(
    `INSERT INTO store_backlog_points (store_id, res, at, pending, oldest_pending_at) VALUES ?
       ON DUPLICATE KEY UPDATE pending = GREATEST(pending, VALUES(pending)),
         oldest_pending_at = CASE WHEN oldest_pending_at IS NULL THEN VALUES(oldest_pending_at)
           WHEN VALUES(oldest_pending_at) IS NULL THEN oldest_pending_at
           ELSE LEAST(oldest_pending_at, VALUES(oldest_pending_at)) END`,
    [BACKLOG_RESOLUTIONS.map((r) => [storeId, r.res, bucketStart(now, r.bucketSeconds), pending, oldest])],
  );
}

function bucketStart(at: Date, seconds: number): Date {
  const ms = seconds * 1000;
  return new Date(Math.floor(at.getTime() / ms) * ms);
}

/**
 * The backlog chart of a store since `since`: 15-minute points for what is older than a day,
 * 1-minute points after. Null when the store is outside the scope or does not exist.
 */
export async function backlogPoints(
  pool: Pool,
  scope: Scope,
  storeId: string,
  since: Date,
  clock: FleetClock,
): Promise<Array<{ at: string; pending: number; oldestPendingAt: string | null }> | null> {
  const where = scopeWhere(scope, 's.tenant_id', 's.id');
  const [found] = await pool.query(`SELECT s.id FROM stores s WHERE s.id = ?${where.sql}`, [
    storeId,
    ...where.params,
  ]);
  if ((found as unknown[]).length === 0) return null;
  const [fine, coarse] = BACKLOG_RESOLUTIONS;
  const fineFrom = new Date(clock.now().getTime() - fine.keepSeconds * 1000);
  // A bucket that began before `since` but covers it is in.
  const from = (bucketSeconds: number, floor: Date) =>
    new Date(Math.max(since.getTime() - bucketSeconds * 1000 + 1, floor.getTime()));
  const [rows] = await pool.query(
    `SELECT at, pending, oldest_pending_at FROM store_backlog_points
      WHERE store_id = ? AND ((res = ? AND at >= ? AND at < ?) OR (res = ? AND at >= ?))
      ORDER BY at, res`,
    [
      storeId,
      coarse.res,
      from(coarse.bucketSeconds, new Date(0)),
      fineFrom,
      fine.res,
      from(fine.bucketSeconds, fineFrom),
    ],
  );
  return (rows as Array<{ at: Date; pending: number | string; oldest_pending_at: Date | null }>).map((p) => ({
    at: p.at.toISOString(),
    pending: Number(p.pending),
    oldestPendingAt: p.oldest_pending_at ? p.oldest_pending_at.toISOString() : null,
  }));
}

/** Deletes backlog points past their resolution's retention, a bounded number per call. */
export async function pruneBacklog(pool: Pool, now: Date, limit = 10_000): Promise<number> {
  let deleted = 0;
  for (const r of BACKLOG_RESOLUTIONS) {
    const [res] = await pool.query('DELETE FROM store_backlog_points WHERE res = ? AND at < ? LIMIT ?', [
      r.res,
      new Date(now.getTime() - r.keepSeconds * 1000),
      limit,
    ]);
    deleted += (res as { affectedRows: number }).affectedRows;
  }
  return deleted;
}
