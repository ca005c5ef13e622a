import {
  decimalAmount,
  type Movement,
  type MovementsPage,
  type Price,
  sameAmount,
} from '@store-edge/protocol';
import { forgetStoreCredentials, type Scope, scopeWhere } from './auth.js';
import { appendChanges, type NewChange } from './changes.js';
import { mysqlErrno, type Pool, type PoolConnection, toIso, withTransaction } from './db.js';
import { conflict, HttpProblem, notFound } from './problem.js';
import { hashToken, newStoreToken } from './tokens.js';

export async function createTenant(pool: Pool, t: { id: string; name: string }): Promise<void> {
  try {
    await pool.query('INSERT INTO tenants (id, name) VALUES (?, ?)', [t.id, t.name]);
  } catch (err) {
    if (mysqlErrno(err) === 1062) throw conflict(`tenant '${t.id}' exists`);
    throw err;
  }
}

async function issueToken(conn: PoolConnection, storeId: string, tenantId: string): Promise<string> {
  const token = newStoreToken();
  await conn.query('INSERT INTO store_tokens (token_hash, store_id, tenant_id) VALUES (?, ?, ?)', [
    hashToken(token),
    storeId,
    tenantId,
  ]);
  return token;
}

/** Creates a store and answers its token; only the hash is kept, so this is the one chance to see it. */
export async function createStore(
  pool: Pool,
  s: { id: string; tenantId: string; name: string },
): Promise<{ id: string; tenantId: string; name: string; token: string }> {
  return withTransaction(pool, async (conn) => {
    const [t] = await conn.query('SELECT id FROM tenants WHERE id = ?', [s.tenantId]);
    if ((t as unknown[]).length === 0) throw notFound(`tenant '${s.tenantId}' does not exist`);
    try {
      await conn.query('INSERT INTO stores (id, tenant_id, name) VALUES (?, ?, ?)', [
        s.id,
        s.tenantId,
        s.name,
      ]);
    } catch (err) {
      if (mysqlErrno(err) === 1062) throw conflict(`store '${s.id}' exists`);
      throw err;
    }
    return { ...s, token: await issueToken(conn, s.id, s.tenantId) };
  });
}

const EVERYTHING: Scope = { tenantId: null, stores: null };

/** Revokes every token of the store and issues a new one; a store outside `scope` does not exist (404). */
export async function rotateStoreToken(
  pool: Pool,
  storeId: string,
  scope: Scope = EVERYTHING,
): Promise<{ storeId: string; token: string }> {
  const rotated = await withTransaction(pool, async (conn) => {
    const w = scopeWhere(scope, 'tenant_id', 'id');
    const [rows] = await conn.query(`SELECT tenant_id FROM stores WHERE id = ?${w.sql} FOR UPDATE`, [
      storeId,
      ...w.params,
    ]);
    const tenantId = (rows as Array<{ tenant_id: string }>)[0]?.tenant_id;
    if (!tenantId) throw notFound(`store '${storeId}' does not exist`);
    await conn.query(
      'UPDATE store_tokens SET revoked_at = NOW(6) WHERE store_id = ? AND revoked_at IS NULL',
      [storeId],
    );
    return { storeId, token: await issueToken(conn, storeId, tenantId) };
  });
  forgetStoreCredentials(pool, storeId);
  return rotated;
}

export interface ItemInput {
  tenantId: string;
  name: string;
  gtins: string[];
  packs?: Array<{ gtin: string; qty: number }>;
  price: Price;
  /** Net content for the unit price on labels (issue 19). */
  netContent?: { amount: number | string; unit: string };
  /** Take GTINs that belong to another sku away from it; without it such a GTIN is refused (409). */
  moveGtins?: boolean;
}

/** GTIN-14 form (GS1 General Specifications 3.3.2): the key GTINs are compared by. */
const gtin14 = (g: string): string => g.padStart(14, '0');

interface ItemRow {
  name: string;
  gtins: string;
  packs: string;
  price_amount: number | string;
  price_currency: string;
  net_content: string | null;
}

/**
 * Each GTIN of `sku` (units and packs) in item_gtins, and none that it no longer lists. With
 * `move`, a GTIN another sku holds leaves that sku's entry (an `item` change goes out for it);
 * without, it is refused with 409 naming that sku.
 */
