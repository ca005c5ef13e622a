// The schema's rules for running on a cluster and for sharding by store (issue 15), checked on
// the migrated schema itself through information_schema, so a future migration that breaks one
// fails here: Galera needs a primary key on every table (rows without one are not replicated
// reliably), and a store's rows must form one key range with no foreign key into another store.
import { createTestDatabase, type TestDatabase } from '@store-edge/testing';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from './migrate.js';

let db: TestDatabase;
let conn: mysql.Connection;

beforeAll(async () => {
  db = await createTestDatabase(inject('mysqlUrl'), 'se_rules');
  await migrate(db.url);
  conn = await mysql.createConnection({ uri: db.url });
});

afterAll(async () => {
  await conn?.end();
  await db?.drop();
});

async function rows<T>(sql: string): Promise<T[]> {
  const [r] = await conn.query(sql, [db.name]);
  return r as T[];
}

/** Primary key columns of every table, in key order. */
async function primaryKeys(): Promise<Map<string, string[]>> {
  const tables = await rows<{ t: string }>(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
  );
  const pk = await rows<{ t: string; c: string }>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE
     WHERE TABLE_SCHEMA = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION`,
  );
  const out = new Map<string, string[]>(tables.map(({ t }) => [t, []]));
  for (const { t, c } of pk) out.get(t)?.push(c);
  return out;
}

/** Tables whose every row belongs to one store: a NOT NULL store_id column (and `stores`). */
async function storeScoped(): Promise<Map<string, string>> {
  const cols = await rows<{ t: string }>(
    `SELECT TABLE_NAME AS t FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = ? AND COLUMN_NAME = 'store_id' AND IS_NULLABLE = 'NO'`,
  );
  return new Map([['stores', 'id'], ...cols.map(({ t }): [string, string] => [t, 'store_id'])]);
}

describe('the cloud schema', () => {
  it('has a primary key on every table (Galera replicates rows by key)', async () => {
    const keys = await primaryKeys();
    expect(keys.size).toBeGreaterThan(5);
    const without = [...keys].filter(([, cols]) => cols.length === 0).map(([t]) => t);
    expect(without).toEqual([]);
  });

  it('leads every store-scoped primary key with the store id', async () => {
    const keys = await primaryKeys();
    const scoped = await storeScoped();
    expect([...scoped.keys()]).toEqual(
      expect.arrayContaining(['stores', 'movements', 'stock', 'store_tokens', 'reservations']),
    );
    const wrong = [...scoped]
      .filter(([t, storeCol]) => keys.get(t)?.[0] !== storeCol)
      .map(([t]) => `${t} (${keys.get(t)?.join(', ')})`);
    expect(wrong).toEqual([]);
  });

  it('has no foreign key from one store scope into another store', async () => {
    const scoped = await storeScoped();
    const fks = await rows<{ name: string; t: string; c: string; rt: string; rc: string }>(
      `SELECT CONSTRAINT_NAME AS name, TABLE_NAME AS t, COLUMN_NAME AS c,
              REFERENCED_TABLE_NAME AS rt, REFERENCED_COLUMN_NAME AS rc
       FROM information_schema.KEY_COLUMN_USAGE
       WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL`,
    );
    const byConstraint = new Map<string, typeof fks>();
    for (const fk of fks)
      byConstraint.set(`${fk.t}.${fk.name}`, [...(byConstraint.get(`${fk.t}.${fk.name}`) ?? []), fk]);
    const crossing: string[] = [];
    for (const [name, cols] of byConstraint) {
      const from = cols[0]?.t as string;
      const to = cols[0]?.rt as string;
      // Into a global table (tenants, webhooks): fine, those stay global (or are copied to every
      // shard as reference tables). Between store-scoped tables: only within the same store,
      // i.e. the store column maps onto the store column.
      if (!scoped.has(from) || !scoped.has(to)) continue;
      const sameStore = cols.some((c) => c.c === scoped.get(from) && c.rc === scoped.get(to));
      if (!sameStore) crossing.push(name);
    }
    expect(crossing).toEqual([]);
    expect(byConstraint.size).toBeGreaterThan(0);
  });
});
