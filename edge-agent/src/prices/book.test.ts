import type { PromotionChange } from '@store-edge/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../db/database.js';
import { Catalog } from '../ledger/catalog.js';
import { SqlitePriceBook } from './book.js';
import { PriceSchedule } from './schedule.js';

let db: Db;
let book: SqlitePriceBook;
let schedule: PriceSchedule;

const T = (iso: string) => new Date(iso);

beforeEach(() => {
  db = openDatabase(':memory:');
  const catalog = new Catalog(db);
  db.transaction(() => {
    for (const sku of ['A', 'B', 'C'])
      catalog.put({ sku, name: sku, gtins: [], price: { amount: '2.00', currency: 'EUR' } }, 'cloud');
  })();
  book = new SqlitePriceBook(db);
  schedule = new PriceSchedule(db, 'Europe/Berlin', () => {});
});
afterEach(() => db.close());

function promo(p: Partial<PromotionChange> & Pick<PromotionChange, 'id' | 'rule'>): void {
  schedule.applyPromotion({
    name: p.id,
    startsAt: '2027-05-01T00:00',
    endsAt: '2027-05-31T00:00',
    skus: ['A'],
    ...p,
  });
}

describe('the price in force with overlapping promotions', () => {
  // docs/prices.md "Precedence": the lowest per-unit price wins; a tie goes to the latest start,
  // then to the smaller id; a multi-buy competes with its bundle's per-unit price but leaves one
  // unit at the regular price.
  const table: Array<{
    name: string;
    promos: Array<Partial<PromotionChange> & Pick<PromotionChange, 'id' | 'rule'>>;
    price: string;
    winner: string | null;
  }> = [
    {
      name: 'percent 20 vs amount 0.30: 1.60 beats 1.70',
      promos: [
        { id: 'p20', rule: { kind: 'percent', value: 20 } },
        { id: 'a30', rule: { kind: 'amount', value: '0.30' } },
      ],
      price: '1.60',
      winner: 'p20',
    },
    {
      name: 'fixed 1.49 beats percent 20',
      promos: [
        { id: 'p20', rule: { kind: 'percent', value: 20 } },
        { id: 'f149', rule: { kind: 'fixed', amount: '1.49' } },
      ],
      price: '1.49',
      winner: 'f149',
    },
    {
      name: 'a tie goes to the latest start',
      promos: [
        { id: 'early', rule: { kind: 'fixed', amount: '1.50' }, startsAt: '2027-05-01T00:00' },
        { id: 'late', rule: { kind: 'percent', value: 25 }, startsAt: '2027-05-05T00:00' },
      ],
      price: '1.50',
      winner: 'late',
    },
    {
      name: 'a tie with the same start goes to the smaller id',
      promos: [
        { id: 'zz', rule: { kind: 'fixed', amount: '1.50' } },
        { id: 'aa', rule: { kind: 'amount', value: '0.50' } },
      ],
      price: '1.50',
      winner: 'aa',
    },
    {
      name: 'multi-buy 3 for 4.50 (1.50 each) beats percent 10 (1.80): one unit stays 2.00',
      promos: [
        { id: 'm3', rule: { kind: 'multi-buy', qty: 3, amount: '4.50' } },
        { id: 'p10', rule: { kind: 'percent', value: 10 } },
      ],
      price: '2.00',
      winner: 'm3',
    },
    {
      name: 'percent 30 (1.40) beats multi-buy 2 for 3.00 (1.50 each)',
      promos: [
        { id: 'm2', rule: { kind: 'multi-buy', qty: 2, amount: '3.00' } },
        { id: 'p30', rule: { kind: 'percent', value: 30 } },
      ],
      price: '1.40',
      winner: 'p30',
    },
    {
      name: 'a fixed price above the regular one never applies',
      promos: [{ id: 'f250', rule: { kind: 'fixed', amount: '2.50' } }],
      price: '2.00',
      winner: null,
    },
    {
      name: 'percent off is exact, then rounded half up to the cent: 2.00 − 33.33 % = 1.3334 → 1.33',
      promos: [{ id: 'p3333', rule: { kind: 'percent', value: 33.33 } }],
      price: '1.33',
      winner: 'p3333',
    },
    {
      name: 'amount off never goes below zero',
      promos: [{ id: 'a5', rule: { kind: 'amount', value: '5' } }],
      price: '0.00',
      winner: 'a5',
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      for (const p of row.promos) promo(p);
      const p = book.at('A', T('2027-05-10T12:00:00Z'));
      expect(p?.price).toEqual({ amount: row.price, currency: 'EUR' });
      expect(p?.regularPrice).toEqual({ amount: '2.00', currency: 'EUR' });
      expect(p?.promotion?.id ?? null).toBe(row.winner);
      // Items the promotions do not name keep their price.
      expect(book.at('B', T('2027-05-10T12:00:00Z'))?.price.amount).toBe('2.00');
    });
  }

  it('a multi-buy is shown as its rule while one unit keeps the regular price', () => {
    promo({ id: 'm3', rule: { kind: 'multi-buy', qty: 3, amount: '5' } });
    const p = book.at('A', T('2027-05-10T12:00:00Z'));
    expect(p?.promotion?.rule).toEqual({ kind: 'multi-buy', qty: 3, amount: '5' });
    expect(p?.price.amount).toBe('2.00');
  });

  it("a promotion's end restores the regular price, and the next change says when", () => {
    promo({ id: 'p20', rule: { kind: 'percent', value: 20 } });
    // 2027-05-31T00:00 Berlin = 2027-05-30T22:00Z; the end is exclusive.
    const during = book.at('A', T('2027-05-30T21:59:59Z'));
    expect(during?.price.amount).toBe('1.60');
    expect(during?.nextChange).toEqual({ amount: '2.00', effectiveAt: '2027-05-30T22:00:00.000Z' });
    const after = book.at('A', T('2027-05-30T22:00:00Z'));
    expect(after?.price.amount).toBe('2.00');
    expect(after?.promotion).toBeNull();
    expect(after?.lowestPrice30d).toBeNull();
    const before = book.at('A', T('2027-04-30T21:59:59Z'));
    expect(before?.price.amount).toBe('2.00');
    expect(before?.nextChange).toEqual({ amount: '1.60', effectiveAt: '2027-04-30T22:00:00.000Z' });
    expect(
      book
        .changesBetween(T('2027-04-01T00:00:00Z'), T('2027-06-01T00:00:00Z'))
        .map((m) => [m.sku, m.at.toISOString(), m.promotionId]),
    ).toEqual([
      ['A', '2027-04-30T22:00:00.000Z', 'p20'],
      ['A', '2027-05-30T22:00:00.000Z', 'p20'],
    ]);
  });
});

