// What a store's replicated movements say about a delivery: sums by sku, and whether they are all applied.
import type { PoolConnection } from '../db.js';
import { cloudProblem } from '../problem.js';
import type { Queryable } from './types.js';

/**
 * What arrived against a delivery, summed from the store's replicated movements with ref = its
 * id (each applied exactly once by ingest): receive and transfer_in count as received, damage
 * as damaged. `asOfSeq` limits the sum to what a receipt closed over.
 */
export async function movementSums(
  db: Queryable,
  storeId: string,
  ref: string,
  asOfSeq: number | null,
): Promise<Map<string, { received: number; damaged: number }>> {
  const [rows] = await db.query(
    `SELECT sku, SUM(CASE WHEN type = 'damage' THEN 0 ELSE qty END) AS received,
            SUM(CASE WHEN type = 'damage' THEN qty ELSE 0 END) AS damaged
       FROM movements WHERE store_id = ? AND ref = ? AND type IN ('receive', 'transfer_in', 'damage')
        AND (? IS NULL OR seq <= ?)
      GROUP BY sku`,
    [storeId, ref, asOfSeq, asOfSeq],
  );
  return new Map(
    (rows as Array<{ sku: string; received: string | number; damaged: string | number }>).map((r) => [
      r.sku,
      { received: Number(r.received), damaged: Number(r.damaged) },
    ]),
  );
}

/** Refuses (409 record-ahead) a record whose movements up to `asOfSeq` the cloud does not all hold yet. */
export async function requireApplied(conn: PoolConnection, storeId: string, asOfSeq: number): Promise<void> {
  const [rows] = await conn.query('SELECT applied_seq FROM stores WHERE id = ?', [storeId]);
  const applied = Number((rows as Array<{ applied_seq: number }>)[0]?.applied_seq ?? 0);
  if (applied < asOfSeq)
    throw cloudProblem(
      'record-ahead',
      `the store's movements up to seq ${asOfSeq} are not all applied yet (applied: ${applied})`,
      { appliedSeq: applied, asOfSeq },
    );
}
