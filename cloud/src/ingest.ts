import {
  AGENT_LEASE_SECONDS,
  type Movement,
  movementQtyProblem,
  PROBLEM_CODES,
  type ReplicationRecord,
  type Reservation,
  type ReservationStatus,
} from '@store-edge/protocol';
import { appendChanges, type NewChange } from './changes.js';
import { mysqlErrno, type Pool, type PoolConnection, toSqlDateTime, withTransaction } from './db.js';
import { enqueueEvent } from './outbox.js';
import { HttpProblem, notFound } from './problem.js';
import { foldStock } from './projection.js';
import { type ReservationRow, reservationFromRow } from './reservations.js';

export interface IngestResult {
  appliedSeq: number;
  /** Records newly applied by this call (0 for a pure duplicate). */
  inserted: number;
  /** The change feed of the tenant moved (reservation answers). */
  changed: boolean;
}

export interface IngestHooks {
  onRetry?: () => void;
}

/** Checks what a schema cannot: consecutive seqs and qty sign rules. Throws 400. */
export function checkBatchShape(records: ReplicationRecord[]): void {
  const errors: Array<{ path: string; message: string }> = [];
  records.forEach((r, i) => {
    const prev = records[i - 1];
    if (prev && r.seq !== prev.seq + 1) {
      errors.push({ path: `/records/${i}/seq`, message: `must be ${prev.seq + 1} (seqs are consecutive)` });
    }
    const q = movementQtyProblem(r.movement);
    if (q) errors.push({ path: `/records/${i}/movement/qty`, message: q });
  });
  if (errors.length > 0) {
    throw new HttpProblem(400, 'Bad Request', 'invalid batch', { code: PROBLEM_CODES.validation, errors });
  }
}

const ANSWERS: Partial<Record<Movement['type'], { from: ReservationStatus; to: ReservationStatus }>> = {
  reserve: { from: 'requested', to: 'accepted' },
  reject: { from: 'requested', to: 'rejected' },
  ship: { from: 'accepted', to: 'fulfilled' },
  release: { from: 'accepted', to: 'released' },
};

/**
 * Applies one replication batch exactly once, in one transaction (ARCHITECTURE.md
 * "Replication contract"). The store row lock serializes batches of one store across all
 * replicas; records at or below the applied seq are skipped only when their movement id is the
 * one stored at that seq.
 */
export async function ingestBatch(
  pool: Pool,
  store: { storeId: string; tenantId: string },
  records: ReplicationRecord[],
  hooks: IngestHooks = {},
  agentInstance?: string,
): Promise<IngestResult> {
  checkBatchShape(records);
  return withTransaction(pool, (conn) => applyBatch(conn, store, records, agentInstance), {
    onRetry: hooks.onRetry,
  });
}

async function applyBatch(
  conn: PoolConnection,
  { storeId, tenantId }: { storeId: string; tenantId: string },
  records: ReplicationRecord[],
  agentInstance?: string,
): Promise<IngestResult> {
  const [storeRows] = await conn.query(
    `SELECT applied_seq, agent_instance, TIMESTAMPDIFF(SECOND, agent_seen_at, NOW(6)) AS silent_s
     FROM stores WHERE id = ? AND tenant_id = ? FOR UPDATE`,
    [storeId, tenantId],
  );
  const storeRow = (
    storeRows as Array<{ applied_seq: number; agent_instance: string | null; silent_s: number | null }>
  )[0];
  if (!storeRow) throw notFound(`store '${storeId}' does not exist`);
  if (agentInstance) {
    const other = storeRow.agent_instance;
    if (
      other &&
      other !== agentInstance &&
      storeRow.silent_s !== null &&
      Number(storeRow.silent_s) < AGENT_LEASE_SECONDS
    ) {
      throw new HttpProblem(
        409,
        'Conflict',
        `store '${storeId}' is being replicated by another edge agent installation (${other}, heard from ${storeRow.silent_s} s ago); ` +
          'two agents must not share one store credential. Stop the other agent, or give this one its own store.',
        { code: PROBLEM_CODES.anotherAgent },
      );
    }
    await conn.query('UPDATE stores SET agent_instance = ?, agent_seen_at = NOW(6) WHERE id = ?', [
      agentInstance,
      storeId,
    ]);
  }
  const applied = Number(storeRow.applied_seq);
  const first = records[0]?.seq ?? applied + 1;
  const last = records[records.length - 1]?.seq ?? applied;

  if (first > applied + 1) {
    throw new HttpProblem(
      409,
      'Conflict',
      `gap: this store's next seq is ${applied + 1}, the batch starts at ${first}`,
      {
        code: PROBLEM_CODES.sequenceGap,
        expectedSeq: applied + 1,
      },
    );
  }

  if (first <= applied) await checkAlreadyApplied(conn, storeId, records, applied);

  const fresh = records.filter((r) => r.seq > applied);
  if (fresh.length === 0) {
    await conn.query('UPDATE stores SET last_replicated_at = NOW(6), stale_notified = 0 WHERE id = ?', [
      storeId,
    ]);
    return { appliedSeq: applied, inserted: 0, changed: false };
  }

  await insertMovements(conn, storeId, tenantId, fresh);
  await updateStock(conn, storeId, tenantId, fresh);
  const changed = await answerReservations(conn, storeId, tenantId, fresh);

  await conn.query(
    'UPDATE stores SET applied_seq = ?, last_replicated_at = NOW(6), stale_notified = 0 WHERE id = ?',
    [last, storeId],
  );
  await enqueueEvent(conn, tenantId, 'movements.applied', () => ({
    storeId,
    fromSeq: fresh[0]?.seq,
    toSeq: last,
    count: fresh.length,
    movements: fresh,
  }));
  return { appliedSeq: last, inserted: fresh.length, changed };
}

