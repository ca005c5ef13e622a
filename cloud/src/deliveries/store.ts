import type { DeliveryChange } from '@store-edge/protocol';
import { appendChanges } from '../changes.js';
import { mysqlErrno, type PoolConnection, toSqlDateTime } from '../db.js';

export interface NewDelivery extends DeliveryChange {
  /** The replenishment run whose approval made it. */
  runId?: string;
}

/**
 * Inserts an expected delivery and sends it down its store's change feed, inside the caller's
 * transaction (lock order: store row, then tenant row, as everywhere). The id is unique within
 * the tenant (005_deliveries.sql), so inserting one that exists inserts nothing and answers
 * false: a retried POST or a second approval never makes a second delivery.
 */
export async function insertDelivery(
  conn: PoolConnection,
  tenantId: string,
  d: NewDelivery,
): Promise<boolean> {
  // Not INSERT IGNORE: that would also turn a missing store (foreign key) into a warning.
  const [res] = await conn
    .query(
      `INSERT INTO deliveries (store_id, id, tenant_id, kind, from_store_id, supplier, expected_at, run_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        d.storeId,
        d.id,
        tenantId,
        d.kind,
        d.fromStoreId ?? null,
        d.supplier ?? null,
        d.expectedAt ? toSqlDateTime(d.expectedAt) : null,
        d.runId ?? null,
      ],
    )
    .catch((err: unknown) => {
      if (mysqlErrno(err) === 1062) return [null]; // ER_DUP_ENTRY: this id exists
      throw err;
    });
  if (res === null) return false;
  if (d.lines.length > 0) {
    await conn.query('INSERT INTO delivery_lines (store_id, delivery_id, sku, expected) VALUES ?', [
      d.lines.map((l) => [d.storeId, d.id, l.sku, l.qty]),
    ]);
  }
  const { runId: _runId, ...change } = d;
  await appendChanges(conn, tenantId, [{ storeId: d.storeId, kind: 'delivery', data: change }]);
  return true;
}
