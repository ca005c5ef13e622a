import type { PromotionRule } from '@store-edge/protocol';
import type { Db } from '../db/database.js';
import type { Price } from '../ledger/catalog.js';
import { formatUnits, minorDigits, toUnits } from './money.js';
import type { PriceBook, PriceInForce, PriceMoment, PromotionInForce } from './types.js';

const DAY = 86_400_000;
/**
 * Directive 98/6/EC Art. 6a (inserted by the Omnibus Directive (EU) 2019/2161): an announced
 * price reduction states the lowest price applied during a period of not less than 30 days
 * before the reduction.
 */
export const PRIOR_PRICE_DAYS = 30;
/** Breakpoints looked at per 30-day window: bounds a lookup whatever the history holds. */
const MAX_WINDOW_POINTS = 500;

/** A promotion rule with its amounts as decimal strings (as the feed carries them). */
export type StoredRule = PromotionInForce['rule'];

interface PromoRow {
  id: string;
  name: string;
  rule: string;
  starts_at: number;
  ends_at: number;
}

interface Candidate {
  promo: PromotionInForce;
  startsAt: number;
  /** Per unit when the promotion's quantity is bought; what precedence compares. */
  perUnit: bigint;
  /** What one unit costs under it (a multi-buy leaves one unit at the regular price). */
  unit: bigint;
}

/**
 * What a unit costs under a rule, exact and rounded half up to the currency's minor unit.
 * percent/amount/fixed change the one-unit price; multi-buy (N for X) leaves one unit at the
 * regular price and is compared by X / N (docs/prices.md "Precedence").
 */
export function applyRule(
  regular: bigint,
  rule: StoredRule,
  currency: string,
): { unit: bigint; perUnit: bigint } {
  const step = 10n ** BigInt(4 - Math.min(4, minorDigits(currency)));
  const roundDiv = (num: bigint, den: bigint): bigint => {
    // num/den rounded half up to `step` units.
    const q = num / (den * step);
    const r = num % (den * step);
    return (r * 2n >= den * step ? q + 1n : q) * step;
  };
  const clamp = (u: bigint) => (u < 0n ? 0n : u);
  switch (rule.kind) {
    case 'percent': {
      const p = BigInt(Math.round(rule.value * 100));
      const u = clamp(roundDiv(regular * (10_000n - p), 10_000n));
      return { unit: u, perUnit: u };
    }
    case 'amount': {
      const u = clamp(regular - toUnits(rule.value));
      return { unit: u, perUnit: u };
    }
    case 'fixed': {
      const u = toUnits(rule.amount);
      return { unit: u, perUnit: u };
    }
    case 'multi-buy':
      return { unit: regular, perUnit: roundDiv(toUnits(rule.amount), BigInt(rule.qty)) };
  }
}

/**
 * Precedence when several promotions are in force for an item (docs/prices.md): the lowest
 * per-unit price wins; a tie goes to the promotion that started latest, then to the smaller id.
 * A promotion that does not lower the price (fixed above regular) never applies.
 */
export function bestPromotion<T extends { perUnit: bigint; startsAt: number; promo: { id: string } }>(
  regular: bigint,
  candidates: T[],
): T | null {
  let best: T | null = null;
  for (const c of candidates) {
    if (c.perUnit >= regular) continue;
    if (
      !best ||
      c.perUnit < best.perUnit ||
      (c.perUnit === best.perUnit &&
        (c.startsAt > best.startsAt || (c.startsAt === best.startsAt && c.promo.id < best.promo.id)))
    )
      best = c;
  }
  return best;
}

/** The store's prices over time, read from SQLite (migration 011) on every call. */
export class SqlitePriceBook implements PriceBook {
  private readonly regularAt;
  private readonly catalogPrice;
  private readonly promosAt;
  private readonly regularAfter;
  private readonly promoStartAfter;
  private readonly promoEndAfter;
  private readonly regularBetween;
  private readonly startsBetween;
  private readonly endsBetween;
  private readonly rules = new Map<string, { text: string; rule: StoredRule }>();

