import type { Db } from '../db/database.js';
import type { GroupHook } from '../ledger/group-commit.js';
import { formatUnits, toUnits } from './money.js';
import type { PriceBook } from './types.js';

/** Movements looked at per step: a backlog (a restore of 50,000 sales) is taken in slices. */
const SLICE = 5000;

interface SaleRow {
  seq: number;
  id: string;
  sku: string;
  qty: number;
  at: string;
}

/**
 * Records the price in force for every `sale` and `return` movement (sale_prices). It runs in
 * the ledger's writer thread, inside each group commit's own transaction, so a sale and its price
 * are durable together. It first ran on the HTTP thread after each commit, as a transaction of its
 * own: that thread then waited for SQLite's write lock behind the writer's COMMIT, and its event
 * loop stalled for 80 ms at the p99 under full-speed ingest (bench/ingest.ts, docs/operations.md).
 *
 * The mark (price_clock.priced_seq) says where recording stands across restarts. It is written
 * with the rows it covers, or after a slice of movements without a sale, not on every commit:
 * one more page per commit would add a fifth to what a one-movement commit writes. After a crash
 * the movements since the stored mark are looked at again; INSERT OR IGNORE makes that harmless.
 */
export class SalePrices {
  private readonly markRow;
  private readonly maxSeq;
  private readonly sales;
  private readonly insert;
  private readonly setMark;
  /** Recorded up to this seq (in this transaction, or committed). */
  private priced = 0;
  /** What the stored mark says. */
  private stored = 0;

  constructor(
    private readonly db: Db,
    private readonly book: PriceBook,
  ) {
    this.markRow = db.prepare<[], { m: number | null }>(
      'SELECT priced_seq AS m FROM price_clock WHERE id = 1',
    );
    this.maxSeq = db.prepare<[], { m: number | null }>('SELECT MAX(seq) AS m FROM movements');
    this.sales = db.prepare<[number, number], SaleRow>(
      `SELECT seq, id, sku, qty, at FROM movements
        WHERE seq > ? AND seq <= ? AND type IN ('sale', 'return') ORDER BY seq`,
    );
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO sale_prices
         (seq, movement_id, sku, qty, at, amount, currency, regular_amount, line_amount, promotion_id, promotion_rule)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.setMark = db.prepare<[number]>('UPDATE price_clock SET priced_seq = ? WHERE id = 1');
  }

  /** Reads the mark; on the first start, sales before this version are not given a price now. */
  open(): void {
    const mark = this.markRow.get()?.m ?? null;
    if (mark === null) {
      const max = this.maxSeq.get()?.m ?? 0;
      this.setMark.run(max);
      this.priced = this.stored = max;
    } else this.priced = this.stored = mark;
  }

  /** The stored mark again (a transaction that recorded was rolled back). */
  reload(): void {
    this.priced = this.stored = this.markRow.get()?.m ?? 0;
  }

  /** Records one slice in the open transaction; true when movements are left for another slice. */
  record(): boolean {
    const to = this.maxSeq.get()?.m ?? 0;
    if (to <= this.priced) {
      // A restore renumbered the ledger below the mark: start over from there.
      if (to < this.priced) this.reloadBelow(to);
      return false;
    }
    const from = this.priced;
    const upto = Math.min(to, from + SLICE);
    let recorded = 0;
    for (const r of this.sales.all(from, upto)) {
      const p = this.book.at(r.sku, new Date(r.at));
      if (!p) continue; // an item without a price: nothing to record
      const rule = p.promotion?.rule ?? null;
      this.insert.run(
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
      recorded++;
    }
    this.priced = upto;
    if (recorded > 0 || upto - this.stored >= SLICE) {
      this.setMark.run(upto);
      this.stored = upto;
    }
    return upto < to;
  }

  /**
   * The hook that records with each group commit (ledger/group-commit.ts). Recording runs in a
   * savepoint: a failure to price never refuses the movements, the group commits without the
   * prices and `onError` hears why; the next commit tries them again. `onBacklog`: a slice was
   * not enough (restored movements), more can be recorded between groups.
   */
  groupHook(onError: (err: unknown) => void, onBacklog: () => void): GroupHook {
    return {
      inTransaction: () => {
        this.db.exec('SAVEPOINT sale_prices');
        try {
          const more = this.record();
          this.db.exec('RELEASE sale_prices');
          if (more) onBacklog();
        } catch (err) {
          this.db.exec('ROLLBACK TO sale_prices');
          this.db.exec('RELEASE sale_prices');
          this.reload();
          onError(err);
        }
      },
      rolledBack: () => this.reload(),
    };
  }

  private reloadBelow(to: number): void {
    this.priced = to;
    if (this.stored > to) {
      this.setMark.run(to);
      this.stored = to;
    }
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