async function claimGtins(
  conn: PoolConnection,
  tenantId: string,
  sku: string,
  input: ItemInput,
): Promise<NewChange[]> {
  const places = [
    ...input.gtins.map((g, i) => ({ gtin: gtin14(g), path: `/gtins/${i}` })),
    ...(input.packs ?? []).map((p, i) => ({ gtin: gtin14(p.gtin), path: `/packs/${i}/gtin` })),
  ];
  const seen = new Map<string, string>();
  const dups: Array<{ path: string; message: string }> = [];
  for (const p of places) {
    const first = seen.get(p.gtin);
    if (first) dups.push({ path: p.path, message: `same GTIN as ${first}` });
    else seen.set(p.gtin, p.path);
  }
  if (dups.length > 0)
    throw new HttpProblem(400, 'Bad Request', 'a GTIN is listed twice', { code: 'validation', errors: dups });
  const codes = [...seen.keys()];
  const changes: NewChange[] = [];
  if (codes.length > 0) {
    const [rows] = await conn.query(
      'SELECT gtin, sku FROM item_gtins WHERE tenant_id = ? AND gtin IN (?) AND sku <> ? FOR UPDATE',
      [tenantId, codes, sku],
    );
    const taken = rows as Array<{ gtin: string; sku: string }>;
    if (taken.length > 0 && !input.moveGtins) {
      const owner = new Map(taken.map((t) => [t.gtin, t.sku]));
      const errors = places
        .filter((p) => owner.has(p.gtin))
        .map((p) => ({ path: p.path, message: `belongs to sku '${owner.get(p.gtin)}'` }));
      throw new HttpProblem(
        409,
        'Conflict',
        `${errors.map((e) => `${e.path} ${e.message}`).join('; ')}; send moveGtins: true to move it to '${sku}'`,
        { code: 'gtin-conflict', sku: taken[0]?.sku, errors },
      );
    }
    const losers = new Map<string, Set<string>>();
    for (const t of taken) losers.set(t.sku, (losers.get(t.sku) ?? new Set()).add(t.gtin));
    for (const [other, lost] of losers) {
      const [r] = await conn.query(
        'SELECT name, gtins, packs, net_content FROM items WHERE tenant_id = ? AND sku = ? FOR UPDATE',
        [tenantId, other],
      );
      const row = (r as Array<{ name: string; gtins: string; packs: string; net_content: string | null }>)[0];
      if (!row) continue;
      const name = row.name;
      const gtins = (JSON.parse(row.gtins) as string[]).filter((g) => !lost.has(gtin14(g)));
      const packs = (JSON.parse(row.packs) as Array<{ gtin: string; qty: number }>).filter(
        (p) => !lost.has(gtin14(p.gtin)),
      );
      await conn.query(
        'UPDATE items SET gtins = ?, packs = ?, updated_at = NOW(6) WHERE tenant_id = ? AND sku = ?',
        [JSON.stringify(gtins), JSON.stringify(packs), tenantId, other],
      );
      const netContent = row.net_content ? (JSON.parse(row.net_content) as unknown) : undefined;
      changes.push({
        storeId: null,
        kind: 'item',
        data: { sku: other, name, gtins, packs, ...(netContent ? { netContent } : {}) },
      });
    }
    await conn.query('DELETE FROM item_gtins WHERE tenant_id = ? AND gtin IN (?)', [tenantId, codes]);
  }
  await conn.query('DELETE FROM item_gtins WHERE tenant_id = ? AND sku = ?', [tenantId, sku]);
  if (codes.length > 0)
    await conn.query('INSERT INTO item_gtins (tenant_id, gtin, sku) VALUES ?', [
      codes.map((g) => [tenantId, g, sku]),
    ]);
  return changes;
}

/**
 * Upserts a catalog entry; an `item` change goes out when catalog fields changed, a `price`
 * change when the price did. Both reach every store of the tenant.
 */
export async function putItem(
  pool: Pool,
  sku: string,
  input: ItemInput,
  scope: Scope = EVERYTHING,
): Promise<{ changed: boolean }> {
  return withTransaction(pool, async (conn) => {
    // Another tenant than the caller's is not there for it (404), like one that does not exist.
    const w = scopeWhere(scope, 'id', null);
    const [t] = await conn.query(`SELECT id FROM tenants WHERE id = ?${w.sql} FOR UPDATE`, [
      input.tenantId,
      ...w.params,
    ]);
    if ((t as unknown[]).length === 0) throw notFound(`tenant '${input.tenantId}' does not exist`);
    const [rows] = await conn.query(
      'SELECT name, gtins, packs, price_amount, price_currency, net_content FROM items WHERE tenant_id = ? AND sku = ?',
      [input.tenantId, sku],
    );
    const old = (rows as ItemRow[])[0];
    // Exact decimal text (CONTRACT.md: a JSON number or a decimal string, kept exact): stored
    // into DECIMAL(14,4) and sent down the feed as text, never through a rounded float.
    const amount = decimalAmount(input.price.amount);
    if (amount === null) {
      throw new HttpProblem(400, 'Bad Request', 'price.amount: at most 10 integer and 4 fractional digits', {
        code: 'validation',
        errors: [{ path: '/price/amount', message: 'at most 10 integer and 4 fractional digits' }],
      });
    }
    let netContent: { amount: string; unit: string } | null = null;
    if (input.netContent) {
      const n = decimalAmount(input.netContent.amount);
      if (n === null || /^0+(\.0+)?$/.test(n)) {
        throw new HttpProblem(400, 'Bad Request', 'netContent.amount: a positive decimal', {
          code: 'validation',
          errors: [
            { path: '/netContent/amount', message: 'a positive decimal, at most 4 fractional digits' },
          ],
        });
      }
      netContent = { amount: n, unit: input.netContent.unit };
    }
    const netJson = netContent ? JSON.stringify(netContent) : null;
    const gtinChanges = await claimGtins(conn, input.tenantId, sku, input);
    const gtins = JSON.stringify(input.gtins);
    const packs = JSON.stringify(input.packs ?? []);
    const itemChanged =
      !old ||
      old.name !== input.name ||
      old.gtins !== gtins ||
      old.packs !== packs ||
      (old.net_content ?? null) !== netJson;
    const priceChanged =
      !old || !sameAmount(old.price_amount, amount) || old.price_currency !== input.price.currency;
    if (!itemChanged && !priceChanged && gtinChanges.length === 0) return { changed: false };
    await conn.query(
      `INSERT INTO items (tenant_id, sku, name, gtins, packs, price_amount, price_currency, net_content)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE name = VALUES(name), gtins = VALUES(gtins), packs = VALUES(packs),
         price_amount = VALUES(price_amount), price_currency = VALUES(price_currency),
         net_content = VALUES(net_content), updated_at = NOW(6)`,
      [input.tenantId, sku, input.name, gtins, packs, amount, input.price.currency, netJson],
    );
    const changes: NewChange[] = [...gtinChanges];
    if (itemChanged) {
      changes.push({
        storeId: null,
        kind: 'item',
        data: {
          sku,
          name: input.name,
          gtins: input.gtins,
          packs: input.packs ?? [],
          ...(netContent ? { netContent } : {}),
        },
      });
    }
    if (priceChanged)
      changes.push({
        storeId: null,
        kind: 'price',
        data: { sku, price: { amount, currency: input.price.currency } },
      });
    await appendChanges(conn, input.tenantId, changes);
    return { changed: true };
  });
}

