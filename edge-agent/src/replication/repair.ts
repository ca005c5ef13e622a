import { canonicalId, LIMITS, parseInstant } from '@store-edge/protocol';
import type { Db } from '../db/database.js';
import { EdgeError, ErrorCode } from '../errors.js';
import { toOutboxRecord } from '../ledger/ledger.js';
import type { MovementType } from '../ledger/types.js';

/** Why a record cannot be withdrawn (answered as a problem by the route). */
export type RepairCode =
  | typeof ErrorCode.Replication_RecordNotFound
  | typeof ErrorCode.Replication_RecordAcknowledged;

export class RepairError extends EdgeError<RepairCode> {}

/** What the writer thread answers to `void`: the result, or why not (crosses the thread as data). */
export type VoidAnswer = VoidResult | { error: { code: RepairCode; message: string } };

export interface VoidResult {
  seq: number;
  id: string;
  /** The quarantine entry that keeps the original record (GET /api/v1/quarantine). */
  quarantineId: number | null;
  /** The record as it was on the wire before it was withdrawn. */
  original: unknown;
  /** False when the record was already void (the call is idempotent). */
  voided: boolean;
}

interface Row {
  seq: number;
  id: string;
  type: MovementType;
  sku: string;
  location: string;
  qty: number;
  delta_on_hand: number;
  delta_reserved: number;
  at: string;
  ref: string | null;
  reason: string | null;
  source: string;
  actor: string;
  recorded_at: string;
}

/**
 * Withdraws a record the cloud refuses for good (docs/operations.md "A record the cloud
 * refuses"). The cloud needs every seq, so the record is not deleted: it becomes a `void`
 * movement (protocol: qty 0, no stock effect) with the same seq and id, which the cloud accepts;
 * its stock effect is taken back here, so the store and the cloud agree that it never happened.
 * The original wire record goes to the quarantine with the cloud's reason, for the operator to
 * book again correctly (a new movement, a new id) if it did happen.
 *
 * Only records the cloud has not acknowledged (still in the outbox) can be withdrawn. Runs in
 * one transaction in the ledger's writer.
 */
export function voidRecord(
  db: Db,
  seq: number,
  opts: { reason: string; actor: string; now: Date },
): VoidResult {
  return db.transaction((): VoidResult => {
    const row = db.prepare<[number], Row>('SELECT * FROM movements WHERE seq = ?').get(seq);
    if (!row)
      throw new RepairError(ErrorCode.Replication_RecordNotFound, `the ledger has no record with seq ${seq}`);
    const wire = JSON.stringify(toOutboxRecord(row));
    const id = canonicalId(row.id) ?? row.id;
    if (row.type === 'void') return { seq, id, quarantineId: null, original: null, voided: false };
    if (!db.prepare('SELECT 1 FROM outbox WHERE seq = ?').get(seq)) {
      throw new RepairError(
        ErrorCode.Replication_RecordAcknowledged,
        `seq ${seq} was already acknowledged by the cloud; only records still waiting to be sent can be withdrawn`,
      );
    }
    // Take the stock effect back. A later count at the same place already restated on hand: the
    // effect then belongs to that count's difference, and on hand stays what was counted.
    if (row.delta_on_hand !== 0) {
      const count = db
        .prepare<[number, string, string], { seq: number }>(
          "SELECT seq FROM movements WHERE seq > ? AND sku = ? AND location = ? AND type = 'count' ORDER BY seq LIMIT 1",
        )
        .get(seq, row.sku, row.location);
      if (count)
        db.prepare('UPDATE movements SET delta_on_hand = delta_on_hand + ? WHERE seq = ?').run(
          row.delta_on_hand,
          count.seq,
        );
      else
        db.prepare('UPDATE stock SET on_hand = on_hand - ? WHERE sku = ? AND location = ?').run(
          row.delta_on_hand,
          row.sku,
          row.location,
        );
    }
    if (row.delta_reserved !== 0)
      db.prepare('UPDATE stock SET reserved = reserved - ? WHERE sku = ? AND location = ?').run(
        row.delta_reserved,
        row.sku,
        row.location,
      );
    if (row.ref !== null && row.type === 'reserve')
      db.prepare('UPDATE reservations SET qty_open = MAX(0, qty_open - ?) WHERE ref = ?').run(
        row.qty,
        row.ref,
      );
    else if (row.ref !== null && (row.type === 'release' || row.type === 'ship'))
      db.prepare('UPDATE reservations SET qty_open = qty_open + ? WHERE ref = ?').run(row.qty, row.ref);

    const at = parseInstant(row.at);
    const reason = `void: ${opts.reason}`.slice(0, LIMITS.reason);
    db.prepare(
      `UPDATE movements SET id = ?, type = 'void', qty = 0, delta_on_hand = 0, delta_reserved = 0,
         sku = ?, location = ?, at = ?, ref = NULL, reason = ?, source = 'repair', actor = ? WHERE seq = ?`,
    ).run(
      id,
      row.sku.slice(0, LIMITS.sku) || '-',
      row.location.slice(0, LIMITS.location) || '-',
      at.ok ? at.at : row.recorded_at,
      reason,
      opts.actor.slice(0, LIMITS.actor),
      seq,
    );
    const q = db
      .prepare('INSERT INTO quarantine (at, source, device_id, raw, reason) VALUES (?, ?, NULL, ?, ?)')
      .run(opts.now.toISOString(), 'replication', wire, `withdrawn from replication: ${opts.reason}`);
    return {
      seq,
      id,
      quarantineId: Number(q.lastInsertRowid),
      original: JSON.parse(wire) as unknown,
      voided: true,
    };
  })();
}
