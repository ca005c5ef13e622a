import { createHash } from 'node:crypto';
import {
  decimalAmount,
  effectiveAtProblem,
  hasOffset,
  PRICE_CHANGE_LINES_PER_ENTRY,
  type PriceChangeEntry,
  type PromotionChange,
  type PromotionRule,
} from '@store-edge/protocol';
import { inScope, type Scope } from '../auth.js';
import { appendChanges, type NewChange } from '../changes.js';
import { type Pool, type PoolConnection, toIso, withTransaction } from '../db.js';
import { conflict, HttpProblem, notFound } from '../problem.js';

type FieldError = { path: string; message: string };

function invalid(errors: FieldError[]): HttpProblem {
  return new HttpProblem(400, 'Bad Request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
    code: 'validation',
    errors,
  });
}

export interface PriceChangeInput {
  id: string;
  tenantId: string;
  effectiveAt: string;
  storeIds?: string[];
  changes: Array<{ sku: string; amount: number | string; currency: string }>;
}

/** The tenant exists and is in scope (else 404), and the listed stores are its own and in scope. */
async function checkTarget(
  conn: PoolConnection,
  scope: Scope,
  tenantId: string,
  storeIds: string[] | undefined,
): Promise<string[]> {
  if (!inScope(scope, tenantId, null)) throw notFound(`tenant '${tenantId}' does not exist`);
  const [t] = await conn.query('SELECT id FROM tenants WHERE id = ? FOR UPDATE', [tenantId]);
  if ((t as unknown[]).length === 0) throw notFound(`tenant '${tenantId}' does not exist`);
  const [rows] = await conn.query('SELECT id FROM stores WHERE tenant_id = ?', [tenantId]);
  const all = (rows as Array<{ id: string }>).map((r) => r.id).filter((id) => inScope(scope, tenantId, id));
  if (storeIds === undefined) {
    // A person limited to some stores cannot speak for the whole tenant.
    if (scope.stores !== null)
      throw invalid([{ path: '/storeIds', message: 'name the stores: you may act for some stores only' }]);
    return all;
  }
  const known = new Set(all);
  const errors = storeIds
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => !known.has(s))
    .map(({ s, i }) => ({ path: `/storeIds/${i}`, message: `no store '${s}' in tenant '${tenantId}'` }));
  if (errors.length > 0) throw invalid(errors);
  return [...new Set(storeIds)];
}

/** The feed entries of a change (per store when listed), and the last cursor handed out. */
async function append(
  conn: PoolConnection,
  tenantId: string,
  storeIds: string[] | undefined,
  entries: unknown[],
  kind: 'price-change' | 'promotion',
): Promise<number> {
  const changes: NewChange[] = [];
  for (const storeId of storeIds ?? [null]) for (const data of entries) changes.push({ storeId, kind, data });
  await appendChanges(conn, tenantId, changes);
  const [rows] = await conn.query('SELECT change_cursor FROM tenants WHERE id = ?', [tenantId]);
  return Number((rows as Array<{ change_cursor: number }>)[0]?.change_cursor ?? 0);
}

/**
 * A regular price change (POST /v1/price-changes): stored, sent down the feed in entries of
 * {@link PRICE_CHANGE_LINES_PER_ENTRY} skus, and one price_change_stores row per target store.
 * The same id with the same content answers as before (a retried POST); other content: 409.
 */
