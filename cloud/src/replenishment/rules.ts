// Reorder rules per store and sku (PUT/GET /v1/stores/{storeId}/reorder-rules).
import { PROBLEM_CODES } from '@store-edge/protocol';
import { inScope, type Scope } from '../auth.js';
import type { Pool } from '../db.js';
import { cloudProblem, notFound } from '../problem.js';
import { ruleProblem } from './formula.js';

export interface RuleInput {
  sku: string;
  min: number;
  max: number;
  multiple?: number;
  leadDays?: number;
}

export interface StoredRule {
  sku: string;
  min: number;
  max: number;
  multiple: number;
  leadDays: number | null;
}

/** Rules one PUT may carry: a large store's whole range in one request, one transaction. */
export const MAX_RULES_PER_PUT = 5000;

/** The store's tenant when the store exists inside the scope; 404 otherwise (another tenant's too). */
export async function storeTenant(pool: Pool, scope: Scope, storeId: string): Promise<string> {
  const [rows] = await pool.query('SELECT tenant_id FROM stores WHERE id = ?', [storeId]);
  const tenantId = (rows as Array<{ tenant_id: string }>)[0]?.tenant_id;
  if (!tenantId || !inScope(scope, tenantId, storeId)) throw notFound(`store '${storeId}' does not exist`);
  return tenantId;
}

/**
 * Checks what the schema cannot (min ≤ max, one rule per sku) and throws 400 naming each
 * field, before anything is written: one bad rule refuses the whole list.
 */
export function checkRules(rules: RuleInput[]): void {
  const errors: Array<{ path: string; message: string }> = [];
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    const problem = ruleProblem({ min: r.min, max: r.max, multiple: r.multiple ?? 1 });
    if (problem) errors.push({ path: `/rules/${i}/${problem.field}`, message: problem.message });
    const first = seen.get(r.sku);
    if (first !== undefined)
      errors.push({ path: `/rules/${i}/sku`, message: `repeats the sku of /rules/${first}` });
    else seen.set(r.sku, i);
  });
  if (errors.length > 0) throw cloudProblem(PROBLEM_CODES.validation, 'invalid reorder rules', { errors });
}

/** Replaces the rules of the listed skus (others stay), in one transaction (one statement). */
export async function putRules(
  pool: Pool,
  scope: Scope,
  storeId: string,
  rules: RuleInput[],
): Promise<number> {
  checkRules(rules);
  const tenantId = await storeTenant(pool, scope, storeId);
  await pool.query(
    `INSERT INTO reorder_rules (store_id, sku, tenant_id, min_qty, max_qty, multiple, lead_days) VALUES ?
     ON DUPLICATE KEY UPDATE min_qty = VALUES(min_qty), max_qty = VALUES(max_qty), multiple = VALUES(multiple),
       lead_days = VALUES(lead_days), updated_at = NOW(6)`,
    [rules.map((r) => [storeId, r.sku, tenantId, r.min, r.max, r.multiple ?? 1, r.leadDays ?? null])],
  );
  return rules.length;
}

/** A page of the store's rules in sku order. */
export async function listRules(
  pool: Pool,
  scope: Scope,
  storeId: string,
  afterSku: string | undefined,
  limit: number,
): Promise<{ rules: StoredRule[]; nextAfterSku: string | null }> {
  await storeTenant(pool, scope, storeId);
  const [rows] = await pool.query(
    `SELECT sku, min_qty, max_qty, multiple, lead_days FROM reorder_rules
      WHERE store_id = ? AND sku > ? ORDER BY sku LIMIT ?`,
    [storeId, afterSku ?? '', limit + 1],
  );
  const list = (
    rows as Array<{
      sku: string;
      min_qty: number;
      max_qty: number;
      multiple: number;
      lead_days: number | null;
    }>
  ).map((r) => ({ sku: r.sku, min: r.min_qty, max: r.max_qty, multiple: r.multiple, leadDays: r.lead_days }));
  const more = list.length > limit;
  const page = more ? list.slice(0, limit) : list;
  return { rules: page, nextAfterSku: more ? (page[page.length - 1]?.sku ?? null) : null };
}
