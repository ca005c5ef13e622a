// edge-agent/src/prices/types.ts
import type { Price } from '../ledger/catalog.js';

export interface PromotionInForce {
  id: string;
  name: string;
  rule:
    | { kind: 'percent'; value: number }
    | { kind: 'amount'; value: string }
    | { kind: 'fixed'; amount: string }
    | { kind: 'multi-buy'; qty: number; amount: string };
  startsAt: string;
  endsAt: string;
}

/** An item's price at one instant (CONTRACT.md v2 "Prices over time"). */
export interface PriceInForce {
  sku: string;
  /** What a shopper pays for one unit at that instant: the regular price with the best promotion. */
  price: Price;
  regularPrice: Price;
  promotion: PromotionInForce | null;
  /** Lowest price in force during the 30 days before a reduction started (Directive 98/6/EC Art. 6a); null when not a reduction. */
  lowestPrice30d: Price | null;
  nextChange: { amount: string; effectiveAt: string } | null;
}

/** A moment where an item's price in force changes (a regular change, a promotion start or end). */
export interface PriceMoment {
  sku: string;
  at: Date;
  /** The head-office price change that causes it, when it is one. */
  priceChangeId?: string;
  promotionId?: string;
}

/** The store's prices over time (service 'prices' of the agent). */
export interface PriceBook {
  at(sku: string, at: Date): PriceInForce | null;
  /** Every moment in (from, to] where some item's price in force changes. */
  changesBetween(from: Date, to: Date): PriceMoment[];
}
