import type { Db } from '../db/database.js';

/**
 * One item's movements, by seq: the history table (filled in batches, off the commit path)
 * plus the movements after `indexed_upto` (the tail not filed yet). Both halves read one
 * snapshot, so the union is every movement of the item, each once. Parameters: @sku, and
 * @location when `withLocation`.
 */
export function itemSeqs(withLocation: boolean): string {
  const loc = withLocation ? ' AND location = @location' : '';
  return `SELECT seq FROM movement_history WHERE sku = @sku${loc}
    UNION ALL
    SELECT seq FROM movements WHERE seq > (SELECT indexed_upto FROM history_state) AND sku = @sku${loc}`;
}

/**
 * Files movements into movement_history in sorted batches. Runs in the writer thread between
 * group commits (one writer at a time), each batch in its own transaction.
 */
export class HistoryIndexer {
  private indexedUpto: number;
  private readonly file;
  private readonly mark;
  private readonly read;

  constructor(private readonly db: Db) {
    this.file = db.prepare(
      `INSERT INTO movement_history (sku, location, seq)
       SELECT sku, location, seq FROM movements WHERE seq > ? AND seq <= ? ORDER BY sku, location, seq`,
    );
    this.mark = db.prepare('UPDATE history_state SET indexed_upto = ? WHERE id = 1');
    this.read = db.prepare<[], { indexed_upto: number }>(
      'SELECT indexed_upto FROM history_state WHERE id = 1',
    );
    this.indexedUpto = this.read.get()?.indexed_upto ?? 0;
  }

  /** Movements committed but not filed yet. */
  behind(lastSeq: number): number {
    return Math.max(0, lastSeq - this.indexedUpto);
  }

  /** Files up to `max` movements after the mark (all when fewer); returns how many. */
  catchUp(lastSeq: number, max = 50_000): number {
    const from = this.indexedUpto;
    const to = Math.min(lastSeq, from + max);
    if (to <= from) return 0;
    this.db.transaction(() => {
      this.file.run(from, to);
      this.mark.run(to);
    })();
    this.indexedUpto = to;
    return to - from;
  }

  /** Re-reads the mark (after the ledger was rewritten from the cloud's history). */
  reload(): void {
    this.indexedUpto = this.read.get()?.indexed_upto ?? 0;
  }
}
