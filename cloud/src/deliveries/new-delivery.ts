// Expected deliveries made at head office: lines resolved through the catalog, inserted once.
import { LIMITS, PROBLEM_CODES } from '@store-edge/protocol';
import { inScope, type Scope } from '../auth.js';
import { type Pool, withTransaction } from '../db.js';
import { cloudProblem, HttpProblem, notFound } from '../problem.js';
import { insertDelivery } from './store.js';
import type { DeliveryView, NewDeliveryBody, Queryable } from './types.js';
import { bySku, getDelivery } from './views.js';

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
