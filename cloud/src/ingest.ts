import {
  AGENT_LEASE_SECONDS,
  type BackoffPolicy,
  checkMovement,
  type Movement,
  PROBLEM_CODES,
  type ReplicationRecord,
  type Reservation,
  type ReservationStatus,
  retry,
} from '@store-edge/protocol';
import { escape, format } from 'mysql2';
import { appendChanges, type NewChange } from './changes.js';
import {
  mysqlErrno,
  type Pool,
  type PoolConnection,
  type RetryReason,
  toSqlDateTime,
  withTransaction,
} from './db.js';
import { enqueueEvent } from './outbox.js';
import { HttpProblem, notFound, unauthorized } from './problem.js';
import { foldStock, type StockDelta } from './projection.js';
import { type ReservationRow, reservationFromRow } from './reservations.js';

export interface IngestResult {
  appliedSeq: number;
  /** Records newly applied by this call (0 for a pure duplicate). */
  inserted: number;
  /** The change feed of the tenant moved (reservation answers). */
  changed: boolean;
}

export interface IngestHooks {
  /** A transaction of this batch was rolled back and is run again (metrics). */
  onRetry?: (reason: RetryReason) => void;
}

/**
 * Checks what a schema cannot (consecutive seqs, and the protocol's `movementProblems`: qty
 * sign rules, calendar and range of `at`), and throws 400 naming each record's field. Then
 * normalises every record in place, so everything after compares and stores one form: the id
 * as `canonicalId()` (upper case and urn:uuid: forms are one id), `at` in UTC milliseconds.
 */
export function checkBatchShape(records: ReplicationRecord[]): void {
  const errors: Array<{ path: string; message: string }> = [];
  const normalised: Array<{ id: string; at: string }> = [];
  records.forEach((r, i) => {
    const prev = records[i - 1];
    if (prev && r.seq !== prev.seq + 1) {
      errors.push({ path: `/records/${i}/seq`, message: `must be ${prev.seq + 1} (seqs are consecutive)` });
    }
    const c = checkMovement(r.movement);
    for (const p of c.problems) errors.push({ path: `/records/${i}/movement${p.path}`, message: p.message });
    if (c.id !== null && c.at !== null) normalised.push({ id: c.id, at: c.at });
  });
  if (errors.length > 0) {
    throw new HttpProblem(400, 'Bad Request', 'invalid batch', { code: PROBLEM_CODES.validation, errors });
  }
  records.forEach((r, i) => {
    const n = normalised[i] as { id: string; at: string };
    r.movement.id = n.id;
    r.movement.at = n.at;
  });
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
  store: { storeId: string; tenantId: string; tokenHash?: Buffer },
  records: ReplicationRecord[],
  hooks: IngestHooks = {},
  agentInstance?: string,
): Promise<IngestResult> {
  checkBatchShape(records);
  // Everything that does not need the store's row lock is done before taking it: the lock
  // serializes all batches of the store, so each millisecond spent holding it is one every
  // other batch of that store waits. The writes are formatted here for the usual case (every
  // record is new).
  const prepared = formatWrites(store.storeId, store.tenantId, records);
  const since = performance.now();
  // An edge keeps several batches in flight (shipper.ts) and they can reach the store's lock out
  // of order (each is decompressed and parsed on its own): a batch that arrives just before its
  // predecessor waits for it a moment, retrying its transaction, instead of sending the edge
  // back to resend everything after it.
  return retry(
    () =>
      withTransaction(pool, (conn) => applyBatch(conn, store, records, { prepared, agentInstance }), {
        onRetry: (_err, _attempt, reason) => hooks.onRetry?.(reason),
      }),
    {
      attempts: Number.POSITIVE_INFINITY,
      policyFor: (err) =>
        err instanceof HttpProblem &&
        err.extra.code === PROBLEM_CODES.sequenceGap &&
        performance.now() - since < GAP_PATIENCE_MS
          ? GAP_WAIT
          : null,
    },
  );
}

