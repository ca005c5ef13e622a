// Reading deliveries: their lines (stored, or summed from movements while open), one delivery, and lists.
import { type Scope, scopeWhere } from '../auth.js';
import { type Pool, toIso } from '../db.js';
import { notFound } from '../problem.js';
import { movementSums } from './movement-sums.js';
import type { DeliveryLine, DeliveryRow, DeliveryStatus, DeliveryView, Queryable } from './types.js';

const line = (sku: string, expected: number, received: number, damaged: number): DeliveryLine => ({
  sku,
  expected,
  received,
  damaged,
  short: Math.max(0, expected - received),
  over: Math.max(0, received - expected),
});

export const bySku = (a: { sku: string }, b: { sku: string }) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);

export async function deliveryLines(db: Queryable, row: DeliveryRow): Promise<DeliveryLine[]> {
  const [rows] = await db.query(
    'SELECT sku, expected, received, damaged FROM delivery_lines WHERE store_id = ? AND delivery_id = ? ORDER BY sku',
    [row.store_id, row.id],
  );
  const stored = rows as Array<{ sku: string; expected: number; received: number; damaged: number }>;
  // Closed: the receipt wrote its figures into the lines (over-lines included).
  if (row.status === 'closed')
    return stored.map((l) => line(l.sku, Number(l.expected), Number(l.received), Number(l.damaged)));
  const sums = await movementSums(db, row.store_id, row.id, null);
  const out = stored.map((l) =>
    line(l.sku, Number(l.expected), sums.get(l.sku)?.received ?? 0, sums.get(l.sku)?.damaged ?? 0),
  );
  for (const [sku, s] of sums)
    if (!stored.some((l) => l.sku === sku)) out.push(line(sku, 0, s.received, s.damaged));
  return out.sort(bySku);
}

export function viewOf(row: DeliveryRow, lines: DeliveryLine[]): DeliveryView {
  const status: DeliveryStatus =
    row.status === 'closed'
      ? 'closed'
      : lines.some((l) => l.received > 0 || l.damaged > 0)
        ? 'receiving'
        : 'open';
  return {
    id: row.id,
    storeId: row.store_id,
    kind: row.kind,
    status,
    fromStoreId: row.from_store_id,
    supplier: row.supplier,
    expectedAt: row.expected_at === null ? null : toIso(row.expected_at),
    createdAt: toIso(row.created_at),
    closedAt: row.closed_at === null ? null : toIso(row.closed_at),
    lines,
  };
}

export async function deliveryRow(db: Queryable, scope: Scope, id: string): Promise<DeliveryRow | null> {
  const w = scopeWhere(scope, 'tenant_id', 'store_id');
  const [rows] = await db.query(`SELECT * FROM deliveries WHERE id = ?${w.sql} ORDER BY created_at LIMIT 1`, [
    id,
    ...w.params,
  ]);
  return (rows as DeliveryRow[])[0] ?? null;
}

export async function getDelivery(pool: Pool, scope: Scope, id: string): Promise<DeliveryView> {
  const row = await deliveryRow(pool, scope, id);
  if (!row) throw notFound(`no delivery '${id}'`);
  return viewOf(row, await deliveryLines(pool, row));
}

/**
 * Deliveries in the scope, oldest expected first. `open` and `receiving` are both not closed
 * (receiving: some movement with its ref has arrived); `limit` bounds the answer.
 */
export async function listDeliveries(
  pool: Pool,
  scope: Scope,
  q: { status?: DeliveryStatus; storeId?: string; kind?: 'purchase' | 'transfer'; limit: number },
): Promise<DeliveryView[]> {
  const w = scopeWhere(scope, 'd.tenant_id', 'd.store_id');
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.storeId) {
    where.push('d.store_id = ?');
    params.push(q.storeId);
  }
  if (q.kind) {
    where.push('d.kind = ?');
    params.push(q.kind);
  }
  if (q.status === 'closed') where.push("d.status = 'closed'");
  else if (q.status) {
    where.push("d.status <> 'closed'");
    const exists = `EXISTS (SELECT 1 FROM movements m WHERE m.store_id = d.store_id AND m.ref = d.id
      AND m.type IN ('receive', 'transfer_in', 'damage'))`;
    where.push(q.status === 'receiving' ? exists : `NOT ${exists}`);
  }
  const [rows] = await pool.query(
    `SELECT d.* FROM deliveries d WHERE TRUE${where.map((c) => ` AND ${c}`).join('')}${w.sql}
      ORDER BY COALESCE(d.expected_at, d.created_at), d.id LIMIT ?`,
    [...params, ...w.params, q.limit],
  );
  const out: DeliveryView[] = [];
  for (const row of rows as DeliveryRow[]) out.push(viewOf(row, await deliveryLines(pool, row)));
  return out;
}