describe('regular prices over time', () => {
  it('a change takes effect at its moment and the 30-day lowest looks back from a promotion start', () => {
    schedule.applyPriceChange({
      id: 'pc-1',
      effectiveAt: '2027-04-10T06:00',
      lines: [{ sku: 'A', amount: '1.80', currency: 'EUR' }],
    });
    schedule.applyPriceChange({
      id: 'pc-2',
      effectiveAt: '2027-04-20T06:00',
      lines: [{ sku: 'A', amount: '2.20', currency: 'EUR' }],
    });
    expect(book.at('A', T('2027-04-10T03:59:59Z'))?.price.amount).toBe('2.00');
    expect(book.at('A', T('2027-04-10T04:00:00Z'))?.price.amount).toBe('1.80');
    promo({ id: 'p10', rule: { kind: 'percent', value: 10 } });
    const p = book.at('A', T('2027-05-10T12:00:00Z'));
    expect(p?.price.amount).toBe('1.98');
    expect(p?.regularPrice.amount).toBe('2.20');
    // 1.80 was in force from 10 to 20 April, inside the 30 days before 1 May.
    expect(p?.lowestPrice30d).toEqual({ amount: '1.80', currency: 'EUR' });
    expect(
      book.changesBetween(T('2027-04-01T00:00:00Z'), T('2027-04-30T00:00:00Z')).map((m) => m.priceChangeId),
    ).toEqual(['pc-1', 'pc-2']);
  });
});
