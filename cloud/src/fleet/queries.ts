// Reading the fleet's health: every store's latest report, one store's detail, per-tenant figures.
import type { DeviceHealth } from '@store-edge/protocol';
import { type Scope, scopeWhere } from '../auth.js';
import type { Pool } from '../db.js';
import { type FleetClock, type StoreStatus, statusAt } from './status.js';

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
