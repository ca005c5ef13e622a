import { type BackoffPolicy, normaliseInstant, retry } from '@store-edge/protocol';
import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';

export type { Pool, PoolConnection };

export interface PoolOptions {
  url: string;
  connectionLimit?: number;
  /** A statement outside a transaction is run again (metrics). */
  onRetry?: (reason: RetryReason) => void;
}

export function createPool(opts: PoolOptions): Pool {
  const pool = mysql.createPool({
    uri: opts.url,
    connectionLimit: opts.connectionLimit ?? 20,
    // Every DATETIME we write and read is UTC; the session time zone makes NOW() agree.
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    enableKeepAlive: true,
    // Never several statements in one query: when Galera aborts a transaction (certification
    // conflict), the statements after the failing one in the same query ran on as autocommitted
    // statements and committed half a batch. One statement per round trip, always.
    multipleStatements: false,
    connectTimeout: 5000,
    // mysql2 formats every query, also one sent without values, and so scanned each batch's
    // pre-formatted INSERT (about 100 kB for 400 movements) for placeholders it does not have:
    // 3.5 % of the cloud's CPU in a catch-up (bench/fleet.ts profile). Without values the text
    // goes as it is; with values, the same formatting as mysql2's default.
    queryFormat: (sql: string, values: unknown) =>
      values === undefined || (Array.isArray(values) && values.length === 0)
        ? sql
        : mysql.format(sql, values as Parameters<typeof mysql.format>[1], false, 'Z'),
  });
  // Galera: reads wait until this node has applied every write committed anywhere in the
  // cluster before them (causality check), so a batch sent through another node after one
  // was acknowledged sees that one's mark. MySQL has no such variable (InnoDB Cluster has
  // group_replication_consistency instead): the error is ignored there.
  pool.pool.on('connection', (conn) => {
    conn.query('SET SESSION wsrep_sync_wait = 1', () => {});
  });
  // A single statement outside a transaction (auth lookups, reads, an INSERT of its own) is run
  // again on a fresh connection when the node or the proxy went away under it, as transactions
  // are (withTransaction): a failover shows as a slower answer, not as a 500.
  const query = pool.query.bind(pool);
  const retrying = (...args: Parameters<typeof query>) =>
    retry(() => query(...args), {
      attempts: STATEMENT_ATTEMPTS,
      policyFor: retryPolicy,
      onRetry: (err) => opts.onRetry?.(retryReason(err) as RetryReason),
    });
  pool.query = retrying as unknown as typeof pool.query;
  return pool;
}

const STATEMENT_ATTEMPTS = 10;

/**
 * The backoff (full jitter, protocol/src/retry.ts) before a statement or transaction that
 * failed with `err` is run again, or null when it must not be. Conflicts clear in milliseconds;
 * a lost node takes seconds (HAProxy marks it down after two failed checks; Galera declares it
 * dead after evs.suspect_timeout): nine waits of up to 0.2, 0.4, … 4 s, about 11 s in all on
 * average.
 */
function retryPolicy(err: unknown): BackoffPolicy | null {
  const reason = retryReason(err);
  if (reason === null) return null;
  return reason === 'connection-lost' || reason === 'not-ready' ? LOST_NODE : CONFLICT;
}

const CONFLICT: BackoffPolicy = { baseMs: 10, capMs: 200 };
const LOST_NODE: BackoffPolicy = { baseMs: 200, capMs: 4000 };

/**
 * Errors after which the whole transaction is rolled back (or lost with its connection) and
 * run again from the start: the database chose it as a victim, or the node went away.
 */
export type RetryReason = 'conflict' | 'lock-timeout' | 'not-ready' | 'connection-lost';

const RETRY_ERRNO = new Map<number, RetryReason>([
  // InnoDB deadlock, and Galera's certification failure / brute-force abort (same code).
  [1213, 'conflict'], // ER_LOCK_DEADLOCK
  [1205, 'lock-timeout'], // ER_LOCK_WAIT_TIMEOUT
  // Galera node not in the primary component (joining, partitioned): WSREP has not yet
  // prepared node for application use.
  [1047, 'not-ready'], // ER_UNKNOWN_COM_ERROR
  [1053, 'not-ready'], // ER_SERVER_SHUTDOWN
  // MySQL group replication: a transaction that lost certification (multi-primary), and a write
  // reaching a member that just became a secondary (super_read_only) during a failover.
  [3101, 'conflict'], // ER_TRANSACTION_ROLLBACK_DURING_COMMIT
  [1290, 'not-ready'], // ER_OPTION_PREVENTS_STATEMENT
  [1927, 'connection-lost'], // ER_CONNECTION_KILLED
  [2006, 'connection-lost'], // CR_SERVER_GONE_ERROR
  [2013, 'connection-lost'], // CR_SERVER_LOST
  [4031, 'connection-lost'], // ER_CLIENT_INTERACTION_TIMEOUT
]);

