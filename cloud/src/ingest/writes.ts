// A batch's writes: formatting the movements and stock upserts, and sending them one statement at a time.
import { PROBLEM_CODES, type ReplicationRecord } from '@store-edge/protocol';
import { format, escape as sqlEscape } from 'mysql2';
import { mysqlErrno, type PoolConnection, toSqlDateTime } from '../db.js';
import { HttpProblem } from '../problem.js';
import { foldStock, type StockDelta } from '../projection.js';

/**
 * The movements and the stock projection: each statement on its own round trip, never several
 * in one query. In one multi-statement query, a statement failing inside a transaction Galera
 * has aborted (certification conflict) left the statements after it to run as autocommitted
 * ones: the mark and the stock committed without the movements.
 */
export async function writeMovements(
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

/**
 * The SQL statements of a batch's writes (movements as one multi-row INSERT, the stock
 * projection as one upsert per kind of change), formatted with mysql2's escaping before the
 * store's row lock is taken; each is sent on its own.
 */
export function formatWrites(storeId: string, tenantId: string, fresh: ReplicationRecord[]): string[] {
  // The VALUES text is written row by row with mysql2's escaping: no array per row and no
  // placeholder pass over the finished text (a catch-up formats a thousand rows per batch).
  const store = sqlEscape(storeId);
  const tenant = sqlEscape(tenantId);
  const values = fresh.map(
    ({ seq, movement: m }) =>
      `(${store},${sqlEscape(seq)},${sqlEscape(m.id.toLowerCase())},${tenant},${sqlEscape(m.type)},${sqlEscape(m.sku)},${sqlEscape(m.location)},${sqlEscape(m.qty)},${sqlEscape(toSqlDateTime(m.at))},${sqlEscape(m.ref ?? null)},${sqlEscape(m.reason ?? null)},${sqlEscape(m.source ?? null)},${sqlEscape(m.actor ?? null)})`,
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
export function stockUpsert(onHand: string, storeId: string, tenantId: string, deltas: StockDelta[]): string {
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
