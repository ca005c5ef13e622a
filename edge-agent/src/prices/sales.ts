import type { Component } from '../agent.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../observability/logger.js';
import { formatUnits, toUnits } from './money.js';
import type { PriceBook } from './types.js';

/** Movements looked at per step: a backlog (an import of 50,000 sales) is taken in slices. */
const SLICE = 5000;

interface SaleRow {
  seq: number;
  id: string;
  sku: string;
  qty: number;
  at: string;
}

/**
 * Records the price in force for every `sale` and `return` movement (sale_prices), from the
 * ledger after its commit: the writer's hot path is untouched (it only announces the committed
 * seq), and a mark in SQLite (price_clock.priced_seq) makes it exactly once across restarts.
 */
export class SalePriceRecorder implements Component {
  readonly name = 'sale-prices';
  private scheduled = false;
  private running = false;
  private readonly owner = {};

  constructor(private readonly deps: { db: Db; book: PriceBook; events: EventBus; log: Logger }) {}

  async start(): Promise<void> {
    this.running = true;
    const { db } = this.deps;
    if (this.mark() === null) {
      // First start: sales before this version had no recorded price, and are not given one now.
      const max = (db.prepare('SELECT MAX(seq) AS m FROM movements').get() as { m: number | null }).m ?? 0;
      db.prepare('UPDATE price_clock SET priced_seq = ? WHERE id = 1').run(max);
    }
    this.deps.events.on('committed', () => this.schedule(), this.owner);
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.deps.events.removeListeners(this.owner);
  }

  private mark(): number | null {
    const row = this.deps.db.prepare('SELECT priced_seq AS m FROM price_clock WHERE id = 1').get() as
      | { m: number | null }
      | undefined;
    return row?.m ?? null;
  }

  private schedule(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        if (this.step()) this.schedule();
      } catch (err) {
        this.deps.log.error({ err }, 'recording sale prices failed; retried at the next commit');
      }
    });
  }

  /** One slice; true when there is more. */
  step(): boolean {
    if (!this.running) return false;
    const { db, book } = this.deps;
    const from = this.mark() ?? 0;
    const to = (db.prepare('SELECT MAX(seq) AS m FROM movements').get() as { m: number | null }).m ?? 0;
    if (to <= from) return false;
    const upto = Math.min(to, from + SLICE);
    const rows = db
      .prepare<[number, number], SaleRow>(
        `SELECT seq, id, sku, qty, at FROM movements
          WHERE seq > ? AND seq <= ? AND type IN ('sale', 'return') ORDER BY seq`,
      )
      .all(from, upto);
    const insert = db.prepare(
      `INSERT OR IGNORE INTO sale_prices
         (seq, movement_id, sku, qty, at, amount, currency, regular_amount, line_amount, promotion_id, promotion_rule)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (const r of rows) {
        const p = book.at(r.sku, new Date(r.at));
        if (!p) continue; // an item without a price: nothing to record
        const rule = p.promotion?.rule ?? null;
        insert.run(
          r.seq,
          r.id,
          r.sku,
          r.qty,
          r.at,
          p.price.amount,
          p.price.currency,
          p.regularPrice.amount,
          lineAmount(p.price.amount, p.regularPrice.amount, rule, r.qty, p.price.currency),
          p.promotion?.id ?? null,
          rule ? JSON.stringify(rule) : null,
        );
      }
      db.prepare('UPDATE price_clock SET priced_seq = ? WHERE id = 1').run(upto);
    })();
    return upto < to;
  }
}

/**
 * What `qty` units cost: unit × qty, except under a multi-buy "N for X": ⌊qty/N⌋ × X plus the
 * rest at the regular price (docs/prices.md "Sales with a multi-buy").
 */
export function lineAmount(
  unit: string,
  regular: string,
  rule: { kind: string; qty?: number; amount?: string } | null,
  qty: number,
  currency: string,
): string {
  const n = BigInt(qty);
  if (rule?.kind === 'multi-buy' && rule.qty && rule.amount) {
    const bundle = BigInt(rule.qty);
    return formatUnits((n / bundle) * toUnits(rule.amount) + (n % bundle) * toUnits(regular), currency);
  }
  return formatUnits(n * toUnits(unit), currency);
}