  constructor(private readonly db: Db) {
    this.regularAt = db.prepare<[string, number], { amount: string; currency: string }>(
      `SELECT amount, currency FROM regular_prices INDEXED BY regular_prices_sku WHERE sku = ? AND effective_at <= ?
        ORDER BY effective_at DESC, change_id DESC LIMIT 1`,
    );
    this.catalogPrice = db.prepare<[string], { amount: string | null; currency: string | null }>(
      'SELECT price_amount AS amount, price_currency AS currency FROM items WHERE sku = ?',
    );
    this.promosAt = db.prepare<[string, number, number], PromoRow>(
      `SELECT p.id, p.name, p.rule, p.starts_at, p.ends_at FROM promotion_skus s
         JOIN promotions p ON p.id = s.promotion_id
        WHERE s.sku = ? AND +s.starts_at <= ? AND +s.ends_at > ?`,
    );
    this.regularAfter = db.prepare<[string, number, number, number], { at: number }>(
      'SELECT effective_at AS at FROM regular_prices INDEXED BY regular_prices_sku WHERE sku = ? AND effective_at > ? AND effective_at < ? ORDER BY effective_at LIMIT ?',
    );
    this.promoStartAfter = db.prepare<[string, number, number], { at: number }>(
      'SELECT starts_at AS at FROM promotion_skus WHERE sku = ? AND +starts_at > ? AND +starts_at < ? AND +ends_at > +starts_at',
    );
    this.promoEndAfter = db.prepare<[string, number, number], { at: number }>(
      'SELECT ends_at AS at FROM promotion_skus WHERE sku = ? AND +ends_at > ? AND +ends_at < ? AND +ends_at > +starts_at',
    );
    this.regularBetween = db.prepare<[number, number], { sku: string; at: number; change_id: string }>(
      'SELECT sku, effective_at AS at, change_id FROM regular_prices WHERE effective_at > ? AND effective_at <= ?',
    );
    this.startsBetween = db.prepare<[number, number], { sku: string; at: number; promotion_id: string }>(
      'SELECT sku, starts_at AS at, promotion_id FROM promotion_skus WHERE starts_at > ? AND starts_at <= ? AND ends_at > starts_at',
    );
    this.endsBetween = db.prepare<[number, number], { sku: string; at: number; promotion_id: string }>(
      'SELECT sku, ends_at AS at, promotion_id FROM promotion_skus WHERE ends_at > ? AND ends_at <= ? AND ends_at > starts_at',
    );
  }

  /** The regular price in force at `t`: the latest change at or before it, else the catalog's. */
  regular(sku: string, t: number): Price | null {
    const row = this.regularAt.get(sku, t);
    if (row) return row;
    const c = this.catalogPrice.get(sku);
    return c?.amount != null && c.currency != null ? { amount: c.amount, currency: c.currency } : null;
  }

  private rule(row: PromoRow): StoredRule {
    const cached = this.rules.get(row.id);
    if (cached && cached.text === row.rule) return cached.rule;
    const rule = JSON.parse(row.rule) as PromotionRule as StoredRule;
    if (this.rules.size > 10_000) this.rules.clear();
    this.rules.set(row.id, { text: row.rule, rule });
    return rule;
  }

  /** The price in force without the 30-day look-back and the next change. */
  private plain(
    sku: string,
    t: number,
  ): { regular: Price; regularUnits: bigint; unit: bigint; best: Candidate | null } | null {
    const regular = this.regular(sku, t);
    if (!regular) return null;
    const regularUnits = toUnits(regular.amount);
    const candidates: Candidate[] = [];
    for (const row of this.promosAt.all(sku, t, t)) {
      const rule = this.rule(row);
      const { unit, perUnit } = applyRule(regularUnits, rule, regular.currency);
      candidates.push({
        promo: {
          id: row.id,
          name: row.name,
          rule,
          startsAt: new Date(row.starts_at).toISOString(),
          endsAt: new Date(row.ends_at).toISOString(),
        },
        startsAt: row.starts_at,
        perUnit,
        unit,
      });
    }
    const best = bestPromotion(regularUnits, candidates);
    return { regular, regularUnits, unit: best ? best.unit : regularUnits, best };
  }

