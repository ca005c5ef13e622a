import type { Db } from '../db/database.js';
import { toOutboxRecord } from './ledger.js';
import type { MovementType } from './types.js';

type WireRow = [
  seq: number,
  id: string,
  type: MovementType,
  sku: string,
  location: string,
  qty: number,
  at: string,
  ref: string | null,
  reason: string | null,
  source: string,
  actor: string,
];

/** The columns of a movements row (alias `m`) that its wire record carries, in WireRow's order. */
const WIRE_COLUMNS =
  'm.seq, m.id, m.type, m.sku, m.location, m.qty, m.at, m.ref, m.reason, m.source, m.actor';

/**
 * Rows as the wire records the cloud ingests (protocol/'s ReplicationRecord, built by
 * `toOutboxRecord`). Read as arrays: shipping a backlog reads tens of thousands a second, and a
 * row object per movement cost more than the record itself (bench/catchup.ts).
 */
function wireRecords(rows: unknown[][]): Array<{ seq: number; payload: string }> {
  return rows.map((r) => {
    const [seq, id, type, sku, location, qty, at, ref, reason, source, actor] = r as WireRow;
    const record = toOutboxRecord({ seq, id, type, sku, location, qty, at, ref, reason, source, actor });
    return { seq, payload: JSON.stringify(record) };
  });
}

/** Wire records of the movements still in the outbox after `afterSeq`, in seq order. */
export function pendingRecords(
  db: Db,
  afterSeq: number,
  limit: number,
): Array<{ seq: number; payload: string }> {
  const rows = db
    .prepare<[number, number], unknown[]>(
      `SELECT ${WIRE_COLUMNS} FROM outbox o JOIN movements m ON m.seq = o.seq
       WHERE o.seq > ? ORDER BY o.seq LIMIT ?`,
    )
    .raw(true)
    .all(afterSeq, limit);
  return wireRecords(rows);
}

/** Wire records straight from the ledger from `fromSeq` on (resending what the cloud lost). */
export function ledgerRecords(
  db: Db,
  fromSeq: number,
  limit: number,
): Array<{ seq: number; payload: string }> {
  const rows = db
    .prepare<[number, number], unknown[]>(
      `SELECT ${WIRE_COLUMNS} FROM movements m WHERE m.seq >= ? ORDER BY m.seq LIMIT ?`,
    )
    .raw(true)
    .all(fromSeq, limit);
  return wireRecords(rows);
}

/**
 * The outbox at a glance, without counting rows: its seqs are contiguous (every movement gets
 * one, acknowledgements remove a prefix), so first and last on the primary key say it all.
 * A COUNT(*) over a million buffered movements would stall the thread on every call.
 */
export function outboxSummary(db: Db): { pending: number; firstSeq: number | null; oldestAt: string | null } {
  const row = db
    .prepare(
      `SELECT (SELECT MIN(seq) FROM outbox) AS first, (SELECT MAX(seq) FROM outbox) AS last,
              (SELECT recorded_at FROM movements WHERE seq = (SELECT MIN(seq) FROM outbox)) AS oldest`,
    )
    .get() as { first: number | null; last: number | null; oldest: string | null };
  if (row.first === null || row.last === null) return { pending: 0, firstSeq: null, oldestAt: null };
  return { pending: row.last - row.first + 1, firstSeq: row.first, oldestAt: row.oldest };
}
