// Taking a store's health report: its latest-report row and, when it was not online, the transition.
import { type HealthReport, parseInstant } from '@store-edge/protocol';
import { type Pool, type TxOptions, withTransaction } from '../db.js';
import { enqueueEvent } from '../outbox.js';
import { cloudProblem } from '../problem.js';
import { upsertBacklog } from './backlog.js';
import { recordTransition } from './transitions.js';

/** A report's time as a Date; a calendar the schema's pattern lets through is refused naming the field. */
function instant(text: string, path: string): Date {
  const r = parseInstant(text);
  if (!r.ok) {
    throw cloudProblem('validation', `invalid body: ${path} ${r.message}`, {
      errors: [{ path, message: r.message }],
    });
  }
  return new Date(r.ms);
}

const REPORT_COLUMNS = `last_seen_at = ?, sent_at = ?, agent_version = ?, pending = ?,
  oldest_pending_at = ?, devices_in_error = ?, disk_free_bytes = ?, clock_offset_ms = ?,
  devices = ?, devices_left_out = ?`;

/**
 * Takes a store's report: the latest-report row, the backlog points, and, when the store was
 * offline or never heard from, the transition to online with its `store.online` event.
 *
 * Nearly every report comes from a store already recorded online: one UPDATE conditional on
 * that status takes it (and the backlog upsert after it; history is best effort, a lost point
 * is the next report's). Otherwise, a transaction under the row lock (FOR UPDATE) records the
 * transition, ordered against a sweeper marking the store offline on another replica: each
 * transition is recorded by exactly one of them.
 */
export async function recordHealth(
  pool: Pool,
  store: { storeId: string; tenantId: string },
  report: HealthReport,
  now: Date,
  tx: TxOptions = {},
): Promise<void> {
  const sentAt = instant(report.sentAt, '/sentAt');
  const oldest =
    report.backlog.oldestPendingAt === null
      ? null
      : instant(report.backlog.oldestPendingAt, '/backlog/oldestPendingAt');
  const devicesInError = report.devices.filter((d) => d.status === 'error').length;
  const values = [
    now,
    sentAt,
    report.agentVersion,
    report.backlog.pending,
    oldest,
    devicesInError,
    report.diskFreeBytes,
    report.clockOffsetMs,
    JSON.stringify(report.devices),
    report.devicesLeftOut ?? 0,
  ];
  const [res] = await pool.query(
    `UPDATE store_health SET ${REPORT_COLUMNS} WHERE store_id = ? AND status = 'online'`,
    [...values, store.storeId],
  );
  if ((res as { affectedRows: number }).affectedRows === 1) {
    await upsertBacklog(pool, store.storeId, now, report.backlog.pending, oldest);
    return;
  }
  await withTransaction(
    pool,
    async (conn) => {
      const [rows] = await conn.query(
        'SELECT status, last_seen_at FROM store_health WHERE store_id = ? FOR UPDATE',
        [store.storeId],
      );
      const prev = (rows as Array<{ status: string; last_seen_at: Date }>)[0];
      if (!prev) {
        await conn.query(
          `INSERT INTO store_health SET ${REPORT_COLUMNS}, store_id = ?, tenant_id = ?, status = 'online',
             status_since = ?`,
          [...values, store.storeId, store.tenantId, now],
        );
      } else {
        await conn.query(
          `UPDATE store_health SET ${REPORT_COLUMNS},
             status_since = IF(status = 'online', status_since, ?), status = 'online'
           WHERE store_id = ?`,
          [...values, now, store.storeId],
        );
      }
      if (prev?.status !== 'online') {
        const previous = prev ? prev.status : 'unknown';
        await recordTransition(conn, store, 'online', previous, now, now);
        await enqueueEvent(conn, store.tenantId, 'store.online', {
          storeId: store.storeId,
          status: 'online',
          previous,
          at: now.toISOString(),
          lastSeenAt: now.toISOString(),
          previousLastSeenAt: prev ? prev.last_seen_at.toISOString() : null,
        });
      }
      await upsertBacklog(conn, store.storeId, now, report.backlog.pending, oldest);
    },
    tx,
  );
}
