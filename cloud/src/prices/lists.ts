// The head-office console's lists of price changes and promotions (issue 19): what is scheduled,
// what the stores have received and printed. Tenant and store scope go into the WHERE clause
// (auth.ts scopeWhere), so another tenant's rows are never read.
import { hasOffset } from '@store-edge/protocol';
import { type Scope, scopeWhere } from '../auth.js';
import type { Pool } from '../db.js';

/**
 * The latest zone on Earth is UTC−12: a local date-time without offset has passed in every
 * store's zone 12 hours after the same wall-clock time in UTC. Until then some store may still
 * be before it, so the cloud (which does not know the stores' zones) calls it scheduled.
 */
const LATEST_ZONE_MS = 12 * 3600_000;

/** The instant after which `effectiveAt` has passed at every store. */
export function passedEverywhereAt(effectiveAt: string): number {
  if (hasOffset(effectiveAt)) return Date.parse(effectiveAt);
  return Date.parse(`${effectiveAt}Z`) + LATEST_ZONE_MS;
}

export type PriceChangeListStatus = 'scheduled' | 'effective' | 'all';

export interface PriceChangeSummary {
  id: string;
  tenantId: string;
  effectiveAt: string;
  status: 'scheduled' | 'effective';
  createdAt: string;
  lines: number;
  /** Stores in the caller's scope that it goes to, and of those how many received and printed. */
  stores: number;
  received: number;
  printed: number;
}

/** How many price changes one list answer holds at most (newest created first). */
export const PRICE_CHANGE_LIST_MAX = 500;

interface SummaryRow {
  tenant_id: string;
  id: string;
  effective_at: string;
  created_at: Date;
  line_count: number;
  stores: number | string;
  received: number | string | null;
  printed: number | string | null;
}

/**
 * Price changes newest first with their readiness counts. The status filter runs on the rows
 * read (effective_at is kept as written, with or without an offset, so SQL cannot compare it);
 * the limit bounds that read.
 */
export async function listPriceChanges(
  pool: Pool,
  scope: Scope,
  opts: { tenantId?: string; status: PriceChangeListStatus; limit: number; now?: number },
): Promise<PriceChangeSummary[]> {
  const where = scopeWhere(scope, 'pc.tenant_id', null);
  // Counts over the stores in the caller's scope only: a person scoped to two stores sees two.
  const storeScope = scopeWhere({ tenantId: null, stores: scope.stores }, 'pcs.tenant_id', 'pcs.store_id');
  const params: unknown[] = [...storeScope.params, ...where.params];
  let sql = where.sql;
  if (opts.tenantId !== undefined) {
    sql += ' AND pc.tenant_id = ?';
    params.push(opts.tenantId);
  }
  const [rows] = await pool.query(
    `SELECT pc.tenant_id, pc.id, pc.effective_at, pc.created_at, pc.line_count,
            COUNT(pcs.store_id) AS stores,
            SUM(pcs.received_at IS NOT NULL) AS received,
            SUM(pcs.labels_printed_at IS NOT NULL) AS printed
       FROM price_changes pc
       LEFT JOIN price_change_stores pcs
         ON pcs.tenant_id = pc.tenant_id AND pcs.price_change_id = pc.id${storeScope.sql}
      WHERE TRUE${sql}
      GROUP BY pc.tenant_id, pc.id
      ORDER BY pc.created_at DESC, pc.id
      LIMIT ?`,
    [...params, PRICE_CHANGE_LIST_MAX],
  );
  const now = opts.now ?? Date.now();
  return (rows as SummaryRow[])
    .map((r): PriceChangeSummary => {
      const status = passedEverywhereAt(r.effective_at) > now ? 'scheduled' : 'effective';
      return {
        id: r.id,
        tenantId: r.tenant_id,
        effectiveAt: r.effective_at,
        status,
        createdAt: r.created_at.toISOString(),
        lines: Number(r.line_count),
        stores: Number(r.stores),
        received: Number(r.received ?? 0),
        printed: Number(r.printed ?? 0),
      };
    })
    .filter((r) => opts.status === 'all' || r.status === opts.status)
    .slice(0, opts.limit);
}

export interface PriceChangeLine {
  sku: string;
  amount: string;
  currency: string;
}

/** A price change's lines (for its page), at most `limit`, in sku order. */
export async function priceChangeLines(
  pool: Pool,
  tenantId: string,
  id: string,
  limit: number,
): Promise<PriceChangeLine[]> {
  const [rows] = await pool.query(
    `SELECT sku, CAST(amount AS CHAR) AS amount, currency FROM price_change_lines
      WHERE tenant_id = ? AND price_change_id = ? ORDER BY sku LIMIT ?`,
    [tenantId, id, limit],
  );
  return (rows as Array<{ sku: string; amount: string; currency: string }>).map((r) => ({
    sku: r.sku,
    amount: trimAmount(r.amount),
    currency: r.currency,
  }));
}

