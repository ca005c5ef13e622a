// Applies one replication batch exactly once: the store's row lock, its seq mark, duplicates and gaps.
import {
  AGENT_LEASE_SECONDS,
  type BackoffPolicy,
  PROBLEM_CODES,
  type ReplicationRecord,
  retry,
} from '@store-edge/protocol';
import { type Pool, type PoolConnection, type RetryReason, withTransaction } from '../db.js';
import { enqueueEvent } from '../outbox.js';
import { HttpProblem, notFound, unauthorized } from '../problem.js';
import { checkLease, LEASE_SET } from './lease.js';
import { answerReservations } from './reservation-answers.js';
import { checkBatchShape } from './shape.js';
import { formatWrites, writeMovements } from './writes.js';

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
  if (agentInstance) checkLease(storeId, agentInstance, storeRow);
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
