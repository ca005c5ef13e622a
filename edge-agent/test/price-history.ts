import type { PriceBook, PriceInForce, PriceMoment } from '../src/prices/types.js';

/**
 * A PriceBook over a written-out history, for tests of the labels that read one: regular
 * prices from an instant on, and fixed-price promotions over [startsAt, endsAt). Amounts stay
 * decimal strings; they are compared as cents (the fixtures use two decimals).
 */
export interface HistoryEntry {
  sku: string;
  at: Date;
  amount: string;
  priceChangeId?: string;
}

export interface HistoryPromotion {
  id: string;
  name: string;
  skus: string[];
  startsAt: Date;
  endsAt: Date;
  amount: string;
}

const DAY = 86_400_000;
const cents = (a: string): number => Math.round(Number(a) * 100);

export class HistoryPriceBook implements PriceBook {
  constructor(
    readonly regular: HistoryEntry[],
    readonly promotions: HistoryPromotion[] = [],
    readonly currency = 'EUR',
  ) {}

  private regularAt(sku: string, at: Date): HistoryEntry | null {
    let best: HistoryEntry | null = null;
    for (const e of this.regular) if (e.sku === sku && e.at <= at && (!best || e.at >= best.at)) best = e;
    return best;
  }

  private promotionAt(sku: string, at: Date): HistoryPromotion | null {
    let best: HistoryPromotion | null = null;
    for (const p of this.promotions)
      if (
        p.skus.includes(sku) &&
        p.startsAt <= at &&
        at < p.endsAt &&
        (!best || cents(p.amount) < cents(best.amount))
      )
        best = p;
    return best;
  }

  private priceAt(sku: string, at: Date): string | null {
    const r = this.regularAt(sku, at);
    if (!r) return null;
    const p = this.promotionAt(sku, at);
    return p && cents(p.amount) < cents(r.amount) ? p.amount : r.amount;
  }

  at(sku: string, at: Date): PriceInForce | null {
    const r = this.regularAt(sku, at);
    if (!r) return null;
    const promo = this.promotionAt(sku, at);
    const reduced = promo !== null && cents(promo.amount) < cents(r.amount);
    let lowest: string | null = null;
    if (reduced && promo) {
      // Every price in force in [start − 30 days, start): at the window's start and at each change in it.
      const from = new Date(promo.startsAt.getTime() - 30 * DAY);
      const moments = [from, ...this.changesBetween(from, promo.startsAt).map((m) => m.at)].filter(
        (t) => t < promo.startsAt,
      );
      for (const t of moments) {
        const a = this.priceAt(sku, t);
        if (a !== null && (lowest === null || cents(a) < cents(lowest))) lowest = a;
      }
    }
    const next = this.regular
      .filter((e) => e.sku === sku && e.at > at)
      .sort((a, b) => a.at.getTime() - b.at.getTime())[0];
    const price = (amount: string) => ({ amount, currency: this.currency });
    return {
      sku,
      price: price(reduced && promo ? promo.amount : r.amount),
      regularPrice: price(r.amount),
      promotion:
        reduced && promo
          ? {
              id: promo.id,
              name: promo.name,
              rule: { kind: 'fixed', amount: promo.amount },
              startsAt: promo.startsAt.toISOString(),
              endsAt: promo.endsAt.toISOString(),
            }
          : null,
      lowestPrice30d: lowest === null ? null : price(lowest),
      nextChange: next ? { amount: next.amount, effectiveAt: next.at.toISOString() } : null,
    };
  }

  changesBetween(from: Date, to: Date): PriceMoment[] {
    const out: PriceMoment[] = [];
    const inWindow = (t: Date) => t > from && t <= to;
    for (const e of this.regular)
      if (inWindow(e.at))
        out.push({ sku: e.sku, at: e.at, ...(e.priceChangeId ? { priceChangeId: e.priceChangeId } : {}) });
    for (const p of this.promotions)
      for (const t of [p.startsAt, p.endsAt])
        if (inWindow(t)) for (const sku of p.skus) out.push({ sku, at: t, promotionId: p.id });
    return out.sort((a, b) => a.at.getTime() - b.at.getTime());
  }
}
