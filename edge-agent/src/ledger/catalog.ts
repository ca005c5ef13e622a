import type { Db } from '../db/database.js';

export interface Price {
  amount: string;
  currency: string;
}

export interface CatalogItem {
  sku: string;
  name: string;
  gtins: string[];
  packs?: Array<{ gtin: string; qty: number }>;
  price?: Price;
  unit?: string;
  /** Net content for the unit price on labels (issue 19): `{amount: '500', unit: 'g'}`. */
  netContent?: { amount: string; unit: 'g' | 'kg' | 'ml' | 'l' | 'cm' | 'm' | 'piece' };
}

export interface ResolvedCode {
  sku: string;
  /** Units one scan of this code stands for: 1 for a unit GTIN, N for a case GTIN. */
  packQty: number;
}

/** GTIN-8/12/13/14 digits padded to GTIN-14, the form the catalog keys GTINs by (GS1 GenSpecs §3.3.2). */
export function toGtin14(code: string): string | null {
  if (!/^\d+$/.test(code)) return null;
  if (![8, 12, 13, 14].includes(code.length)) return null;
  return code.padStart(14, '0');
}

/**
 * Turns what a scanner or a client sent into a sku. Richer code forms (GS1 element strings,
 * Digital Link, EPC) are reduced to a GTIN by `extractGtin`, supplied by the drivers' parser.
 */
export type GtinExtractor = (code: string) => string | null;

export class Catalog {
  private readonly byCode;
  private readonly bySku;
  private readonly skuExists;
  private readonly upsertItem;
  private readonly deleteCodes;
  private readonly insertCode;

  constructor(
    private readonly db: Db,
    private readonly extractGtin: GtinExtractor = toGtin14,
  ) {
    this.byCode = db.prepare<[string], { sku: string; pack_qty: number }>(
      'SELECT sku, pack_qty FROM item_codes WHERE code = ?',
    );
    this.skuExists = db.prepare<[string], { 1: number }>('SELECT 1 FROM items WHERE sku = ?');
    this.bySku = db.prepare<[string], { data: string }>('SELECT data FROM items WHERE sku = ?');
    this.upsertItem = db.prepare(
      `INSERT INTO items (sku, name, price_amount, price_currency, unit, data, updated_at, origin)
       VALUES (@sku, @name, @amount, @currency, @unit, @data, @now, @origin)
       ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_amount = excluded.price_amount,
         price_currency = excluded.price_currency, unit = excluded.unit, data = excluded.data,
         updated_at = excluded.updated_at, origin = excluded.origin`,
    );
    this.deleteCodes = db.prepare('DELETE FROM item_codes WHERE sku = ?');
    this.insertCode = db.prepare(
      'INSERT INTO item_codes (code, sku, pack_qty) VALUES (?, ?, ?) ON CONFLICT (code) DO UPDATE SET sku = excluded.sku, pack_qty = excluded.pack_qty',
    );
  }

  get(sku: string): CatalogItem | null {
    const row = this.bySku.get(sku);
    return row ? (JSON.parse(row.data) as CatalogItem) : null;
  }

  has(sku: string): boolean {
    return this.skuExists.get(sku) !== undefined;
  }

  /** Code → sku and pack size: exact code, then its GTIN-14, then a sku of that name. */
  resolve(code: string): ResolvedCode | null {
    const exact = this.byCode.get(code);
    if (exact) return { sku: exact.sku, packQty: exact.pack_qty };
    const gtin = this.extractGtin(code);
    if (gtin) {
      const hit = this.byCode.get(gtin);
      if (hit) return { sku: hit.sku, packQty: hit.pack_qty };
    }
    if (this.has(code)) return { sku: code, packQty: 1 };
    return null;
  }

  /** The sku a GTIN (unit or case) belongs to, if any; any GTIN length, compared as GTIN-14. */
  ownerOf(gtin: string): string | null {
    return this.byCode.get(toGtin14(gtin) ?? gtin)?.sku ?? null;
  }

  /**
   * Creates or replaces a catalog entry and its codes. Call inside a transaction. A GTIN another
   * item held moves to this one, and leaves that item's entry too (its `gtins` or `packs`), so no
   * entry lists a code that scans as something else; answers the skus that lost a GTIN. The
   * local API refuses such a move unless asked (`moveGtins`); the cloud's feed is the authority.
   */
  put(item: CatalogItem, origin: 'local' | 'cloud', now = new Date()): string[] {
    const codes = [...item.gtins, ...(item.packs ?? []).map((p) => p.gtin)].map((g) => toGtin14(g) ?? g);
    const losers = new Map<string, Set<string>>();
    for (const code of codes) {
      const owner = this.byCode.get(code)?.sku;
      if (owner && owner !== item.sku) losers.set(owner, (losers.get(owner) ?? new Set()).add(code));
    }
    for (const [owner, lost] of losers) {
      const prev = this.get(owner);
      if (!prev) continue;
      const keep = (g: string) => !lost.has(toGtin14(g) ?? g);
      const next: CatalogItem = { ...prev, gtins: prev.gtins.filter(keep) };
      if (prev.packs) next.packs = prev.packs.filter((p) => keep(p.gtin));
      this.db
        .prepare('UPDATE items SET data = ?, updated_at = ? WHERE sku = ?')
        .run(JSON.stringify(next), now.toISOString(), owner);
    }
    this.upsertItem.run({
      sku: item.sku,
      name: item.name,
      amount: item.price?.amount ?? null,
      currency: item.price?.currency ?? null,
      unit: item.unit ?? null,
      data: JSON.stringify(item),
      now: now.toISOString(),
      origin,
    });
    this.deleteCodes.run(item.sku);
    for (const g of item.gtins) this.insertCode.run(toGtin14(g) ?? g, item.sku, 1);
    for (const p of item.packs ?? []) this.insertCode.run(toGtin14(p.gtin) ?? p.gtin, item.sku, p.qty);
    return [...losers.keys()];
  }

  list(opts: { q?: string; limit: number }): CatalogItem[] {
    const rows = opts.q
      ? this.db
          .prepare<[string, string, string, number], { data: string }>(
            `SELECT DISTINCT i.data FROM items i LEFT JOIN item_codes c ON c.sku = i.sku
             WHERE i.sku LIKE ? OR i.name LIKE ? OR c.code = ? ORDER BY i.sku LIMIT ?`,
          )
          .all(`%${opts.q}%`, `%${opts.q}%`, toGtin14(opts.q) ?? opts.q, opts.limit)
      : this.db
          .prepare<[number], { data: string }>('SELECT data FROM items ORDER BY sku LIMIT ?')
          .all(opts.limit);
    return rows.map((r) => JSON.parse(r.data) as CatalogItem);
  }
}
