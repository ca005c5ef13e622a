import type { Db } from '../db/database.js';

/**
 * A movements row (alias `m`) as the wire record the cloud ingests: protocol/'s
 * ReplicationRecord, `{"seq", "movement": {id, type, sku, location, qty, at, source, actor,
 * ref?, reason?}}`, the same document `toOutboxRecord` builds (ledger.ts; a test holds the two
 * equal). Built by SQLite while reading, so shipping a large backlog costs no JavaScript per
 * movement. json_patch is an RFC 7396 merge patch: a null member removes the key, which leaves
 * out ref and reason when they are not set.
 */
export const WIRE_RECORD_SQL = `json_object('seq', m.seq, 'movement',
  CASE WHEN m.ref IS NULL AND m.reason IS NULL THEN ${movementObject()}
  ELSE json_patch(${movementObject()}, json_object('ref', m.ref, 'reason', m.reason)) END)`;

function movementObject(): string {
  return `json_object('id', m.id, 'type', m.type, 'sku', m.sku, 'location', m.location, 'qty', m.qty,
    'at', m.at, 'source', m.source, 'actor', m.actor)`;
}

/** Wire records of the movements still in the outbox after `afterSeq`, in seq order. */
export function pendingRecords(
  db: Db,
  afterSeq: number,
  limit: number,
): Array<{ seq: number; payload: string }> {
  return db
    .prepare<[number, number], { seq: number; payload: string }>(
      `SELECT m.seq, ${WIRE_RECORD_SQL} AS payload FROM outbox o JOIN movements m ON m.seq = o.seq
       WHERE o.seq > ? ORDER BY o.seq LIMIT ?`,
    )
    .all(afterSeq, limit);
}

/** Wire records straight from the ledger from `fromSeq` on (resending what the cloud lost). */
export function ledgerRecords(
  db: Db,
  fromSeq: number,
  limit: number,
): Array<{ seq: number; payload: string }> {
  return db
    .prepare<[number, number], { seq: number; payload: string }>(
      `SELECT m.seq, ${WIRE_RECORD_SQL} AS payload FROM movements m WHERE m.seq >= ? ORDER BY m.seq LIMIT ?`,
    )
    .all(fromSeq, limit);
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
