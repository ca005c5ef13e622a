import type { Change } from '@store-edge/protocol';
import { defineFeature } from '../feature.js';
import { SqlitePriceBook } from './book.js';
import { PriceClock, type PriceClockDeps } from './clock.js';
import { salePriceRoutes } from './routes.js';
import { PriceSchedule } from './schedule.js';

export { SqlitePriceBook } from './book.js';
export type { PriceBook, PriceInForce, PriceMoment, PromotionInForce } from './types.js';

/**
 * Prices over time (CONTRACT.md v2, docs/prices.md): scheduled regular prices and promotions from
 * the change feed, stored in SQLite and resolved in the store's zone (`STORE_EDGE_TIMEZONE`); the
 * price in force at any instant (service `prices`, a {@link PriceBook}); and the price clock that
 * announces each effective moment on the bus (`price.changed`, source `schedule`), offline too.
 */
export function createPricesFeature(timers: Pick<PriceClockDeps, 'setTimer' | 'clearTimer'> = {}) {
  return defineFeature({
    name: 'prices',
    create(core) {
      const { db, events, clock, log } = core;
      const plog = log.child({ part: 'prices' });
      const book = new SqlitePriceBook(db);
      const schedule = new PriceSchedule(db, core.settings.timezone, (msg, data) => plog.warn(data, msg));
      const priceClock = new PriceClock({ db, book, events, log: plog, clock, ...timers });
      // Skus whose change took effect before it arrived (the store was offline past the moment):
      // announced right after the feed's commit.
      const late = new Set<string>();

      core.feedHandlers.on('price-change', (entry) => {
        const at = schedule.applyPriceChange(entry);
        if (at !== null && at <= clock().getTime()) for (const l of entry.lines) late.add(l.sku);
      });
      core.feedHandlers.on('promotion', (promo) => {
        const period = schedule.applyPromotion(promo);
        const now = clock().getTime();
        if (period && period.startsAt <= now && period.endsAt > now) for (const s of promo.skus) late.add(s);
      });
      const owner = {};
      let unsubscribe: (() => void) | null = null;

      return {
        service: book,
        routes: salePriceRoutes,
        start: async () => {
          unsubscribe = core.feedHandlers.applied((changes: readonly Change[]) => {
            if (!changes.some((c) => c.kind === 'price-change' || c.kind === 'promotion')) return;
            const skus = [...late];
            late.clear();
            priceClock.check(skus);
          });
          // A price set at once (PUT /items, the cloud's `price` kind) is history from now on.
          events.on(
            'price.changed',
            ({ skus, source }) => {
              if (source === 'schedule') return;
              const now = clock().getTime();
              db.transaction(() => {
                for (const sku of skus) {
                  const p = core.catalog.get(sku)?.price;
                  if (p) schedule.recordImmediate(sku, p, now);
                }
              })();
            },
            owner,
          );
          await priceClock.start();
        },
        stop: async () => {
          unsubscribe?.();
          events.removeListeners(owner);
          await priceClock.stop();
        },
      };
    },
  });
}

/** The feature with real timers. */
export const pricesFeature = createPricesFeature();
