// Transfers between stores: a shipped transfer applied once (with its inbound delivery), and transfer views.
import { type Scope, scopeWhere } from '../auth.js';
import { mysqlErrno, type Pool, toIso, toSqlDateTime, withTransaction } from '../db.js';
import { enqueueEvent } from '../outbox.js';
import { cloudProblem, notFound } from '../problem.js';
import { requireApplied } from './movement-sums.js';
import { insertDelivery } from './store.js';
import type { DeliveryView, Queryable, TransferBody, TransferRow, TransferView } from './types.js';
import { deliveryLines, deliveryRow, viewOf } from './views.js';

/**
 * A store's shipped transfer, applied exactly once: the transfers row (unique per tenant) and the
 * destination's inbound delivery of kind `transfer` with the same id, on the destination's change
 * feed, in one transaction. Resent: answered as a duplicate.
 */
export async function applyTransfer(
  pool: Pool,
  store: { storeId: string; tenantId: string },
  id: string,
  body: TransferBody,
): Promise<{ status: 'created' | 'duplicate' }> {
  return withTransaction(pool, async (conn) => {
    const [have] = await conn.query(
      'SELECT store_id, to_store_id FROM transfers WHERE tenant_id = ? AND id = ?',
      [store.tenantId, id],
    );
    const prev = (have as Array<{ store_id: string; to_store_id: string }>)[0];
    if (prev) {
      if (prev.store_id === store.storeId && prev.to_store_id === body.toStoreId)
        return { status: 'duplicate' };
      throw cloudProblem('delivery-exists', `transfer '${id}' exists with another source or destination`);
    }
    const [dest] = await conn.query('SELECT tenant_id FROM stores WHERE id = ?', [body.toStoreId]);
    if ((dest as Array<{ tenant_id: string }>)[0]?.tenant_id !== store.tenantId)
      throw notFound(`no store '${body.toStoreId}' in this tenant`);
    await requireApplied(conn, store.storeId, body.asOfSeq);
    try {
      await conn.query(
        `INSERT INTO transfers (store_id, id, tenant_id, to_store_id, shipped_at, as_of_seq, shipped_lines)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          store.storeId,
          id,
          store.tenantId,
          body.toStoreId,
          toSqlDateTime(body.shippedAt),
          body.asOfSeq,
          JSON.stringify(body.lines),
        ],
      );
    } catch (err) {
      if (mysqlErrno(err) === 1062) throw cloudProblem('delivery-exists', `transfer '${id}' exists`);
      throw err;
    }
    const made = await insertDelivery(conn, store.tenantId, {
      id,
      storeId: body.toStoreId,
      kind: 'transfer',
      fromStoreId: store.storeId,
      lines: body.lines,
    });
    if (!made) throw cloudProblem('delivery-exists', `a delivery '${id}' exists in the tenant`);
    await enqueueEvent(conn, store.tenantId, 'transfer.shipped', {
      transferId: id,
      fromStoreId: store.storeId,
      toStoreId: body.toStoreId,
      shippedAt: body.shippedAt,
      lines: body.lines,
    });
    return { status: 'created' };
  });
}

function transferViewOf(
  row: TransferRow,
  shipped: Map<string, number>,
  dest: DeliveryView | null,
): TransferView {
  const received = new Map((dest?.lines ?? []).map((l) => [l.sku, l.received]));
  const done = row.status === 'received';
  const skus = [...new Set([...shipped.keys(), ...received.keys()])].sort();
  return {
    id: row.id,
    fromStoreId: row.store_id,
    toStoreId: row.to_store_id,
    status: row.status,
    shippedAt: toIso(row.shipped_at),
    receivedAt: row.received_at === null ? null : toIso(row.received_at),
    ageSeconds: Number(row.age_s),
    lines: skus.map((sku) => {
      const s = shipped.get(sku) ?? 0;
      const r = received.get(sku) ?? 0;
      return {
        sku,
        shipped: s,
        received: r,
        short: done ? Math.max(0, s - r) : 0,
        inTransit: done ? 0 : Math.max(0, s - r),
      };
    }),
  };
}

const TRANSFER_COLUMNS = 't.*, TIMESTAMPDIFF(SECOND, t.shipped_at, NOW(3)) AS age_s';

async function transferFigures(db: Queryable, row: TransferRow): Promise<TransferView> {
  // Shipped: the source's replicated transfer_out movements (the shipment record arrives after them).
  const [rows] = await db.query(
    `SELECT sku, SUM(qty) AS q FROM movements WHERE store_id = ? AND ref = ? AND type = 'transfer_out' GROUP BY sku`,
    [row.store_id, row.id],
  );
  const shipped = new Map(
    (rows as Array<{ sku: string; q: string | number }>).map((r) => [r.sku, Number(r.q)]),
  );
  const destRow = await deliveryRow(db, { tenantId: row.tenant_id, stores: null }, row.id);
  const dest =
    destRow && destRow.store_id === row.to_store_id
      ? viewOf(destRow, await deliveryLines(db, destRow))
      : null;
  return transferViewOf(row, shipped, dest);
}

/** A transfer with shipped, received, short and in transit per sku; visible from either store. */
export async function transferView(db: Queryable, scope: Scope, id: string): Promise<TransferView | null> {
  const w = scopeWhere(scope, 't.tenant_id', null);
  const [rows] = await db.query(
    `SELECT ${TRANSFER_COLUMNS} FROM transfers t WHERE t.id = ?${w.sql} LIMIT 1`,
    [id, ...w.params],
  );
  const row = (rows as TransferRow[])[0];
  if (!row) return null;
  if (
    scope.stores !== null &&
    !scope.stores.includes(row.store_id) &&
    !scope.stores.includes(row.to_store_id)
  )
    return null;
  return transferFigures(db, row);
}

/** Transfers by status, oldest shipment first, each with its age (the aged in-transit list). */
export async function listTransfers(
  pool: Pool,
  scope: Scope,
  q: { status?: 'in-transit' | 'received'; storeId?: string; limit: number },
): Promise<TransferView[]> {
  const w = scopeWhere(scope, 't.tenant_id', null);
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.status) {
    where.push('t.status = ?');
    params.push(q.status);
  }
  if (q.storeId) {
    where.push('(t.store_id = ? OR t.to_store_id = ?)');
    params.push(q.storeId, q.storeId);
  }
  if (scope.stores !== null) {
    if (scope.stores.length === 0) where.push('FALSE');
    else {
      where.push('(t.store_id IN (?) OR t.to_store_id IN (?))');
      params.push(scope.stores, scope.stores);
    }
  }
  const [rows] = await pool.query(
    `SELECT ${TRANSFER_COLUMNS} FROM transfers t WHERE TRUE${where.map((c) => ` AND ${c}`).join('')}${w.sql}
      ORDER BY t.shipped_at, t.id LIMIT ?`,
    [...params, ...w.params, q.limit],
  );
  const out: TransferView[] = [];
  for (const row of rows as TransferRow[]) out.push(await transferFigures(pool, row));
  return out;
}