  at(sku: string, at: Date): PriceInForce | null {
    const t = at.getTime();
    const now = this.plain(sku, t);
    if (!now) return null;
    const { currency } = now.regular;
    const price: Price = now.best
      ? { amount: formatUnits(now.unit, currency), currency }
      : { amount: now.regular.amount, currency };
    return {
      sku,
      price,
      regularPrice: { amount: now.regular.amount, currency },
      promotion: now.best?.promo ?? null,
      lowestPrice30d: now.best ? this.lowestBefore(sku, now.best.startsAt) : null,
      nextChange: this.next(sku, t, price),
    };
  }

  /**
   * The lowest one-unit price in force during the 30 days before `start` (Directive 98/6/EC
   * Art. 6a, as amended by the Omnibus Directive (EU) 2019/2161): the price in force at the start
   * of the window and at every moment it changed within it, promotions included.
   */
  lowestBefore(sku: string, start: number): Price | null {
    const from = start - PRIOR_PRICE_DAYS * DAY;
    const points = new Set<number>([from]);
    const found = [
      ...this.regularAfter.all(sku, from, start, MAX_WINDOW_POINTS),
      ...this.promoStartAfter.all(sku, from, start),
      ...this.promoEndAfter.all(sku, from, start),
    ];
    for (const r of found) {
      if (points.size >= MAX_WINDOW_POINTS) break;
      points.add(r.at);
    }
    let lowest: { units: bigint; currency: string; amount: string } | null = null;
    for (const p of points) {
      const s = this.plain(sku, p);
      if (!s) continue;
      if (!lowest || s.unit < lowest.units) {
        const currency = s.regular.currency;
        lowest = {
          units: s.unit,
          currency,
          amount: s.best ? formatUnits(s.unit, currency) : s.regular.amount,
        };
      }
    }
    return lowest ? { amount: lowest.amount, currency: lowest.currency } : null;
  }

  /** The next moment after `t` where the one-unit price differs from `price`, and that price. */
  private next(sku: string, t: number, price: Price): PriceInForce['nextChange'] {
    let from = t;
    const current = toUnits(price.amount);
    // A few steps: moments where nothing visible changes (a promotion that does not beat
    // another) are skipped, up to a bound.
    for (let step = 0; step < 8; step++) {
      const horizon = Number.MAX_SAFE_INTEGER;
      const times = [
        this.regularAfter.get(sku, from, horizon, 1)?.at,
        ...this.promoStartAfter.all(sku, from, horizon).map((r) => r.at),
        ...this.promoEndAfter.all(sku, from, horizon).map((r) => r.at),
      ].filter((x): x is number => x !== undefined);
      if (times.length === 0) return null;
      const m = Math.min(...times);
      const s = this.plain(sku, m);
      if (s && (s.unit !== current || s.regular.currency !== price.currency)) {
        return {
          amount: s.best ? formatUnits(s.unit, s.regular.currency) : s.regular.amount,
          effectiveAt: new Date(m).toISOString(),
        };
      }
      from = m;
    }
    return null;
  }

  changesBetween(from: Date, to: Date): PriceMoment[] {
    const f = from.getTime();
    const t = to.getTime();
    const out: PriceMoment[] = [];
    for (const r of this.regularBetween.iterate(f, t)) {
      const m: PriceMoment = { sku: r.sku, at: new Date(r.at) };
      if (!r.change_id.startsWith('item:') && r.change_id !== 'baseline') m.priceChangeId = r.change_id;
      out.push(m);
    }
    for (const q of [this.startsBetween, this.endsBetween])
      for (const r of q.iterate(f, t))
        out.push({ sku: r.sku, at: new Date(r.at), promotionId: r.promotion_id });
    return out.sort(
      (a, b) => a.at.getTime() - b.at.getTime() || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0),
    );
  }

  /** The first moment after `t` where any price changes (the price clock's next timer). */
  nextMoment(t: number): number | null {
    const row = this.db
      .prepare<[number, number, number], { at: number | null }>(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(effective_at) AS at FROM regular_prices WHERE effective_at > ?
           UNION ALL SELECT MIN(starts_at) FROM promotion_skus WHERE starts_at > ?
           UNION ALL SELECT MIN(ends_at) FROM promotion_skus WHERE ends_at > ?)`,
      )
      .get(t, t, t);
    return row?.at ?? null;
  }
}