export interface StockRow {
  tenantId: string;
  storeId: string;
  sku: string;
  location: string;
  onHand: number;
  reserved: number;
  available: number;
}

/** Stock of `sku` in the stores of `scope` (and of `tenantId` when given). */
export async function stockBySku(
  pool: Pool,
  sku: string,
  tenantId?: string,
  scope: Scope = EVERYTHING,
): Promise<StockRow[]> {
  const w = scopeWhere(scope, 'tenant_id', 'store_id');
  const [rows] = await pool.query(
    `SELECT tenant_id, store_id, sku, location, on_hand, reserved FROM stock
      WHERE sku = ? ${tenantId ? 'AND tenant_id = ?' : ''}${w.sql} ORDER BY tenant_id, store_id, location`,
    [sku, ...(tenantId ? [tenantId] : []), ...w.params],
  );
  return (
    rows as Array<{
      tenant_id: string;
      store_id: string;
      sku: string;
      location: string;
      on_hand: number;
      reserved: number;
    }>
  ).map((r) => ({
    tenantId: r.tenant_id,
    storeId: r.store_id,
    sku: r.sku,
    location: r.location,
    onHand: Number(r.on_hand),
    reserved: Number(r.reserved),
    available: Number(r.on_hand) - Number(r.reserved),
  }));
}

interface MovementRow {
  seq: number;
  id: string;
  type: Movement['type'];
  sku: string;
  location: string;
  qty: number;
  at: Date;
  ref: string | null;
  reason: string | null;
  source: string | null;
  actor: string | null;
}

/** One page of a store's replicated movements, in seq order (audits; edge restore); outside `scope`: 404. */
export async function movementsPage(
  pool: Pool,
  storeId: string,
  scope: Scope,
  afterSeq: number,
  limit: number,
): Promise<MovementsPage> {
  const ws = scopeWhere(scope, 'tenant_id', 'id');
  const [s] = await pool.query(`SELECT applied_seq FROM stores WHERE id = ?${ws.sql}`, [
    storeId,
    ...ws.params,
  ]);
  const store = (s as Array<{ applied_seq: number }>)[0];
  if (!store) throw notFound(`store '${storeId}' does not exist`);
  const wm = scopeWhere(scope, 'tenant_id', 'store_id');
  const [rows] = await pool.query(
    `SELECT seq, id, type, sku, location, qty, at, ref, reason, source, actor FROM movements
      WHERE store_id = ? AND seq > ?${wm.sql} ORDER BY seq LIMIT ?`,
    [storeId, afterSeq, ...wm.params, limit],
  );
  const list = rows as MovementRow[];
  const movements = list.map((r) => {
    const movement: Movement = {
      id: r.id,
      type: r.type,
      sku: r.sku,
      location: r.location,
      qty: Number(r.qty),
      at: toIso(r.at),
    };
    if (r.ref !== null) movement.ref = r.ref;
    if (r.reason !== null) movement.reason = r.reason;
    if (r.source !== null) movement.source = r.source;
    if (r.actor !== null) movement.actor = r.actor;
    return { seq: Number(r.seq), movement };
  });
  return {
    movements,
    nextAfterSeq: movements.length > 0 ? (movements[movements.length - 1]?.seq ?? afterSeq) : afterSeq,
    appliedSeq: Number(store.applied_seq),
  };
}
