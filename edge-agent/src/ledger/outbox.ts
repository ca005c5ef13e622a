import type { Db } from '../db/database.js';

/**
 * The outbox at a glance, without counting rows: its seqs are contiguous (every movement gets
 * one, acknowledgements remove a prefix), so first and last on the primary key say it all.
 * A COUNT(*) over a million buffered movements would stall the thread on every call.
 */
export function outboxSummary(db: Db): { pending: number; firstSeq: number | null; oldestAt: string | null } {
  const row = db
    .prepare(
      `SELECT (SELECT MIN(seq) FROM outbox) AS first, (SELECT MAX(seq) FROM outbox) AS last,
              (SELECT created_at FROM outbox ORDER BY seq LIMIT 1) AS oldest`,
    )
    .get() as { first: number | null; last: number | null; oldest: string | null };
  if (row.first === null || row.last === null) return { pending: 0, firstSeq: null, oldestAt: null };
  return { pending: row.last - row.first + 1, firstSeq: row.first, oldestAt: row.oldest };
}