export async function createPriceChange(
  pool: Pool,
  scope: Scope,
  input: PriceChangeInput,
): Promise<{ created: boolean; id: string; stores: number; lines: number }> {
  const errors: FieldError[] = [];
  const problem = effectiveAtProblem(input.effectiveAt);
  if (problem) errors.push({ path: '/effectiveAt', message: problem });
  const seen = new Set<string>();
  const lines = input.changes.map((c, i) => {
    const amount = decimalAmount(c.amount);
    if (amount === null)
      errors.push({ path: `/changes/${i}/amount`, message: 'at most 10 integer and 4 fractional digits' });
    if (seen.has(c.sku))
      errors.push({ path: `/changes/${i}/sku`, message: `sku '${c.sku}' is listed twice` });
    seen.add(c.sku);
    return { sku: c.sku, amount: amount ?? '0', currency: c.currency };
  });
  if (errors.length > 0) throw invalid(errors);
  const hash = createHash('sha256')
    .update(JSON.stringify([input.effectiveAt, input.storeIds ?? null, lines]))
    .digest('hex');
  return withTransaction(pool, async (conn) => {
    const stores = await checkTarget(conn, scope, input.tenantId, input.storeIds);
    const [prev] = await conn.query(
      'SELECT content_hash, line_count, store_ids FROM price_changes WHERE tenant_id = ? AND id = ?',
      [input.tenantId, input.id],
    );
    const old = (prev as Array<{ content_hash: string; line_count: number }>)[0];
    if (old) {
      if (old.content_hash !== hash)
        throw conflict(`price change '${input.id}' exists with other content; use a new id`);
      return { created: false, id: input.id, stores: stores.length, lines: Number(old.line_count) };
    }
    const entries: PriceChangeEntry[] = [];
    for (let i = 0; i < lines.length; i += PRICE_CHANGE_LINES_PER_ENTRY)
      entries.push({
        id: input.id,
        effectiveAt: input.effectiveAt,
        lines: lines.slice(i, i + PRICE_CHANGE_LINES_PER_ENTRY),
      });
    const last = await append(conn, input.tenantId, input.storeIds && stores, entries, 'price-change');
    await conn.query(
      `INSERT INTO price_changes (tenant_id, id, effective_at, store_ids, content_hash, line_count, last_cursor)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [
        input.tenantId,
        input.id,
        input.effectiveAt,
        input.storeIds ? JSON.stringify(stores) : null,
        hash,
        lines.length,
        last,
      ],
    );
    for (let i = 0; i < lines.length; i += 1000) {
      await conn.query(
        'INSERT INTO price_change_lines (tenant_id, price_change_id, sku, amount, currency) VALUES ?',
        [lines.slice(i, i + 1000).map((l) => [input.tenantId, input.id, l.sku, l.amount, l.currency])],
      );
    }
    if (stores.length > 0)
      await conn.query(
        'INSERT INTO price_change_stores (store_id, price_change_id, tenant_id, cursor_no) VALUES ?',
        [stores.map((s) => [s, input.id, input.tenantId, last])],
      );
    return { created: true, id: input.id, stores: stores.length, lines: lines.length };
  });
}

export interface PriceChangeStatus {
  id: string;
  effectiveAt: string;
  stores: Array<{ storeId: string; receivedAt: string | null; labelsPrintedAt: string | null }>;
}

/** GET /v1/price-changes/{id}: per store, received and labels printed (only stores in scope). */
export async function priceChangeStatus(pool: Pool, scope: Scope, id: string): Promise<PriceChangeStatus> {
  const tenantCond = scope.tenantId === null ? '' : ' AND tenant_id = ?';
  const [rows] = await pool.query(
    `SELECT tenant_id, effective_at FROM price_changes WHERE id = ?${tenantCond} ORDER BY tenant_id LIMIT 1`,
    scope.tenantId === null ? [id] : [id, scope.tenantId],
  );
  const change = (rows as Array<{ tenant_id: string; effective_at: string }>)[0];
  if (!change) throw notFound(`no price change '${id}'`);
  const [s] = await pool.query(
    `SELECT store_id, received_at, labels_printed_at FROM price_change_stores
      WHERE tenant_id = ? AND price_change_id = ? ORDER BY store_id`,
    [change.tenant_id, id],
  );
  const stores = (s as Array<{ store_id: string; received_at: Date | null; labels_printed_at: Date | null }>)
    .filter((r) => inScope(scope, change.tenant_id, r.store_id))
    .map((r) => ({
      storeId: r.store_id,
      receivedAt: r.received_at === null ? null : toIso(r.received_at),
      labelsPrintedAt: r.labels_printed_at === null ? null : toIso(r.labels_printed_at),
    }));
  return { id, effectiveAt: change.effective_at, stores };
}

/**
 * The store polled its feed with `after`: everything at or below it is applied at the store
 * (the agent commits a page and its cursor together), so its price changes up to that cursor
 * are received. One indexed update per poll that moved forward; none while it stays put.
 */
export class ReceiptTracker {
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly pool: Pool,
    private readonly max = 100_000,
  ) {}

  async polled(storeId: string, after: number): Promise<void> {
    if (after <= 0 || (this.seen.get(storeId) ?? -1) >= after) return;
    await this.pool.query(
      `UPDATE price_change_stores SET received_at = NOW(6)
        WHERE store_id = ? AND received_at IS NULL AND cursor_no IS NOT NULL AND cursor_no <= ?`,
      [storeId, after],
    );
    this.seen.delete(storeId);
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(storeId, after);
  }
}

export interface PromotionInput {
  tenantId: string;
  name: string;
  startsAt: string;
  endsAt: string;
  storeIds?: string[];
  skus: string[];
  rule: PromotionRule;
}

/** A rule with its amounts as exact decimal strings, or the field errors. */
function ruleOf(rule: PromotionRule, errors: FieldError[]): PromotionRule {
  const dec = (v: number | string, path: string): string => {
    const d = decimalAmount(v);
    if (d === null) errors.push({ path, message: 'at most 10 integer and 4 fractional digits' });
    return d ?? '0';
  };
  switch (rule.kind) {
    case 'percent': {
      const hundredths = rule.value * 100;
      if (Math.abs(hundredths - Math.round(hundredths)) > 1e-6)
        errors.push({ path: '/rule/value', message: 'a percentage with at most 2 decimals' });
      return { kind: 'percent', value: Math.round(hundredths) / 100 };
    }
    case 'amount':
      return { kind: 'amount', value: dec(rule.value, '/rule/value') };
    case 'fixed':
      return { kind: 'fixed', amount: dec(rule.amount, '/rule/amount') };
    case 'multi-buy':
      return { kind: 'multi-buy', qty: rule.qty, amount: dec(rule.amount, '/rule/amount') };
  }
}

/**
 * PUT /v1/promotions/{id}: creates or replaces a promotion. Stores that no longer take part get
 * it with no skus (it ends there at once, without a message); the others get its full state.
 */
export async function putPromotion(
  pool: Pool,
  scope: Scope,
  id: string,
  input: PromotionInput,
): Promise<{ id: string; changed: boolean }> {
  const errors: FieldError[] = [];
  for (const f of ['startsAt', 'endsAt'] as const) {
    const p = effectiveAtProblem(input[f]);
    if (p) errors.push({ path: `/${f}`, message: p });
  }
  if (errors.length === 0 && hasOffset(input.startsAt) === hasOffset(input.endsAt)) {
    const before = hasOffset(input.startsAt)
      ? Date.parse(input.startsAt) < Date.parse(input.endsAt)
      : input.startsAt.padEnd(23, ':00.000') < input.endsAt.padEnd(23, ':00.000');
    if (!before) errors.push({ path: '/endsAt', message: 'must be after startsAt' });
  }
  const rule = ruleOf(input.rule, errors);
  if (errors.length > 0) throw invalid(errors);
  const skus = [...new Set(input.skus)];
  const data: PromotionChange = {
    id,
    name: input.name,
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    skus,
    rule,
  };
  const storeJson = input.storeIds ? JSON.stringify([...new Set(input.storeIds)].sort()) : null;
  return withTransaction(pool, async (conn) => {
    const stores = await checkTarget(conn, scope, input.tenantId, input.storeIds);
    const [prev] = await conn.query(
      'SELECT name, starts_at, ends_at, store_ids, skus, rule FROM promotions WHERE tenant_id = ? AND id = ? FOR UPDATE',
      [input.tenantId, id],
    );
    const old = (
      prev as Array<{
        name: string;
        starts_at: string;
        ends_at: string;
        store_ids: string | null;
        skus: string;
        rule: string;
      }>
    )[0];
    const same =
      old &&
      old.name === data.name &&
      old.starts_at === data.startsAt &&
      old.ends_at === data.endsAt &&
      old.store_ids === storeJson &&
      old.skus === JSON.stringify(skus) &&
      old.rule === JSON.stringify(rule);
    if (same) return { id, changed: false };
    await conn.query(
      `INSERT INTO promotions (tenant_id, id, name, starts_at, ends_at, store_ids, skus, rule) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE name = VALUES(name), starts_at = VALUES(starts_at), ends_at = VALUES(ends_at),
         store_ids = VALUES(store_ids), skus = VALUES(skus), rule = VALUES(rule), updated_at = NOW(6)`,
      [
        input.tenantId,
        id,
        data.name,
        data.startsAt,
        data.endsAt,
        storeJson,
        JSON.stringify(skus),
        JSON.stringify(rule),
      ],
    );
    const withdrawn: PromotionChange = { ...data, skus: [] };
    if (old) {
      const oldStores = old.store_ids === null ? null : (JSON.parse(old.store_ids) as string[]);
      if (oldStores === null && input.storeIds)
        await append(conn, input.tenantId, undefined, [withdrawn], 'promotion');
      else if (oldStores !== null) {
        const gone = oldStores.filter((s) => !(input.storeIds ? stores.includes(s) : true));
        if (gone.length > 0) await append(conn, input.tenantId, gone, [withdrawn], 'promotion');
      }
    }
    await append(conn, input.tenantId, input.storeIds && stores, [data], 'promotion');
    return { id, changed: true };
  });
}
