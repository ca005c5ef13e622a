import { normaliseInstant } from '@store-edge/protocol';
import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';

export type { Pool, PoolConnection };

export interface PoolOptions {
  url: string;
  connectionLimit?: number;
}

export function createPool(opts: PoolOptions): Pool {
  return mysql.createPool({
    uri: opts.url,
    connectionLimit: opts.connectionLimit ?? 20,
    // Every DATETIME we write and read is UTC; the session time zone makes NOW() agree.
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    enableKeepAlive: true,
    // Replication ingest sends a batch's writes in one round trip (ingest.ts). Every value in
    // them is escaped by mysql2's format(); no statement is built from unescaped input.
    multipleStatements: true,
  });
}

/** MySQL error numbers worth retrying the whole transaction for (InnoDB chose us as victim). */
const RETRYABLE = new Set([1213 /* ER_LOCK_DEADLOCK */, 1205 /* ER_LOCK_WAIT_TIMEOUT */]);

export function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE.has((err as { errno?: number }).errno ?? 0);
}

export function mysqlErrno(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const n = (err as { errno?: unknown }).errno;
  return typeof n === 'number' ? n : undefined;
}

export interface TxOptions {
  /** Attempts in total on deadlock / lock wait timeout (default 8). */
  attempts?: number;
  onRetry?: (err: unknown, attempt: number) => void;
}

/**
 * Runs `work` in one transaction, retrying it from scratch when InnoDB reports a deadlock or a
 * lock wait timeout, so such errors never surface to clients. `work` must be safe to re-run
 * (it is: everything it did was rolled back).
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (conn: PoolConnection) => Promise<T>,
  opts: TxOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const conn = await pool.getConnection();
    try {
      await conn.beginTransaction();
      const result = await work(conn);
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => {});
      if (!isRetryable(err) || attempt >= attempts) throw err;
      opts.onRetry?.(err, attempt);
      // Jittered exponential backoff keeps the retried victims from colliding again.
      const delay = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, delay));
    } finally {
      conn.release();
    }
  }
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
