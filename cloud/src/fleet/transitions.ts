// Online/offline transitions: recorded once each, and the sweeper's marking of silent stores offline.
import type { Pool, PoolConnection, TxOptions } from '../db.js';
import { withTransaction } from '../db.js';
import { enqueueEvent } from '../outbox.js';
import type { FleetClock } from './status.js';

/** One transition of a store's status, into its history (the health answer shows the latest). */
export async function recordTransition(
  conn: PoolConnection,
  store: { storeId: string; tenantId: string },
  status: 'online' | 'offline',
  previous: string,
  at: Date,
  lastSeenAt: Date | null,
): Promise<void> {
  await conn.query(
    `INSERT INTO store_status_transitions (store_id, tenant_id, status, previous, at, last_seen_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [store.storeId, store.tenantId, status, previous, at, lastSeenAt],
  );
}

/**
 * Marks a store offline if it still is online and silent past the window: a conditional UPDATE,
 * so of several replicas sweeping at once exactly one records the transition and its
 * `store.offline` event. Answers whether this call recorded it.
 */
export async function markOffline(
  pool: Pool,
  store: { storeId: string; tenantId: string },
  clock: FleetClock,
  tx: TxOptions = {},
): Promise<boolean> {
  const now = clock.now();
  const cutoff = new Date(now.getTime() - clock.offlineAfterSeconds * 1000);
  return withTransaction(
    pool,
    async (conn) => {
      const [res] = await conn.query(
        `UPDATE store_health SET status = 'offline', status_since = ?
          WHERE store_id = ? AND status = 'online' AND last_seen_at < ?`,
        [now, store.storeId, cutoff],
      );
      if ((res as { affectedRows: number }).affectedRows !== 1) return false;
      const [rows] = await conn.query('SELECT last_seen_at FROM store_health WHERE store_id = ?', [
        store.storeId,
      ]);
      const lastSeenAt = (rows as Array<{ last_seen_at: Date }>)[0]?.last_seen_at ?? null;
      await recordTransition(conn, store, 'offline', 'online', now, lastSeenAt);
      await enqueueEvent(conn, store.tenantId, 'store.offline', {
        storeId: store.storeId,
        status: 'offline',
        previous: 'online',
        at: now.toISOString(),
        lastSeenAt: lastSeenAt ? lastSeenAt.toISOString() : null,
        offlineAfterSeconds: clock.offlineAfterSeconds,
      });
      return true;
    },
    tx,
  );
}

/** Stores recorded online but silent past the window (the sweeper's work list), at most `limit`. */
export async function silentStores(
  pool: Pool,
  clock: FleetClock,
  limit: number,
): Promise<Array<{ storeId: string; tenantId: string }>> {
  const cutoff = new Date(clock.now().getTime() - clock.offlineAfterSeconds * 1000);
  const [rows] = await pool.query(
    `SELECT store_id, tenant_id FROM store_health WHERE status = 'online' AND last_seen_at < ?
      ORDER BY last_seen_at LIMIT ?`,
    [cutoff, limit],
  );
  return (rows as Array<{ store_id: string; tenant_id: string }>).map((r) => ({
    storeId: r.store_id,
    tenantId: r.tenant_id,
  }));
}