async function checkAlreadyApplied(
  conn: PoolConnection,
  storeId: string,
  records: ReplicationRecord[],
  applied: number,
): Promise<void> {
  const old = records.filter((r) => r.seq <= applied);
  const [rows] = await conn.query(
    'SELECT seq, id FROM movements WHERE store_id = ? AND seq BETWEEN ? AND ?',
    [storeId, old[0]?.seq, old[old.length - 1]?.seq],
  );
  const stored = new Map((rows as Array<{ seq: number; id: string }>).map((r) => [Number(r.seq), r.id]));
  for (const r of old) {
    if (stored.get(r.seq) !== r.movement.id.toLowerCase()) {
      throw new HttpProblem(
        409,
        'Conflict',
        `sequence reuse: seq ${r.seq} was already applied with movement ${stored.get(r.seq) ?? '(none)'}, ` +
          `this batch carries ${r.movement.id}; the edge's database was restored or replaced. Pull back ` +
          `movements after your last common seq and continue after seq ${applied}`,
        { code: PROBLEM_CODES.sequenceReuse, seq: r.seq, appliedSeq: applied },
      );
    }
  }
}

async function insertMovements(
  conn: PoolConnection,
  storeId: string,
  tenantId: string,
  fresh: ReplicationRecord[],
): Promise<void> {
  // One multi-row INSERT per batch: the bulk of ingest cost is this statement.
  const rows = fresh.map(({ seq, movement: m }) => [
    storeId,
    seq,
    m.id.toLowerCase(),
    tenantId,
    m.type,
    m.sku,
    m.location,
    m.qty,
    toSqlDateTime(m.at),
    m.ref ?? null,
    m.reason ?? null,
    m.source ?? null,
    m.actor ?? null,
  ]);
  try {
    await conn.query(
      'INSERT INTO movements (store_id, seq, id, tenant_id, type, sku, location, qty, at, ref, reason, source, actor) VALUES ?',
      [rows],
    );
  } catch (err) {
    if (mysqlErrno(err) !== 1062 /* ER_DUP_ENTRY: the (store_id, id) key */) throw err;
    const ids = fresh.map((r) => r.movement.id.toLowerCase());
    const [dups] = await conn.query('SELECT seq, id FROM movements WHERE store_id = ? AND id IN (?)', [
      storeId,
      ids,
    ]);
    const dup = (dups as Array<{ seq: number; id: string }>)[0];
    const again = fresh.find((r) => r.movement.id.toLowerCase() === dup?.id);
    throw new HttpProblem(
      409,
      'Conflict',
      dup && again
        ? `movement ${dup.id} was already replicated as seq ${dup.seq}; seq ${again.seq} cannot carry it again`
        : 'a movement id appears twice in this batch',
      { code: PROBLEM_CODES.movementIdConflict, seq: again?.seq ?? fresh[0]?.seq },
    );
  }
}

async function updateStock(
  conn: PoolConnection,
  storeId: string,
  tenantId: string,
  fresh: ReplicationRecord[],
): Promise<void> {
  const deltas = foldStock(fresh.map((r) => r.movement));
  const relative = deltas.filter((d) => d.setOnHand === null);
  const absolute = deltas.filter((d) => d.setOnHand !== null);
  // VALUES(col) in ON DUPLICATE KEY UPDATE works on MySQL 8 (deprecated, still supported) and
  // MariaDB; the `AS new` row alias would be MySQL-only.
  if (relative.length > 0) {
    await conn.query(
      `INSERT INTO stock (store_id, sku, location, tenant_id, on_hand, reserved) VALUES ?
       ON DUPLICATE KEY UPDATE on_hand = on_hand + VALUES(on_hand), reserved = reserved + VALUES(reserved),
         updated_at = NOW(6)`,
      [relative.map((d) => [storeId, d.sku, d.location, tenantId, d.onHand, d.reserved])],
    );
  }
  if (absolute.length > 0) {
    await conn.query(
      `INSERT INTO stock (store_id, sku, location, tenant_id, on_hand, reserved) VALUES ?
       ON DUPLICATE KEY UPDATE on_hand = VALUES(on_hand), reserved = reserved + VALUES(reserved),
         updated_at = NOW(6)`,
      [
        absolute.map((d) => [
          storeId,
          d.sku,
          d.location,
          tenantId,
          (d.setOnHand ?? 0) + d.onHand,
          d.reserved,
        ]),
      ],
    );
  }
}

/** Moves reservations along when the store's answering movement (ref = reservation id) arrives. */
async function answerReservations(
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
    await conn.query('UPDATE reservations SET status = ?, updated_at = NOW(6) WHERE id = ?', [
      res.status,
      res.id,
    ]);
    changes.push({ storeId, kind: 'reservation', data: res });
    await enqueueEvent(conn, tenantId, 'reservation.changed', res);
  }
  await appendChanges(conn, tenantId, changes);
  return true;
}
