import { randomUUID } from 'node:crypto';
import type { Reservation, ReservationStatus } from '@store-edge/protocol';
import { type Scope, scopeWhere } from './auth.js';
import { appendChanges } from './changes.js';
import { type Pool, toIso, withTransaction } from './db.js';
import { enqueueEvent } from './outbox.js';
import { notFound } from './problem.js';

export interface ReservationRow {
  id: string;
  tenant_id: string;
  store_id: string;
  sku: string;
  qty: number;
  ref: string;
  status: ReservationStatus;
  created_at: Date;
  updated_at: Date;
}

export function reservationFromRow(r: ReservationRow): Reservation {
  return {
    id: r.id,
    storeId: r.store_id,
    sku: r.sku,
    qty: Number(r.qty),
    ref: r.ref,
    status: r.status,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}

/** Creates a `requested` reservation and sends it down that store's change feed. */
export async function createReservation(
  pool: Pool,
  input: { storeId: string; sku: string; qty: number; ref: string },
  scope: Scope = { tenantId: null, stores: null },
): Promise<Reservation & { tenantId: string }> {
  return withTransaction(pool, async (conn) => {
    // Lock order store, then tenant (appendChanges), as in ingest. A store outside the
    // caller's scope is not found.
    const w = scopeWhere(scope, 'tenant_id', 'id');
    const [stores] = await conn.query(`SELECT tenant_id FROM stores WHERE id = ?${w.sql} FOR UPDATE`, [
      input.storeId,
      ...w.params,
    ]);
    const tenantId = (stores as Array<{ tenant_id: string }>)[0]?.tenant_id;
    if (!tenantId) throw notFound(`store '${input.storeId}' does not exist`);
    const id = randomUUID();
    await conn.query(
      `INSERT INTO reservations (id, tenant_id, store_id, sku, qty, ref, status) VALUES (?, ?, ?, ?, ?, ?, 'requested')`,
      [id, tenantId, input.storeId, input.sku, input.qty, input.ref],
    );
    const [rows] = await conn.query('SELECT * FROM reservations WHERE store_id = ? AND id = ?', [
      input.storeId,
      id,
    ]);
    const res = reservationFromRow((rows as ReservationRow[])[0] as ReservationRow);
    await appendChanges(conn, tenantId, [{ storeId: input.storeId, kind: 'reservation', data: res }]);
    await enqueueEvent(conn, tenantId, 'reservation.changed', res);
    return { ...res, tenantId };
  });
}

export async function getReservation(
  pool: Pool,
  id: string,
  scope: Scope = { tenantId: null, stores: null },
): Promise<Reservation> {
  const w = scopeWhere(scope, 'tenant_id', 'store_id');
  const [rows] = await pool.query(`SELECT * FROM reservations WHERE id = ?${w.sql}`, [id, ...w.params]);
  const row = (rows as ReservationRow[])[0];
  if (!row) throw notFound(`reservation '${id}' does not exist`);
  return reservationFromRow(row);
}