/** How long a batch that came before its predecessor waits for it before answering "gap". */
const GAP_PATIENCE_MS = 1000;
/** The waits between its tries (protocol/src/retry.ts: full jitter, 2 ms doubling to 50 ms). */
const GAP_WAIT: BackoffPolicy = { baseMs: 2, capMs: 50 };

function anotherAgent(storeId: string, other: string, silentSeconds: number): HttpProblem {
  return new HttpProblem(
    409,
    'Conflict',
    `store '${storeId}' is being replicated by another edge agent installation (${other}, heard from ${silentSeconds} s ago); ` +
      'two agents must not share one store credential. Stop the other agent, or give this one its own store.',
    { code: PROBLEM_CODES.anotherAgent },
  );
}

/** Takes (or renews) the store's agent lease for this installation, or refuses with 409. */
export async function claimAgentLease(pool: Pool, storeId: string, agentInstance: string): Promise<void> {
  await withTransaction(pool, async (conn) => {
    const [rows] = await conn.query(
      'SELECT agent_instance, TIMESTAMPDIFF(SECOND, agent_seen_at, NOW(6)) AS silent_s FROM stores WHERE id = ? FOR UPDATE',
      [storeId],
    );
    const row = (rows as Array<{ agent_instance: string | null; silent_s: number | null }>)[0];
    if (!row) return;
    const other = row.agent_instance;
    if (
      other &&
      other !== agentInstance &&
      row.silent_s !== null &&
      Number(row.silent_s) < AGENT_LEASE_SECONDS
    ) {
      throw anotherAgent(storeId, other, Number(row.silent_s));
    }
    await conn.query('UPDATE stores SET agent_instance = ?, agent_seen_at = NOW(6) WHERE id = ?', [
      agentInstance,
      storeId,
    ]);
  });
}

const LEASE_SET =
  ', agent_instance = COALESCE(?, agent_instance), agent_seen_at = IF(? IS NULL, agent_seen_at, NOW(6))';

interface Prepared {
  /** The batch's writes, formatted for the case where every record is new. */
  prepared: string[];
  agentInstance?: string;
}