const RETRY_CODE = new Map<string, RetryReason>([
  ['PROTOCOL_CONNECTION_LOST', 'connection-lost'],
  ['ECONNRESET', 'connection-lost'],
  ['ECONNREFUSED', 'connection-lost'],
  ['EPIPE', 'connection-lost'],
  ['ETIMEDOUT', 'connection-lost'],
  ['PROTOCOL_SEQUENCE_TIMEOUT', 'connection-lost'],
  ["Can't add new command when connection is in closed state", 'connection-lost'],
]);

/** Why the transaction that failed with `err` may be run again, or null when it must not. */
export function retryReason(err: unknown): RetryReason | null {
  if (typeof err !== 'object' || err === null) return null;
  const { errno, code, message } = err as { errno?: unknown; code?: unknown; message?: unknown };
  if (typeof errno === 'number' && RETRY_ERRNO.has(errno)) return RETRY_ERRNO.get(errno) ?? null;
  if (typeof code === 'string' && RETRY_CODE.has(code)) return RETRY_CODE.get(code) ?? null;
  // mysql2 reports a query on a connection that died meanwhile with this message and no code.
  if (typeof message === 'string' && RETRY_CODE.has(message)) return RETRY_CODE.get(message) ?? null;
  return null;
}

export function isRetryable(err: unknown): boolean {
  return retryReason(err) !== null;
}

export function mysqlErrno(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const n = (err as { errno?: unknown }).errno;
  return typeof n === 'number' ? n : undefined;
}

export interface TxOptions {
  /** Attempts in total (default 10: on average about 11 s of backoff on a lost node, 0.5 s on conflicts). */
  attempts?: number;
  onRetry?: (err: unknown, attempt: number, reason: RetryReason) => void;
}

/**
 * Runs `work` in one explicit transaction, every statement on its own round trip. When any
 * statement or the COMMIT fails with a retryable error (retryReason), the whole transaction is
 * rolled back and run again from scratch on a fresh connection, with exponential backoff and
 * full jitter, up to `attempts` times. `work` must be safe to re-run: everything it did was rolled
 * back, except when the connection was lost during COMMIT, where the first attempt may have
 * committed; callers keep that case idempotent (ingest: the exactly-once check by store, seq
 * and movement id answers the re-run as a duplicate).
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (conn: PoolConnection) => Promise<T>,
  opts: TxOptions = {},
): Promise<T> {
  return retry(
    async () => {
      let conn: PoolConnection | null = null;
      try {
        conn = await pool.getConnection();
        await conn.beginTransaction();
        const result = await work(conn);
        await conn.commit();
        conn.release();
        return result;
      } catch (err) {
        const reason = retryReason(err);
        if (conn) {
          if (reason === 'connection-lost' || reason === 'not-ready') {
            // A dead connection must not go back to the pool for the next request to trip over.
            conn.destroy();
          } else {
            await conn.rollback().catch(() => {});
            conn.release();
          }
        }
        throw err;
      }
    },
    {
      attempts: opts.attempts ?? 10,
      // Full jitter keeps the retried victims from colliding again.
      policyFor: retryPolicy,
      onRetry: (err, attempt) => opts.onRetry?.(err, attempt, retryReason(err) as RetryReason),
    },
  );
}

const UTC_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * DATETIME(3) literal (UTC) for an instant. Text is read as the replication protocol reads a
 * movement's `at` (protocol/src/time.ts: offsets, truncated fractions; throws on what it refuses).
 */
export function toSqlDateTime(iso: string | Date): string {
  // The usual form (what Date#toISOString writes) needs no Date: ingest converts a thousand per batch.
  if (typeof iso === 'string' && UTC_MILLIS.test(iso)) return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  const text = typeof iso === 'string' ? normaliseInstant(iso) : iso.toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 23)}`;
}

export function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(`${String(value).replace(' ', 'T')}Z`).toISOString();
}
