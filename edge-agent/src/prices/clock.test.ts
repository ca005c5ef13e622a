import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../db/database.js';
import { type EdgeEvents, EventBus } from '../events.js';
import { Catalog } from '../ledger/catalog.js';
import { createLogger } from '../observability/logger.js';
import { SqlitePriceBook } from './book.js';
import { PriceClock } from './clock.js';
import { PriceSchedule } from './schedule.js';

let db: Db;
let catalog: Catalog;
let events: EventBus;
let heard: Array<EdgeEvents['price.changed']>;
let now: Date;
let pending: (() => void) | null;
let waits: number[];

const clock = () =>
  new PriceClock({
    db,
    book: new SqlitePriceBook(db),
    events,
    log: createLogger('silent'),
    clock: () => now,
    setTimer: (fn, ms) => {
      pending = fn;
      waits.push(ms);
      return fn;
    },
    clearTimer: (h) => {
      if (pending === h) pending = null;
    },
  });

beforeEach(() => {
  db = openDatabase(':memory:');
  catalog = new Catalog(db);
  db.transaction(() => {
    for (const sku of ['A', 'B'])
      catalog.put({ sku, name: sku, gtins: [], price: { amount: '1.00', currency: 'EUR' } }, 'cloud');
  })();
  events = new EventBus();
  heard = [];
  events.on('price.changed', (e) => heard.push(e), {});
  now = new Date('2027-05-01T00:00:00Z');
  pending = null;
  waits = [];
  const schedule = new PriceSchedule(db, 'UTC', () => {});
  schedule.applyPriceChange({
    id: 'pc-a',
    effectiveAt: '2027-05-02T06:00',
    lines: [{ sku: 'A', amount: '1.50', currency: 'EUR' }],
  });
  schedule.applyPriceChange({
    id: 'pc-b',
    effectiveAt: '2027-05-03T06:00',
    lines: [{ sku: 'B', amount: '2.50', currency: 'EUR' }],
  });
});
afterEach(() => db.close());

describe('the price clock', () => {
  it('keeps one timer for the next moment, bounded, and announces each moment once', async () => {
    const c = clock();
    await c.start();
    expect(heard).toEqual([]);
    expect(waits.at(-1)).toBe(60_000); // the next moment is a day away: re-checked within a minute
    now = new Date('2027-05-02T06:00:00Z');
    pending?.();
    expect(heard).toEqual([{ skus: ['A'], source: 'schedule' }]);
    expect(catalog.get('A')?.price).toEqual({ amount: '1.50', currency: 'EUR' });
    expect(catalog.get('B')?.price).toEqual({ amount: '1.00', currency: 'EUR' });
    pending?.();
    expect(heard).toHaveLength(1);
    await c.stop();
    expect(pending).toBeNull();
  });

  it('after a restart past several moments announces them once, with the history intact', async () => {
    const c = clock();
    await c.start();
    await c.stop();
    now = new Date('2027-05-04T00:00:00Z');
    const again = clock();
    await again.start();
    expect(heard).toEqual([{ skus: ['A', 'B'], source: 'schedule' }]);
    expect(catalog.get('B')?.price?.amount).toBe('2.50');
    // The price each had before stays in the history.
    const book = new SqlitePriceBook(db);
    expect(book.at('B', new Date('2027-05-03T05:59:59Z'))?.price.amount).toBe('1.00');
    await again.stop();
    const third = clock();
    await third.start();
    expect(heard).toHaveLength(1);
    await third.stop();
  });
});