async function applyBatch(
  conn: PoolConnection,
  { storeId, tenantId, tokenHash }: { storeId: string; tenantId: string; tokenHash?: Buffer },
  records: ReplicationRecord[],
  { prepared, agentInstance }: Prepared,
): Promise<IngestResult> {
  const lease = [agentInstance ?? null, agentInstance ?? null];
  // The usual batch (the next records of a store whose token, lease and tenant hold, and that no
  // webhook listens to): one UPDATE takes the store's row lock and moves its mark, only if all
  // that holds; then the movements and the stock. Anything else (a duplicate, a gap, another
  // agent, a revoked token, subscribers) changes no row and takes the checked path below, in the
  // same transaction.
  const first = records[0]?.seq;
  const last = records[records.length - 1]?.seq;
  if (first !== undefined && last !== undefined) {
    const [moved] = await conn.query(
      `UPDATE stores SET applied_seq = ?, last_replicated_at = NOW(6), stale_notified = 0${LEASE_SET}
       WHERE id = ? AND tenant_id = ? AND applied_seq = ?
         AND (? IS NULL OR agent_instance IS NULL OR agent_instance = ? OR agent_seen_at IS NULL
              OR TIMESTAMPDIFF(SECOND, agent_seen_at, NOW(6)) >= ?)
         AND (? IS NULL OR EXISTS (SELECT 1 FROM store_tokens t
              WHERE t.token_hash = ? AND t.store_id = stores.id AND t.revoked_at IS NULL))
         AND NOT EXISTS (${SUBSCRIBED})`,
      [
        last,
        ...lease,
        storeId,
        tenantId,
        first - 1,
        ...lease,
        AGENT_LEASE_SECONDS,
        tokenHash ?? null,
        tokenHash ?? null,
      ],
    );
    if ((moved as { affectedRows: number }).affectedRows === 1) {
      await writeMovements(conn, storeId, records, prepared);
      const changed = await answerReservations(conn, storeId, tenantId, records);
      return { appliedSeq: last, inserted: records.length, changed };
    }
  }
  // The statement that takes the store's row lock also answers, in the same round trip, whether
  // the presented token is still valid (the authenticator may have answered from its cache:
  // auth.ts) and whether any webhook listens for movements.applied (rarely: only then are
  // they looked up). Subqueries in the select list read without locking.
  const [storeRows] = await conn.query(
    `SELECT applied_seq, agent_instance, TIMESTAMPDIFF(SECOND, agent_seen_at, NOW(6)) AS silent_s,
       (? IS NULL OR EXISTS (SELECT 1 FROM store_tokens t
          WHERE t.token_hash = ? AND t.store_id = stores.id AND t.revoked_at IS NULL)) AS token_ok,
       EXISTS (${SUBSCRIBED}) AS subscribed
     FROM stores WHERE id = ? AND tenant_id = ? FOR UPDATE`,
    [tokenHash ?? null, tokenHash ?? null, storeId, tenantId],
  );
  const storeRow = (
    storeRows as Array<{
      applied_seq: number;
      agent_instance: string | null;
      silent_s: number | null;
      token_ok: number;
      subscribed: number;
    }>
  )[0];
  if (!storeRow) throw notFound(`store '${storeId}' does not exist`);
  if (!Number(storeRow.token_ok)) throw unauthorized('unknown or revoked token');
  if (agentInstance) {
    const other = storeRow.agent_instance;
    if (
      other &&
      other !== agentInstance &&
      storeRow.silent_s !== null &&
      Number(storeRow.silent_s) < AGENT_LEASE_SECONDS
    ) {
      throw anotherAgent(storeId, other, Number(storeRow.silent_s));
    }
  }
  // The lease is renewed in the same UPDATE that moves the store's mark (one round trip less).
  const applied = Number(storeRow.applied_seq);
  if (first === undefined || last === undefined) return { appliedSeq: applied, inserted: 0, changed: false };

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
    await conn.query(
      `UPDATE stores SET last_replicated_at = NOW(6), stale_notified = 0${LEASE_SET} WHERE id = ?`,
      [...lease, storeId],
    );
    return { appliedSeq: applied, inserted: 0, changed: false };
  }

  await writeMovements(
    conn,
    storeId,
    fresh,
    fresh.length === records.length ? prepared : formatWrites(storeId, tenantId, fresh),
  );
  await conn.query(
    `UPDATE stores SET applied_seq = ?, last_replicated_at = NOW(6), stale_notified = 0${LEASE_SET} WHERE id = ?`,
    [last, ...lease, storeId],
  );
  const changed = await answerReservations(conn, storeId, tenantId, fresh);
  if (Number(storeRow.subscribed)) {
    await enqueueEvent(conn, tenantId, 'movements.applied', () => ({
      storeId,
      fromSeq: fresh[0]?.seq,
      toSeq: last,
      count: fresh.length,
      movements: fresh,
    }));
  }
  return { appliedSeq: last, inserted: fresh.length, changed };
}

/** Is any webhook (of this store's tenant, or of every tenant) listening for movements.applied? */
const SUBSCRIBED = `SELECT 1 FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id
  WHERE s.event = 'movements.applied' AND (w.tenant_id = stores.tenant_id OR w.tenant_id IS NULL)`;

/**
 * The movements and the stock projection: each statement on its own round trip, never several
 * in one query. In one multi-statement query, a statement failing inside a transaction Galera
 * has aborted (certification conflict) left the statements after it to run as autocommitted
 * ones: the mark and the stock committed without the movements.
 */
