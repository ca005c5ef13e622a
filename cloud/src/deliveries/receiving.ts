import { LIMITS, PROBLEM_CODES } from '@store-edge/protocol';
import { inScope, type Scope, scopeWhere } from '../auth.js';
import { mysqlErrno, type Pool, type PoolConnection, toIso, toSqlDateTime, withTransaction } from '../db.js';
import { enqueueEvent } from '../outbox.js';
import { cloudProblem, HttpProblem, notFound } from '../problem.js';
import { insertDelivery } from './store.js';

export type DeliveryStatus = 'open' | 'receiving' | 'closed';

export interface DeliveryLine {
  sku: string;
  expected: number;
  received: number;
  damaged: number;
  short: number;
  over: number;
}

export interface DeliveryView {
  id: string;
  storeId: string;
  kind: 'purchase' | 'transfer';
  status: DeliveryStatus;
  fromStoreId: string | null;
  supplier: string | null;
  expectedAt: string | null;
  createdAt: string;
  closedAt: string | null;
  lines: DeliveryLine[];
}

export interface NewDeliveryBody {
  id: string;
  storeId: string;
  kind?: 'purchase';
  supplier?: string;
  expectedAt?: string;
  lines: Array<{ sku?: string; gtin?: string; qty: number }>;
}

export interface ReceiptBody {
  closedAt: string;
  closedBy: string;
  asOfSeq: number;
  lines: Array<{
    sku: string;
    expected: number;
    received: number;
    damaged: number;
    short: number;
    over: number;
  }>;
}

export interface TransferBody {
  toStoreId: string;
  shippedAt: string;
  asOfSeq: number;
  lines: Array<{ sku: string; qty: number }>;
}

export interface TransferLine {
  sku: string;
  shipped: number;
  received: number;
  short: number;
  inTransit: number;
}

export interface TransferView {
  id: string;
  fromStoreId: string;
  toStoreId: string;
  status: 'in-transit' | 'received';
  shippedAt: string;
  receivedAt: string | null;
  ageSeconds: number;
  lines: TransferLine[];
}

interface DeliveryRow {
  store_id: string;
  id: string;
  tenant_id: string;
  kind: 'purchase' | 'transfer';
  from_store_id: string | null;
  supplier: string | null;
  expected_at: Date | string | null;
  status: string;
  created_at: Date | string;
  closed_at: Date | string | null;
}

interface TransferRow {
  store_id: string;
  id: string;
  tenant_id: string;
  to_store_id: string;
  shipped_at: Date | string;
  status: 'in-transit' | 'received';
  received_at: Date | string | null;
  age_s: number;
}

type Queryable = Pick<PoolConnection, 'query'>;

const line = (sku: string, expected: number, received: number, damaged: number): DeliveryLine => ({
  sku,
  expected,
  received,
  damaged,
  short: Math.max(0, expected - received),
  over: Math.max(0, received - expected),
});

const bySku = (a: { sku: string }, b: { sku: string }) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);

/**
 * What arrived against a delivery, summed from the store's replicated movements with ref = its
 * id (each applied exactly once by ingest): receive and transfer_in count as received, damage
 * as damaged. `asOfSeq` limits the sum to what a receipt closed over.
 */
async function movementSums(
  db: Queryable,
  storeId: string,
  ref: string,
  asOfSeq: number | null,
): Promise<Map<string, { received: number; damaged: number }>> {
  const [rows] = await db.query(
    `SELECT sku, SUM(CASE WHEN type = 'damage' THEN 0 ELSE qty END) AS received,
            SUM(CASE WHEN type = 'damage' THEN qty ELSE 0 END) AS damaged
       FROM movements WHERE store_id = ? AND ref = ? AND type IN ('receive', 'transfer_in', 'damage')
        AND (? IS NULL OR seq <= ?)
      GROUP BY sku`,
    [storeId, ref, asOfSeq, asOfSeq],
  );
  return new Map(
    (rows as Array<{ sku: string; received: string | number; damaged: string | number }>).map((r) => [
      r.sku,
      { received: Number(r.received), damaged: Number(r.damaged) },
    ]),
  );
}

