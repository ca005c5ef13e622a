// Moves reservations along when the store's answering movement (reserve/reject/ship/release) arrives.
import type { Movement, ReplicationRecord, Reservation, ReservationStatus } from '@store-edge/protocol';
import { appendChanges, type NewChange } from '../changes.js';
import type { PoolConnection } from '../db.js';
import { enqueueEvent } from '../outbox.js';
import { type ReservationRow, reservationFromRow } from '../reservations.js';

const ANSWERS: Partial<Record<Movement['type'], { from: ReservationStatus; to: ReservationStatus }>> = {
  reserve: { from: 'requested', to: 'accepted' },
  reject: { from: 'requested', to: 'rejected' },
  ship: { from: 'accepted', to: 'fulfilled' },
  release: { from: 'accepted', to: 'released' },
};

/** Moves reservations along when the store's answering movement (ref = reservation id) arrives. */
export async function answerReservations(
  conn: PoolConnection,
  storeId: string,
  tenantId: string,
  fresh: ReplicationRecord[],
): Promise<boolean> {
  const answers = fresh.filter((r) => r.movement.ref && ANSWERS[r.movement.type]);
  if (answers.length === 0) return false;
  const refs = [...new Set(answers.map((r) => r.movement.ref as string))];
  const [rows] = await conn.query(
    'SELECT * FROM reservations WHERE store_id = ? AND tenant_id = ? AND id IN (?) FOR UPDATE',
    [storeId, tenantId, refs],
  );
  const byId = new Map((rows as ReservationRow[]).map((r) => [r.id, reservationFromRow(r)]));
  const changed = new Map<string, Reservation>();
  for (const { movement: m } of answers) {
    const rule = ANSWERS[m.type];
    const res = byId.get(m.ref as string);
    if (!rule || !res || res.status !== rule.from) continue;
    res.status = rule.to;
    res.updatedAt = new Date().toISOString();
    changed.set(res.id, res);
  }
  if (changed.size === 0) return false;
  const changes: NewChange[] = [];
  for (const res of changed.values()) {
    await conn.query(
      'UPDATE reservations SET status = ?, updated_at = NOW(6) WHERE store_id = ? AND id = ?',
      [res.status, storeId, res.id],
    );
    changes.push({ storeId, kind: 'reservation', data: res });
    await enqueueEvent(conn, tenantId, 'reservation.changed', res);
  }
  await appendChanges(conn, tenantId, changes);
  return true;
}