async function writeMovements(
  conn: PoolConnection,
  storeId: string,
  fresh: ReplicationRecord[],
  writes: string[],
): Promise<void> {
  try {
    for (const statement of writes) await conn.query(statement);
  } catch (err) {
    if (mysqlErrno(err) !== 1062 /* ER_DUP_ENTRY: the (store_id, id) key */) throw err;
    throw await movementIdConflict(conn, storeId, fresh);
  }
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

/**
 * The SQL statements of a batch's writes (movements as one multi-row INSERT, the stock
 * projection as one upsert per kind of change), formatted with mysql2's escaping before the
 * store's row lock is taken; each is sent on its own.
 */
function formatWrites(storeId: string, tenantId: string, fresh: ReplicationRecord[]): string[] {
  // The VALUES text is written row by row with mysql2's escaping: no array per row and no
  // placeholder pass over the finished text (a catch-up formats a thousand rows per batch).
  const store = escape(storeId);
  const tenant = escape(tenantId);
  const values = fresh.map(
    ({ seq, movement: m }) =>
      `(${store},${escape(seq)},${escape(m.id.toLowerCase())},${tenant},${escape(m.type)},${escape(m.sku)},${escape(m.location)},${escape(m.qty)},${escape(toSqlDateTime(m.at))},${escape(m.ref ?? null)},${escape(m.reason ?? null)},${escape(m.source ?? null)},${escape(m.actor ?? null)})`,
  );
  const statements = [
    `INSERT INTO movements (store_id, seq, id, tenant_id, type, sku, location, qty, at, ref, reason, source, actor) VALUES ${values.join(',')}`,
  ];
  const deltas = foldStock(fresh.map((r) => r.movement));
  // A count in the batch sets on hand (then adds what followed it); otherwise it is added.
  const relative = deltas.filter((d) => d.setOnHand === null);
  const absolute = deltas.filter((d) => d.setOnHand !== null);
  if (relative.length > 0)
    statements.push(stockUpsert('on_hand + VALUES(on_hand)', storeId, tenantId, relative));
  if (absolute.length > 0) statements.push(stockUpsert('VALUES(on_hand)', storeId, tenantId, absolute));
  return statements;
}

/**
 * One multi-row upsert of the stock projection. VALUES(col) in ON DUPLICATE KEY UPDATE works on
 * MySQL 8 (deprecated, still supported) and MariaDB; the `AS new` row alias would be MySQL-only.
 */
function stockUpsert(onHand: string, storeId: string, tenantId: string, deltas: StockDelta[]): string {
  return format(
    `INSERT INTO stock (store_id, sku, location, tenant_id, on_hand, reserved) VALUES ?
     ON DUPLICATE KEY UPDATE on_hand = ${onHand}, reserved = reserved + VALUES(reserved), updated_at = NOW(6)`,
    [deltas.map((d) => [storeId, d.sku, d.location, tenantId, (d.setOnHand ?? 0) + d.onHand, d.reserved])],
  );
}

/** A movement id the cloud already holds under another seq (or twice in one batch): 409. */
async function movementIdConflict(
  conn: PoolConnection,
  storeId: string,
  fresh: ReplicationRecord[],
): Promise<HttpProblem> {
  const ids = fresh.map((r) => r.movement.id.toLowerCase());
  const [dups] = await conn.query('SELECT seq, id FROM movements WHERE store_id = ? AND id IN (?)', [
    storeId,
    ids,
  ]);
  const dup = (dups as Array<{ seq: number; id: string }>)[0];
  const again = fresh.find((r) => r.movement.id.toLowerCase() === dup?.id);
  return new HttpProblem(
    409,
    'Conflict',
    dup && again
      ? `movement ${dup.id} was already replicated as seq ${dup.seq}; seq ${again.seq} cannot carry it again`
      : 'a movement id appears twice in this batch',
    { code: PROBLEM_CODES.movementIdConflict, seq: again?.seq ?? fresh[0]?.seq },
  );
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
