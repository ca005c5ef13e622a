// Store health in MySQL (issue 17, docs/fleet.md): the latest report per store, online/offline
// transitions recorded once, and the backlog history for the console's chart.
import { type DeviceHealth, type HealthReport, parseInstant } from '@store-edge/protocol';
import { type Scope, scopeWhere } from '../auth.js';
import { type Pool, type PoolConnection, type TxOptions, withTransaction } from '../db.js';
import { enqueueEvent } from '../outbox.js';
import { cloudProblem } from '../problem.js';

export type StoreStatus = 'online' | 'offline' | 'unknown';

/** How the fleet reads time: the injected clock and the window after which a silent store is offline. */
export interface FleetClock {
  now: () => Date;
  /** A store not heard from for longer than this is offline. */
  offlineAfterSeconds: number;
}

/** Backlog points: 1-minute buckets kept a day, 15-minute buckets kept 7 days (migration 006). */
export const BACKLOG_RESOLUTIONS = [
  { res: 0, bucketSeconds: 60, keepSeconds: 24 * 3600 },
  { res: 1, bucketSeconds: 15 * 60, keepSeconds: 7 * 24 * 3600 },
] as const;

export function statusAt(lastSeenAt: Date | null, clock: FleetClock): StoreStatus {
  if (lastSeenAt === null) return 'unknown';
  return clock.now().getTime() - lastSeenAt.getTime() <= clock.offlineAfterSeconds * 1000
    ? 'online'
    : 'offline';
}

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