async function deliveryLines(db: Queryable, row: DeliveryRow): Promise<DeliveryLine[]> {
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

function viewOf(row: DeliveryRow, lines: DeliveryLine[]): DeliveryView {
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

async function deliveryRow(db: Queryable, scope: Scope, id: string): Promise<DeliveryRow | null> {
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

/**
 * Resolves a delivery's lines through the tenant catalog: a sku must exist; a GTIN (a unit or a
 * case) names its sku, a case standing for its pack quantity in units. Lines of one sku add up.
 * Throws 400 naming each line that names nothing.
 */
async function resolveLines(
  db: Queryable,
  tenantId: string,
  lines: NewDeliveryBody['lines'],
): Promise<Array<{ sku: string; qty: number }>> {
  const errors: Array<{ path: string; message: string }> = [];
  const skus = [...new Set(lines.flatMap((l) => (l.sku ? [l.sku] : [])))];
  const gtins = [...new Set(lines.flatMap((l) => (l.gtin ? [l.gtin.padStart(14, '0')] : [])))];
  const knownSkus = new Set<string>();
  if (skus.length > 0) {
    const [rows] = await db.query('SELECT sku FROM items WHERE tenant_id = ? AND sku IN (?)', [
      tenantId,
      skus,
    ]);
    for (const r of rows as Array<{ sku: string }>) knownSkus.add(r.sku);
  }
  const byGtin = new Map<string, { sku: string; units: number }>();
  if (gtins.length > 0) {
    const [rows] = await db.query(
      `SELECT g.gtin, g.sku, i.packs FROM item_gtins g JOIN items i ON i.tenant_id = g.tenant_id AND i.sku = g.sku
        WHERE g.tenant_id = ? AND g.gtin IN (?)`,
      [tenantId, gtins],
    );
    for (const r of rows as Array<{ gtin: string; sku: string; packs: string }>) {
      const packs = JSON.parse(r.packs || '[]') as Array<{ gtin: string; qty: number }>;
      const pack = packs.find((p) => p.gtin.padStart(14, '0') === r.gtin);
      byGtin.set(r.gtin, { sku: r.sku, units: pack?.qty ?? 1 });
    }
  }
  const merged = new Map<string, number>();
  lines.forEach((l, i) => {
    let sku: string | undefined;
    let units = 1;
    if (l.sku !== undefined && l.gtin !== undefined) {
      errors.push({ path: `/lines/${i}`, message: 'names a sku or a gtin, not both' });
      return;
    }
    if (l.sku !== undefined) {
      if (knownSkus.has(l.sku)) sku = l.sku;
      else errors.push({ path: `/lines/${i}/sku`, message: `no item '${l.sku}' in the tenant catalog` });
    } else if (l.gtin !== undefined) {
      const hit = byGtin.get(l.gtin.padStart(14, '0'));
      if (hit) ({ sku, units } = hit);
      else
        errors.push({
          path: `/lines/${i}/gtin`,
          message: `no item has the GTIN ${l.gtin} in the tenant catalog`,
        });
    } else errors.push({ path: `/lines/${i}/sku`, message: 'a line names a sku or a gtin' });
    if (sku === undefined) return;
    const total = (merged.get(sku) ?? 0) + l.qty * units;
    if (total > LIMITS.qty)
      errors.push({ path: `/lines/${i}/qty`, message: `more than ${LIMITS.qty} units` });
    merged.set(sku, total);
  });
  if (errors.length > 0)
    throw new HttpProblem(400, 'Bad Request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
      code: PROBLEM_CODES.validation,
      errors,
    });
  return [...merged].map(([sku, qty]) => ({ sku, qty })).sort(bySku);
}

/**
 * An expected delivery made at head office: inserted with its lines in units and sent down the
 * store's change feed in one transaction (insertDelivery). The same request again answers the
 * delivery it made (`created: false`); the id with other content is a 409.
 */
export async function createDelivery(
  pool: Pool,
  scope: Scope,
  body: NewDeliveryBody,
): Promise<{ view: DeliveryView; created: boolean; tenantId: string }> {
  const [stores] = await pool.query('SELECT tenant_id FROM stores WHERE id = ?', [body.storeId]);
  const tenantId = (stores as Array<{ tenant_id: string }>)[0]?.tenant_id;
  if (!tenantId || !inScope(scope, tenantId, body.storeId)) throw notFound(`no store '${body.storeId}'`);
  const lines = await resolveLines(pool, tenantId, body.lines);
  const created = await withTransaction(pool, (conn) =>
    insertDelivery(conn, tenantId, {
      id: body.id,
      storeId: body.storeId,
      kind: 'purchase',
      ...(body.supplier !== undefined ? { supplier: body.supplier } : {}),
      ...(body.expectedAt !== undefined ? { expectedAt: new Date(body.expectedAt).toISOString() } : {}),
      lines,
    }),
  );
  const view = await getDelivery(pool, { tenantId, stores: null }, body.id);
  if (!created) {
    const same =
      view.storeId === body.storeId &&
      view.kind === 'purchase' &&
      JSON.stringify(view.lines.map((l) => [l.sku, l.expected])) ===
        JSON.stringify(lines.map((l) => [l.sku, l.qty]));
    if (!same) throw cloudProblem('delivery-exists', `delivery '${body.id}' exists with other content`);
  }
  return { view, created, tenantId };
}

async function requireApplied(conn: PoolConnection, storeId: string, asOfSeq: number): Promise<void> {
  const [rows] = await conn.query('SELECT applied_seq FROM stores WHERE id = ?', [storeId]);
  const applied = Number((rows as Array<{ applied_seq: number }>)[0]?.applied_seq ?? 0);
  if (applied < asOfSeq)
    throw cloudProblem(
      'record-ahead',
      `the store's movements up to seq ${asOfSeq} are not all applied yet (applied: ${applied})`,
      { appliedSeq: applied, asOfSeq },
    );
}

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
