// A sale's price is written in the same transaction as the sale (issue 14: nothing on the HTTP
// thread waits for SQLite's write lock after each commit).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { extractGtin } from '@store-edge/drivers';
import { makeTempDir } from '@store-edge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../src/db/database.js';
import { Catalog } from '../src/ledger/catalog.js';
import { GroupCommitWriter } from '../src/ledger/group-commit.js';
import { Ledger } from '../src/ledger/ledger.js';
import type { MovementInput } from '../src/ledger/types.js';
import { SqlitePriceBook } from '../src/prices/book.js';
import { SalePrices } from '../src/prices/sales.js';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

const who = { source: 'api', actor: 'till-1' };
const mv = (type: MovementInput['type'], qty: number): MovementInput => ({
  id: randomUUID(),
  type,
  sku: 'SKU-1',
  qty,
});

function store(): { file: string; db: Db } {
  const dir = makeTempDir('sale-prices-');
  dirs.push(dir);
  const file = join(dir.path, 'ledger.sqlite');
  const db = openDatabase(file);
  new Catalog(db, extractGtin).put(
    { sku: 'SKU-1', name: 'Oat milk 1 l', gtins: [], price: { amount: '1.49', currency: 'EUR' } },
    'local',
  );
  return { file, db };
}

function writerOn(db: Db): { writer: GroupCommitWriter; sales: SalePrices } {
  const writer = new GroupCommitWriter(db, new Ledger(db, new Catalog(db, extractGtin)));
  const sales = new SalePrices(db, new SqlitePriceBook(db));
  sales.open();
  writer.hook = sales.groupHook(
    (err) => {
      throw err;
    },
    () => {},
  );
  return { writer, sales };
}

const recorded = (db: Db) =>
  db.prepare('SELECT seq, qty, amount, line_amount FROM sale_prices ORDER BY seq').all() as Array<{
    seq: number;
    qty: number;
    amount: string;
    line_amount: string;
  }>;

describe('sale prices recorded by the ledger writer', () => {
  it('each sale and return carries the price in force from the commit that books it', async () => {
    const { db } = store();
    const { writer } = writerOn(db);
    await writer.submit([mv('receive', 10), mv('sale', 3)], who);
    // Visible the moment the sale is acknowledged: no second transaction after it.
    expect(recorded(db)).toEqual([{ seq: 2, qty: 3, amount: '1.49', line_amount: '4.47' }]);
    await writer.submit([mv('return', 1)], who);
    expect(recorded(db).map((r) => r.seq)).toEqual([2, 3]);
    writer.stop();
  });

  it('after a crash the writer looks again at what its stored mark does not cover, and records nothing twice', async () => {
    const { file, db } = store();
    const { writer } = writerOn(db);
    await writer.submit([mv('receive', 10)], who);
    await writer.submit([mv('sale', 1)], who);
    for (let i = 0; i < 5; i++) await writer.submit([mv('receive', 1)], who);
    // Receives alone do not write the mark on every commit (it would cost a page per commit).
    expect((db.prepare('SELECT priced_seq AS m FROM price_clock').get() as { m: number }).m).toBe(2);
    writer.stop();
    db.close();
    // A new process on the same file: the receives after the mark are read again, the sale not doubled.
    const db2 = openDatabase(file);
    const { writer: w2 } = writerOn(db2);
    await w2.submit([mv('sale', 2)], who);
    expect(recorded(db2).map((r) => [r.seq, r.qty])).toEqual([
      [2, 1],
      [8, 2],
    ]);
    w2.stop();
    db2.close();
  });

  it('a group whose COMMIT fails leaves no price behind, and the next commit prices its own sale', async () => {
    const { db } = store();
    const { writer } = writerOn(db);
    await writer.submit([mv('receive', 10)], who);
    const realHook = writer.hook;
    writer.hook = {
      inTransaction() {
        realHook?.inTransaction();
        throw new Error('disk I/O error');
      },
      rolledBack: () => realHook?.rolledBack(),
    };
    await expect(writer.submit([mv('sale', 1)], who)).rejects.toThrow('disk I/O error');
    expect(recorded(db)).toEqual([]);
    writer.hook = realHook;
    await writer.submit([mv('sale', 4)], who);
    expect(recorded(db).map((r) => [r.seq, r.qty])).toEqual([[2, 4]]);
    writer.stop();
  });
});
