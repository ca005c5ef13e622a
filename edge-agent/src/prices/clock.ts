import type { Component } from '../agent.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../observability/logger.js';
import type { SqlitePriceBook } from './book.js';

/** Longest single wait: a wall clock set forward (NTP, a VM resumed) is noticed within it. */
const MAX_WAIT_MS = 60_000;
/** Skus written into the catalog per transaction when many prices change at one moment. */
const CHUNK = 2000;

export interface PriceClockDeps {
  db: Db;
  book: SqlitePriceBook;
  events: EventBus;
  log: Logger;
  clock: () => Date;
  /** Timers (tests pass their own to drive moments without sleeping). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/**
 * Announces each effective moment: at the moment a regular price change, a promotion's start or
 * its end takes effect it writes the regular price in force into the catalog (so everything that
 * reads the catalog, the shelf-label flow included, sees it) and emits `price.changed` with
 * `source: 'schedule'`. One timer, for the next moment, re-armed when the feed brings changes;
 * no polling per item. Moments missed while the agent was down are announced at start
 * (`announced_until` in SQLite), once.
 */
export class PriceClock implements Component {
  readonly name = 'price-clock';
  private timer: unknown = null;
  private running = false;
  private readonly setTimer;
  private readonly clearTimer;

  constructor(private readonly deps: PriceClockDeps) {
    this.setTimer =
      deps.setTimer ??
      ((fn: () => void, ms: number) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return t;
      });
    this.clearTimer = deps.clearTimer ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout));
  }

  async start(): Promise<void> {
    this.running = true;
    const mark = this.mark();
    // First start: what was in force before is not news.
    if (mark === null) this.setMark(this.deps.clock().getTime());
    this.check();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  private mark(): number | null {
    const row = this.deps.db.prepare('SELECT announced_until AS m FROM price_clock WHERE id = 1').get() as
      | { m: number | null }
      | undefined;
    return row?.m ?? null;
  }

  private setMark(ms: number): void {
    this.deps.db.prepare('UPDATE price_clock SET announced_until = ? WHERE id = 1').run(ms);
  }

  /**
   * Announces every moment in (mark, now] and arms the timer for the next one. Runs on the
   * timer, at start, and when the feed brought price changes (whose moment may have passed
   * already: a change that arrives late takes effect on arrival).
   */
  check(extraSkus: Iterable<string> = []): void {
    if (!this.running) return;
    const now = this.deps.clock().getTime();
    const mark = this.mark() ?? now;
    const skus = new Set<string>(extraSkus);
    if (now > mark)
      for (const m of this.deps.book.changesBetween(new Date(mark), new Date(now))) skus.add(m.sku);
    if (skus.size > 0) this.materialize([...skus].sort(), now);
    if (now > mark) this.setMark(now);
    if (skus.size > 0) this.deps.events.emit('price.changed', { skus: [...skus].sort(), source: 'schedule' });
    this.arm(now);
  }

  /** Re-arms after the feed brought changes (an earlier next moment). */
  rearm(): void {
    if (!this.running) return;
    this.arm(this.deps.clock().getTime());
  }

  private arm(now: number): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    if (!this.running) return;
    const next = this.deps.book.nextMoment(now);
    const wait = next === null ? MAX_WAIT_MS : Math.max(0, Math.min(MAX_WAIT_MS, next - now));
    this.timer = this.setTimer(() => {
      this.timer = null;
      try {
        this.check();
      } catch (err) {
        this.deps.log.error({ err }, 'price clock: announcing price changes failed; retrying');
        this.arm(this.deps.clock().getTime());
      }
    }, wait);
  }

  /**
   * Writes the regular price in force into the catalog row (price columns and the JSON entry),
   * keeping the price it replaces as the item's history baseline the first time.
   */
  private materialize(skus: string[], now: number): void {
    const { db, book } = this.deps;
    const baseline = db.prepare<[string]>(
      `INSERT OR IGNORE INTO regular_prices (change_id, sku, effective_at, effective_text, amount, currency)
       SELECT 'baseline', sku, 0, '', price_amount, price_currency FROM items
        WHERE sku = ? AND price_amount IS NOT NULL AND price_currency IS NOT NULL`,
    );
    const update = db.prepare<[string, string, string, string]>(
      `UPDATE items SET price_amount = ?, price_currency = ?, data = json_set(data, '$.price', json(?))
        WHERE sku = ?`,
    );
    for (let i = 0; i < skus.length; i += CHUNK) {
      db.transaction(() => {
        for (const sku of skus.slice(i, i + CHUNK)) {
          baseline.run(sku);
          const p = book.regular(sku, now);
          if (p) update.run(p.amount, p.currency, JSON.stringify(p), sku);
        }
      })();
    }
  }
}