/** DECIMAL(14,4) text without zeros beyond the cents ("1.2900" → "1.29"); exact, no float. */
export function trimAmount(stored: string): string {
  if (!stored.includes('.')) return stored;
  const [int, frac = ''] = stored.split('.');
  return `${int}.${frac.replace(/0+$/, '').padEnd(2, '0')}`;
}

export interface PromotionSummary {
  id: string;
  tenantId: string;
  name: string;
  startsAt: string;
  endsAt: string;
  /** null: every store of the tenant. */
  storeIds: string[] | null;
  skus: string[];
  rule: unknown;
  updatedAt: string;
}

/** The tenant's promotions, latest start first (a promotion withdrawn from every sku stays listed). */
export async function listPromotions(
  pool: Pool,
  scope: Scope,
  opts: { tenantId?: string; limit: number },
): Promise<PromotionSummary[]> {
  const where = scopeWhere(scope, 'tenant_id', null);
  const params: unknown[] = [...where.params];
  let sql = where.sql;
  if (opts.tenantId !== undefined) {
    sql += ' AND tenant_id = ?';
    params.push(opts.tenantId);
  }
  const [rows] = await pool.query(
    `SELECT tenant_id, id, name, starts_at, ends_at, store_ids, skus, rule, updated_at FROM promotions
      WHERE TRUE${sql} ORDER BY starts_at DESC, id LIMIT ?`,
    [...params, opts.limit],
  );
  return (
    rows as Array<{
      tenant_id: string;
      id: string;
      name: string;
      starts_at: string;
      ends_at: string;
      store_ids: string | null;
      skus: string;
      rule: string;
      updated_at: Date;
    }>
  ).map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    storeIds: r.store_ids === null ? null : (JSON.parse(r.store_ids) as string[]),
    skus: JSON.parse(r.skus) as string[],
    rule: JSON.parse(r.rule) as unknown,
    updatedAt: r.updated_at.toISOString(),
  }));
}

export interface StoreReadiness {
  storeId: string;
  name: string;
  /** Price changes (of those asked about) that go to this store. */
  priceChanges: number;
  received: number;
  printed: number;
  /** The earliest effectiveAt among those whose labels this store has not printed yet. */
  nextUnprintedAt: string | null;
}

/**
 * Label readiness per store over the given price changes: how many it has received and printed.
 * Store scope in the WHERE clause: a person scoped to two stores gets two rows.
 */
export async function labelReadiness(
  pool: Pool,
  scope: Scope,
  changes: Array<{ tenantId: string; id: string; effectiveAt: string }>,
): Promise<StoreReadiness[]> {
  if (changes.length === 0) return [];
  const where = scopeWhere(scope, 'pcs.tenant_id', 'pcs.store_id');
  const [rows] = await pool.query(
    `SELECT pcs.store_id, s.name, pcs.price_change_id, pcs.received_at IS NOT NULL AS received,
            pcs.labels_printed_at IS NOT NULL AS printed
       FROM price_change_stores pcs JOIN stores s ON s.id = pcs.store_id
      WHERE (pcs.tenant_id, pcs.price_change_id) IN (?)${where.sql}
      ORDER BY pcs.store_id`,
    [changes.map((c) => [c.tenantId, c.id]), ...where.params],
  );
  const effective = new Map(changes.map((c) => [c.id, c.effectiveAt]));
  const out = new Map<string, StoreReadiness>();
  for (const r of rows as Array<{
    store_id: string;
    name: string;
    price_change_id: string;
    received: number;
    printed: number;
  }>) {
    let s = out.get(r.store_id);
    if (!s) {
      s = {
        storeId: r.store_id,
        name: r.name,
        priceChanges: 0,
        received: 0,
        printed: 0,
        nextUnprintedAt: null,
      };
      out.set(r.store_id, s);
    }
    s.priceChanges++;
    if (Number(r.received)) s.received++;
    if (Number(r.printed)) s.printed++;
    else {
      const at = effective.get(r.price_change_id) ?? null;
      if (
        at &&
        (s.nextUnprintedAt === null || passedEverywhereAt(at) < passedEverywhereAt(s.nextUnprintedAt))
      )
        s.nextUnprintedAt = at;
    }
  }
  return [...out.values()];
}