/** The report's backlog into its minute and its 15-minute bucket, keeping the worst of each. */
async function upsertBacklog(
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

async function recordTransition(
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

export interface FleetStore {
  id: string;
  name: string;
  status: StoreStatus;
  lastSeenAt: string | null;
  pending: number | null;
  oldestPendingAt: string | null;
  devicesInError: number | null;
  agentVersion: string | null;
}

interface FleetRow {
  id: string;
  name: string;
  last_seen_at: Date | null;
  pending: number | string | null;
  oldest_pending_at: Date | null;
  devices_in_error: number | null;
  agent_version: string | null;
}

/**
 * Every store in the scope with its latest report: one query over the stores' tenant index
 * joined to the health row by primary key (no query per store).
 */
export async function fleet(
  pool: Pool,
  scope: Scope,
  clock: FleetClock,
  filter: { tenantId?: string } = {},
): Promise<FleetStore[]> {
  const where = scopeWhere(scope, 's.tenant_id', 's.id');
  let sql = `SELECT s.id, s.name, h.last_seen_at, h.pending, h.oldest_pending_at, h.devices_in_error,
       h.agent_version
     FROM stores s LEFT JOIN store_health h ON h.store_id = s.id WHERE TRUE${where.sql}`;
  const params = [...where.params];
  if (filter.tenantId !== undefined) {
    sql += ' AND s.tenant_id = ?';
    params.push(filter.tenantId);
  }
  sql += ' ORDER BY s.id';
  const [rows] = await pool.query(sql, params);
  return (rows as FleetRow[]).map((r) => ({
    id: r.id,
    name: r.name,
    status: statusAt(r.last_seen_at, clock),
    lastSeenAt: r.last_seen_at ? r.last_seen_at.toISOString() : null,
    pending: r.pending === null ? null : Number(r.pending),
    oldestPendingAt: r.oldest_pending_at ? r.oldest_pending_at.toISOString() : null,
    devicesInError: r.devices_in_error,
    agentVersion: r.agent_version,
  }));
}

export interface StoreHealthView {
  storeId: string;
  name: string;
  status: StoreStatus;
  lastSeenAt: string | null;
  /** Since when the recorded status (online/offline) holds; null before the first report. */
  statusSince: string | null;
  agentVersion: string | null;
  sentAt: string | null;
  backlog: { pending: number; oldestPendingAt: string | null } | null;
  devices: DeviceHealth[];
  devicesLeftOut: number;
  devicesInError: number;
  diskFreeBytes: number | null;
  clockOffsetMs: number | null;
  transitions: Array<{ status: 'online' | 'offline'; previous: string; at: string }>;
}

/** How many recent transitions the health answer carries. */
const TRANSITIONS_SHOWN = 20;

/** One store's latest report, or null when the store is outside the scope or does not exist. */
export async function storeHealth(
  pool: Pool,
  scope: Scope,
  storeId: string,
  clock: FleetClock,
): Promise<StoreHealthView | null> {
  const where = scopeWhere(scope, 's.tenant_id', 's.id');
  const [rows] = await pool.query(
    `SELECT s.id, s.name, h.* FROM stores s LEFT JOIN store_health h ON h.store_id = s.id
      WHERE s.id = ?${where.sql}`,
    [storeId, ...where.params],
  );
  const r = (
    rows as Array<{
      id: string;
      name: string;
      last_seen_at: Date | null;
      status_since: Date | null;
      sent_at: Date | null;
      agent_version: string | null;
      pending: number | string | null;
      oldest_pending_at: Date | null;
      devices: string | null;
      devices_left_out: number | null;
      devices_in_error: number | null;
      disk_free_bytes: number | string | null;
      clock_offset_ms: number | string | null;
    }>
  )[0];
  if (!r) return null;
  const [tr] = await pool.query(
    'SELECT status, previous, at FROM store_status_transitions WHERE store_id = ? ORDER BY id DESC LIMIT ?',
    [storeId, TRANSITIONS_SHOWN],
  );
  return {
    storeId: r.id,
    name: r.name,
    status: statusAt(r.last_seen_at, clock),
    lastSeenAt: r.last_seen_at ? r.last_seen_at.toISOString() : null,
    statusSince: r.status_since ? r.status_since.toISOString() : null,
    agentVersion: r.agent_version,
    sentAt: r.sent_at ? r.sent_at.toISOString() : null,
    backlog:
      r.pending === null
        ? null
        : {
            pending: Number(r.pending),
            oldestPendingAt: r.oldest_pending_at ? r.oldest_pending_at.toISOString() : null,
          },
    devices: r.devices ? (JSON.parse(r.devices) as DeviceHealth[]) : [],
    devicesLeftOut: r.devices_left_out ?? 0,
    devicesInError: r.devices_in_error ?? 0,
    diskFreeBytes: r.disk_free_bytes === null ? null : Number(r.disk_free_bytes),
    clockOffsetMs: r.clock_offset_ms === null ? null : Number(r.clock_offset_ms),
    transitions: (tr as Array<{ status: 'online' | 'offline'; previous: string; at: Date }>).map((t) => ({
      status: t.status,
      previous: t.previous,
      at: t.at.toISOString(),
    })),
  };
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

export interface TenantFleetFigures {
  tenantId: string;
  online: number;
  offline: number;
  unknown: number;
  pending: number;
  /** Age of the oldest pending movement over the tenant's stores (0: none waits). */
  oldestPendingSeconds: number;
  devicesInError: number;
}

/** Per-tenant counts for the metrics (one GROUP BY over the stores and their health rows). */
export async function tenantFigures(pool: Pool, clock: FleetClock): Promise<TenantFleetFigures[]> {
  const cutoff = new Date(clock.now().getTime() - clock.offlineAfterSeconds * 1000);
  const [rows] = await pool.query(
    `SELECT s.tenant_id,
        SUM(h.store_id IS NULL) AS unknown_n,
        SUM(h.last_seen_at >= ?) AS online_n,
        SUM(h.last_seen_at < ?) AS offline_n,
        COALESCE(SUM(h.pending), 0) AS pending,
        COALESCE(SUM(h.devices_in_error), 0) AS devices_in_error,
        MIN(h.oldest_pending_at) AS oldest_pending_at
      FROM stores s LEFT JOIN store_health h ON h.store_id = s.id
      GROUP BY s.tenant_id`,
    [cutoff, cutoff],
  );
  return (
    rows as Array<{
      tenant_id: string;
      unknown_n: unknown;
      online_n: unknown;
      offline_n: unknown;
      pending: unknown;
      devices_in_error: unknown;
      oldest_pending_at: Date | null;
    }>
  ).map((r) => ({
    tenantId: r.tenant_id,
    online: Number(r.online_n ?? 0),
    offline: Number(r.offline_n ?? 0),
    unknown: Number(r.unknown_n ?? 0),
    pending: Number(r.pending ?? 0),
    devicesInError: Number(r.devices_in_error ?? 0),
    oldestPendingSeconds: r.oldest_pending_at
      ? Math.max(0, (clock.now().getTime() - r.oldest_pending_at.getTime()) / 1000)
      : 0,
  }));
}
