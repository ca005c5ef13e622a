import {
  decimalAmount,
  type PriceChangeEntry,
  type PromotionChange,
  type PromotionRule,
} from '@store-edge/protocol';
import type { Db } from '../db/database.js';
import type { StoredRule } from './book.js';
import { resolveEffectiveAt } from './zone.js';

/** Amounts in a rule as exact decimal strings (the feed may carry numbers). */
export function storedRule(rule: PromotionRule): StoredRule | null {
  switch (rule.kind) {
    case 'percent':
      return { kind: 'percent', value: Math.round(rule.value * 100) / 100 };
    case 'amount': {
      const value = decimalAmount(rule.value);
      return value === null ? null : { kind: 'amount', value };
    }
    case 'fixed': {
      const amount = decimalAmount(rule.amount);
      return amount === null ? null : { kind: 'fixed', amount };
    }
    case 'multi-buy': {
      const amount = decimalAmount(rule.amount);
      return amount === null ? null : { kind: 'multi-buy', qty: rule.qty, amount };
    }
  }
}

/**
 * Writes what the change feed brings (scheduled regular prices and promotions) into SQLite,
 * inside the feed's transaction (replication/feed-handlers.ts): only database writes here.
 * Each entry carries the full state of what it names, so applying it twice changes nothing.
 */
export class PriceSchedule {
  private readonly upsertPrice;
  private readonly upsertPromo;
  private readonly deletePromoSkus;
  private readonly insertPromoSku;
  /** Effective texts already resolved: a batch repeats one text for thousands of entries. */
  private readonly resolved = new Map<string, number | null>();

  constructor(
    db: Db,
    private readonly zone: string,
    private readonly warn: (msg: string, data: Record<string, unknown>) => void,
  ) {
    this.upsertPrice = db.prepare<[string, string, number, string, string, string]>(
      `INSERT INTO regular_prices (change_id, sku, effective_at, effective_text, amount, currency)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (change_id, sku) DO UPDATE SET effective_at = excluded.effective_at,
         effective_text = excluded.effective_text, amount = excluded.amount, currency = excluded.currency`,
    );
    this.upsertPromo = db.prepare<[string, string, string, number, number, string, string]>(
      `INSERT INTO promotions (id, name, rule, starts_at, ends_at, starts_text, ends_text)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, rule = excluded.rule,
         starts_at = excluded.starts_at, ends_at = excluded.ends_at,
         starts_text = excluded.starts_text, ends_text = excluded.ends_text`,
    );
    this.deletePromoSkus = db.prepare<[string]>('DELETE FROM promotion_skus WHERE promotion_id = ?');
    this.insertPromoSku = db.prepare<[string, string, number, number]>(
      'INSERT OR REPLACE INTO promotion_skus (sku, promotion_id, starts_at, ends_at) VALUES (?, ?, ?, ?)',
    );
  }

  private resolve(text: string): number | null {
    let ms = this.resolved.get(text);
    if (ms === undefined) {
      ms = resolveEffectiveAt(text, this.zone)?.getTime() ?? null;
      if (this.resolved.size >= 10_000) this.resolved.clear();
      this.resolved.set(text, ms);
    }
    return ms;
  }

  /** One `price-change` entry; answers its effective instant (null: refused, logged). */
  applyPriceChange(entry: PriceChangeEntry): number | null {
    const ms = this.resolve(entry.effectiveAt);
    if (ms === null) {
      this.warn('price change with an unreadable effectiveAt skipped', {
        id: entry.id,
        effectiveAt: entry.effectiveAt,
      });
      return null;
    }
    for (const line of entry.lines) {
      const amount = decimalAmount(line.amount);
      if (amount === null) {
        this.warn('price change line with a bad amount skipped', { id: entry.id, sku: line.sku });
        continue;
      }
      this.upsertPrice.run(entry.id, line.sku, ms, entry.effectiveAt, amount, line.currency);
    }
    return ms;
  }

  /** One `promotion`: replaces its period, rule and skus. */
  applyPromotion(p: PromotionChange): { startsAt: number; endsAt: number } | null {
    const s = this.resolve(p.startsAt);
    const e = this.resolve(p.endsAt);
    const rule = storedRule(p.rule);
    if (s === null || e === null || !rule) {
      this.warn('promotion with an unreadable period or rule skipped', { id: p.id });
      return null;
    }
    this.upsertPromo.run(p.id, p.name, JSON.stringify(rule), s, e, p.startsAt, p.endsAt);
    this.deletePromoSkus.run(p.id);
    for (const sku of new Set(p.skus)) this.insertPromoSku.run(sku, p.id, s, e);
    return { startsAt: s, endsAt: e };
  }

  /** A price set at once (PUT /items, the cloud's `price` kind): history from `at` on. */
  recordImmediate(sku: string, price: { amount: string; currency: string }, at: number): void {
    this.upsertPrice.run(`item:${at}`, sku, at, new Date(at).toISOString(), price.amount, price.currency);
  }
}
