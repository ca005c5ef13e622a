// The raw limits of bench/fleet.ts: the fleet's rows written straight through mysql2, with none
// of the cloud's work (HTTP, auth, exactly-once checks, stock), on the same database in the same
// run. One multi-row INSERT per transaction, over as many connections as the cloud's pool.
import mysql from 'mysql2/promise';
import type { Movement, ReplicationRecord } from '../protocol/src/index.js';

export interface RawTarget {
  /** Database URL (the fleet's throw-away database). */
  url: string;
  /** Connections, as many as the cloud's pool. */
  pool: number;
  tenant: string;
}

const INSERT_COLUMNS =
  '(store_id, seq, id, tenant_id, type, sku, location, qty, at, ref, reason, source, actor)';

/** One `movements` row as the cloud stores it. */
function rowOf(storeId: string, seq: number, m: Movement, tenant: string): unknown[] {
  return [
    storeId,
    seq,
    m.id,
    tenant,
    m.type,
    m.sku,
    m.location,
    m.qty,
    m.at.replace('T', ' ').replace('Z', ''),
    m.ref ?? null,
    m.reason ?? null,
    m.source ?? null,
    m.actor ?? null,
  ];
}

/** Runs `work` against a scratch copy of `movements` named `table`, dropped afterwards. */
async function withScratchTable<T>(
  t: RawTarget,
  table: string,
  work: (pool: mysql.Pool) => Promise<T>,
): Promise<T> {
  const setup = await mysql.createConnection({ uri: t.url });
  await setup.query(`CREATE TABLE ${table} LIKE movements`);
  const pool = mysql.createPool({ uri: t.url, connectionLimit: t.pool, timezone: 'Z' });
  try {
    return await work(pool);
  } finally {
    await pool.end();
    await setup.query(`DROP TABLE ${table}`);
    await setup.end();
  }
}

/** Catch-up-sized batches (per store, in order), one transaction each; answers rows/s. */
export function rawInsert(t: RawTarget, table: string, batches: ReplicationRecord[][][]): Promise<number> {
  return withScratchTable(t, table, async (pool) => {
    let rows = 0;
    const r0 = performance.now();
    await Promise.all(
      batches.map(async (storeBatches, s) => {
        for (const batch of storeBatches) {
          const values = batch.map(({ seq, movement }) => rowOf(`fleet-${s}`, seq, movement, t.tenant));
          const conn = await pool.getConnection();
          try {
            await conn.beginTransaction();
            await conn.query(`INSERT INTO ${table} ${INSERT_COLUMNS} VALUES ?`, [values]);
            await conn.commit();
            rows += values.length;
          } finally {
            conn.release();
          }
        }
      }),
    );
    return rows / ((performance.now() - r0) / 1000);
  });
}

/**
 * The raw limit for trickle-sized transactions: `pool` connections each committing `rows`-row
 * INSERTs back to back for `seconds`. Answers transactions/s (movements/s = that × rows).
 */
export function rawSmallTransactions(
  t: RawTarget,
  table: string,
  rows: number,
  seconds: number,
  makeMovement: (store: number, seq: number) => Movement,
): Promise<number> {
  return withScratchTable(t, table, async (pool) => {
    let txs = 0;
    const stopAt = performance.now() + seconds * 1000;
    const r0 = performance.now();
    await Promise.all(
      Array.from({ length: t.pool }, async (_, c) => {
        let seq = 0;
        const conn = await pool.getConnection();
        try {
          while (performance.now() < stopAt) {
            const values = Array.from({ length: rows }, () => {
              seq++;
              return rowOf(`raw-${c}`, seq, makeMovement(c, seq), t.tenant);
            });
            await conn.beginTransaction();
            await conn.query(`INSERT INTO ${table} ${INSERT_COLUMNS} VALUES ?`, [values]);
            await conn.commit();
            txs++;
          }
        } finally {
          conn.release();
        }
      }),
    );
    return txs / ((performance.now() - r0) / 1000);
  });
}
