// A store's receipt closing a delivery: the cloud's own sums written into its lines, exactly once.
import { type Pool, toSqlDateTime, withTransaction } from '../db.js';
import { enqueueEvent } from '../outbox.js';
import { notFound } from '../problem.js';
import { movementSums, requireApplied } from './movement-sums.js';
import { transferView } from './transfers.js';
import type { DeliveryRow, DeliveryView, ReceiptBody } from './types.js';
import { deliveryLines, getDelivery, viewOf } from './views.js';

/**
 * A store's receipt (its close of a delivery), applied exactly once: the receipt row's key
 * (store, delivery) refuses a second one, and the webhooks are queued in the same transaction.
 * The figures are the cloud's own sums of the store's movements up to `asOfSeq`, which the
 * cloud must already hold: the same movements the store summed, each applied once.
 */
export async function applyReceipt(
  pool: Pool,
  store: { storeId: string; tenantId: string },
  deliveryId: string,
  body: ReceiptBody,
): Promise<{ status: 'created' | 'duplicate'; delivery: DeliveryView }> {
  const status = await withTransaction(pool, async (conn): Promise<'created' | 'duplicate'> => {
    const [rows] = await conn.query(
      'SELECT * FROM deliveries WHERE store_id = ? AND id = ? AND tenant_id = ? FOR UPDATE',
      [store.storeId, deliveryId, store.tenantId],
    );
    const row = (rows as DeliveryRow[])[0];
    if (!row) throw notFound(`store '${store.storeId}' has no delivery '${deliveryId}'`);
    const [have] = await conn.query(
      'SELECT 1 FROM delivery_receipts WHERE store_id = ? AND delivery_id = ?',
      [store.storeId, deliveryId],
    );
    if ((have as unknown[]).length > 0) return 'duplicate';
    await requireApplied(conn, store.storeId, body.asOfSeq);
    await conn.query(
      `INSERT INTO delivery_receipts (store_id, delivery_id, tenant_id, closed_at, closed_by, as_of_seq, store_lines)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        store.storeId,
        deliveryId,
        store.tenantId,
        toSqlDateTime(body.closedAt),
        body.closedBy,
        body.asOfSeq,
        JSON.stringify(body.lines),
      ],
    );
    const sums = await movementSums(conn, store.storeId, deliveryId, body.asOfSeq);
    if (sums.size > 0)
      await conn.query(
        `INSERT INTO delivery_lines (store_id, delivery_id, sku, expected, received, damaged) VALUES ?
         ON DUPLICATE KEY UPDATE received = VALUES(received), damaged = VALUES(damaged)`,
        [[...sums].map(([sku, s]) => [store.storeId, deliveryId, sku, 0, s.received, s.damaged])],
      );
    await conn.query(
      "UPDATE deliveries SET status = 'closed', closed_at = ?, updated_at = NOW(6) WHERE store_id = ? AND id = ?",
      [toSqlDateTime(body.closedAt), store.storeId, deliveryId],
    );
    const closed = { ...row, status: 'closed', closed_at: toSqlDateTime(body.closedAt) };
    const view = viewOf(closed, await deliveryLines(conn, closed));
    await enqueueEvent(conn, store.tenantId, 'delivery.received', {
      deliveryId,
      storeId: store.storeId,
      kind: view.kind,
      closedAt: body.closedAt,
      closedBy: body.closedBy,
      lines: view.lines,
    });
    if (row.kind === 'transfer') {
      await conn.query(
        "UPDATE transfers SET status = 'received', received_at = NOW(6) WHERE tenant_id = ? AND id = ?",
        [store.tenantId, deliveryId],
      );
      const transfer = await transferView(conn, { tenantId: store.tenantId, stores: null }, deliveryId);
      if (transfer) await enqueueEvent(conn, store.tenantId, 'transfer.received', transfer);
    }
    return 'created';
  });
  return {
    status,
    delivery: await getDelivery(pool, { tenantId: store.tenantId, stores: null }, deliveryId),
  };
}
