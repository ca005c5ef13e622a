import { createHash } from 'node:crypto';
import type { StoredMovement } from '@store-edge/protocol';
import type { Db } from '../db/database.js';
import type { MovementRow } from './ledger.js';
import { outboxSummary } from './outbox.js';
import type { MovementType } from './types.js';

/**
 * What the replication shipper asks of the ledger: runs in the writer thread, inside one
 * transaction each, so a crash leaves either the old state or the new one.
 */
export class Replica {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The cloud holds everything up to `appliedSeq`: forget those outbox rows. */
  ack(appliedSeq: number): { ackedSeq: number; pending: number } {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM outbox WHERE seq <= ?').run(appliedSeq);
      this.db
        .prepare(
          'UPDATE replication_state SET acked_seq = MAX(acked_seq, ?), last_success_at = ?, last_error = NULL WHERE id = 1',
        )
        .run(appliedSeq, this.clock().toISOString());
      const { pending } = outboxSummary(this.db);
      const acked = (
        this.db.prepare('SELECT acked_seq FROM replication_state WHERE id = 1').get() as { acked_seq: number }
      ).acked_seq;
      return { ackedSeq: acked, pending };
    })();
  }

  setError(message: string | null): void {
    this.db.prepare('UPDATE replication_state SET last_error = ? WHERE id = 1').run(message);
  }

  /**
   * The cloud is ahead of this ledger (restored from a backup, or a replaced disk): take the
   * cloud's records after `fromSeq` as the truth, move local movements the cloud never saw to
   * the end of the sequence (new seqs, same ids, queued for the cloud), and rebuild the stock
   * projection and open reservations from the ledger. Nothing made before or after the backup
   * is lost or doubled: movement ids are unique.
   */
  adopt(
    fromSeq: number,
    cloud: StoredMovement[],
    cloudApplied: number,
  ): { lastSeq: number; pulled: number; renumbered: number } {
    return this.db.transaction(() => {
      const local = this.db
        .prepare('SELECT * FROM movements WHERE seq > ? ORDER BY seq')
        .all(fromSeq) as MovementRow[];
      const localBySeq = new Map(local.map((m) => [m.seq, m]));
      // Divergence: the first seq where the cloud's movement differs from ours.
      let divergence = cloudApplied + 1;
      for (const r of cloud) {
        if (localBySeq.get(r.seq)?.id !== r.movement.id) {
          divergence = r.seq;
          break;
        }
      }
      const cloudIds = new Set(cloud.map((r) => r.movement.id));
      const orphans = local.filter((m) => m.seq >= divergence && !cloudIds.has(m.id));
      // The filed tables name seqs; those from the divergence on now name other movements.
      this.db.prepare('DELETE FROM movement_ids WHERE seq >= ?').run(divergence);
      this.db.prepare('DELETE FROM movements WHERE seq >= ?').run(divergence);
      this.db.prepare('DELETE FROM movement_history WHERE seq >= ?').run(divergence);
      this.db
        .prepare(
          'UPDATE history_state SET indexed_upto = MIN(indexed_upto, ?), ids_upto = MIN(ids_upto, ?) WHERE id = 1',
        )
        .run(divergence - 1, divergence - 1);
      this.db.prepare('DELETE FROM outbox WHERE seq >= ?').run(divergence);

      const now = this.clock().toISOString();
      const insert = this.db.prepare(
        `INSERT INTO movements (seq, id, type, sku, location, qty, delta_on_hand, delta_reserved, at, ref, reason, code,
           source, actor, flags, request_hash, recorded_at)
         VALUES (@seq, @id, @type, @sku, @location, @qty, 0, 0, @at, @ref, @reason, @code, @source, @actor, @flags, @requestHash, @recordedAt)`,
      );
      let pulled = 0;
      for (const r of cloud) {
        if (r.seq < divergence) continue;
        const m = r.movement;
        insert.run({
          seq: r.seq,
          id: m.id,
          type: m.type,
          sku: m.sku,
          location: m.location,
          qty: m.qty,
          at: m.at,
          ref: m.ref ?? null,
          reason: m.reason ?? null,
          code: null,
          source: m.source ?? 'cloud',
          actor: m.actor ?? 'cloud',
          flags: null,
          requestHash: cloudHash(r),
          recordedAt: now,
        });
        pulled++;
      }
      let seq = Math.max(cloudApplied, divergence - 1);
      const outbox = this.db.prepare('INSERT INTO outbox (seq) VALUES (?)');
      for (const o of orphans) {
        seq++;
        insert.run({
          seq,
          id: o.id,
          type: o.type,
          sku: o.sku,
          location: o.location,
          qty: o.qty,
          at: o.at,
          ref: o.ref,
          reason: o.reason,
          code: o.code,
          source: o.source,
          actor: o.actor,
          flags: o.flags,
          // Keeps the client's hash: a retry of the original request is still a duplicate.
          requestHash: o.request_hash,
          recordedAt: o.recorded_at,
        });
        outbox.run(seq);
      }
      this.replayFrom(divergence);
      this.db
        .prepare(
          'UPDATE replication_state SET acked_seq = ?, last_error = NULL, last_success_at = ? WHERE id = 1',
        )
        .run(cloudApplied, now);
      return { lastSeq: seq, pulled, renumbered: orphans.length };
    })();
  }

  /** Recomputes deltas from `fromSeq` on, then the stock projection and open reservations. */
  private replayFrom(fromSeq: number): void {
    const state = new Map<string, { onHand: number; reserved: number }>();
    const base = this.db
      .prepare(
        'SELECT sku, location, SUM(delta_on_hand) AS on_hand, SUM(delta_reserved) AS reserved FROM movements WHERE seq < ? GROUP BY sku, location',
      )
      .all(fromSeq) as Array<{ sku: string; location: string; on_hand: number; reserved: number }>;
    for (const b of base)
      state.set(`${b.sku}\u0000${b.location}`, { onHand: b.on_hand, reserved: b.reserved });
    const update = this.db.prepare(
      'UPDATE movements SET delta_on_hand = ?, delta_reserved = ? WHERE seq = ?',
    );
    const rows = this.db
      .prepare('SELECT seq, type, sku, location, qty FROM movements WHERE seq >= ? ORDER BY seq')
      .all(fromSeq) as Array<{
      seq: number;
      type: MovementType;
      sku: string;
      location: string;
      qty: number;
    }>;
    for (const r of rows) {
      const key = `${r.sku}\u0000${r.location}`;
      const s = state.get(key) ?? { onHand: 0, reserved: 0 };
      const [dOn, dRes] = effect(r.type, r.qty, s.onHand);
      s.onHand += dOn;
      s.reserved += dRes;
      state.set(key, s);
      update.run(dOn, dRes, r.seq);
    }
    this.db.prepare('DELETE FROM stock').run();
    const put = this.db.prepare(
      'INSERT INTO stock (sku, location, on_hand, reserved, last_seq) VALUES (?, ?, ?, ?, 0)',
    );
    for (const [key, s] of state) {
      const [sku, location] = key.split('\u0000') as [string, string];
      put.run(sku, location, s.onHand, s.reserved);
    }
    this.db.prepare('DELETE FROM reservations').run();
    this.db
      .prepare(
        `INSERT INTO reservations (ref, sku, location, qty_open)
         SELECT ref, MIN(sku), MIN(location), MAX(0, SUM(CASE type WHEN 'reserve' THEN qty WHEN 'release' THEN -qty WHEN 'ship' THEN -qty ELSE 0 END))
         FROM movements WHERE ref IS NOT NULL AND type IN ('reserve', 'release', 'ship') GROUP BY ref`,
      )
      .run();
  }
}

/** Stock effect of a movement given the on-hand before it (count states a total). */
export function effect(type: MovementType, qty: number, onHandBefore: number): [number, number] {
  switch (type) {
    case 'receive':
    case 'return':
    case 'transfer_in':
    case 'adjust':
      return [qty, 0];
    case 'sale':
    case 'transfer_out':
    case 'damage':
      return [-qty, 0];
    case 'count':
      return [qty - onHandBefore, 0];
    case 'reserve':
      return [0, qty];
    case 'release':
      return [0, -qty];
    case 'ship':
      return [-qty, -qty];
    default:
      return [0, 0];
  }
}

function cloudHash(r: StoredMovement): string {
  return createHash('sha256').update(JSON.stringify(r.movement)).digest('base64url').slice(0, 32);
}
