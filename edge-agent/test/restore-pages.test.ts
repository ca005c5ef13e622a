import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { StoredMovement } from '@store-edge/protocol';
import { makeTempDir } from '@store-edge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { Catalog } from '../src/ledger/catalog.js';
import { GroupCommitWriter } from '../src/ledger/group-commit.js';
import { Ledger, rebuildStock } from '../src/ledger/ledger.js';
import { Replica } from '../src/ledger/replica.js';
import type { MovementInput } from '../src/ledger/types.js';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

/** A ledger on disk with items A and B, ten local movements, and the replica operations on it. */
async function tenLocal() {
  const dir = makeTempDir('restore-pages-');
  dirs.push(dir);
  const db = openDatabase(join(dir.path, 'ledger.sqlite'));
  const catalog = new Catalog(db);
  for (const sku of ['A', 'B']) catalog.put({ sku, name: sku, gtins: [] }, 'local');
  const writer = new GroupCommitWriter(db, new Ledger(db, catalog));
  const local: MovementInput[] = Array.from({ length: 10 }, (_, i) => ({
    id: randomUUID(),
    type: i === 6 ? 'count' : 'receive',
    sku: i % 2 ? 'B' : 'A',
    location: 'store',
    qty: i === 6 ? 20 : 1 + i,
  }));
  const answer = writer.submit(local, { source: 'api', actor: 'test' });
  writer.flush();
  await answer;
  return { db, local, replica: new Replica(db) };
}

const stored = (seq: number, m: Partial<StoredMovement['movement']> = {}): StoredMovement => ({
  seq,
  movement: {
    id: randomUUID(),
    type: 'receive',
    sku: 'A',
    location: 'store',
    qty: 2,
    at: '2026-12-01T08:00:00.000Z',
    source: 'api',
    actor: 'cloud-user',
    ...m,
  },
});

describe('restore from the cloud, page by page', () => {
  it("takes the cloud's history from the first difference on; local movements it lacks continue after it, once each", async () => {
    const { db, local, replica } = await tenLocal();
    // The cloud holds the ledger's first 7, then five others (one of them is local movement 9,
    // which reached the cloud at its seq 10 from before a backup was restored).
    const cloud = [
      ...local.slice(0, 7).map((m, i) => ({
        seq: i + 1,
        movement: { ...stored(i + 1).movement, ...m, location: 'store', qty: m.qty, sku: m.sku as string },
      })),
      stored(8, { type: 'sale', qty: 1 }),
      stored(9, { sku: 'B', qty: 4 }),
      {
        ...stored(10),
        movement: { ...stored(10).movement, id: (local[8] as MovementInput).id.toUpperCase() },
      },
      stored(11, { type: 'count', qty: 3 }),
      stored(12),
    ];
    let st = replica.beginRestore(0, 12);
    for (let i = 0; i < cloud.length; i += 5) st = replica.restorePage(cloud.slice(i, i + 5), 12);
    expect(st).toMatchObject({ afterSeq: 12, divergedAt: 8, pulled: 5 });
    expect(replica.finishRestore()).toEqual({ lastSeq: 14, pulled: 5, renumbered: 2 });

    const rows = db.prepare('SELECT seq, id FROM movements ORDER BY seq').all() as Array<{
      seq: number;
      id: string;
    }>;
    expect(rows.map((r) => r.id)).toEqual([
      ...cloud.map((r) => r.movement.id.toLowerCase()),
      (local[7] as MovementInput).id,
      (local[9] as MovementInput).id,
    ]);
    expect(db.prepare('SELECT seq FROM outbox ORDER BY seq').all()).toEqual([{ seq: 13 }, { seq: 14 }]);
    expect(db.prepare('SELECT acked_seq FROM replication_state').get()).toEqual({ acked_seq: 12 });
    expect(
      db.prepare('SELECT sku, location, on_hand AS onHand, reserved FROM stock ORDER BY sku, location').all(),
    ).toEqual(rebuildStock(db).map(({ available: _, ...r }) => r));
    // The cloud's count at seq 11 states A's total there: 3.
    expect(
      (
        db.prepare("SELECT SUM(delta_on_hand) AS a FROM movements WHERE sku = 'A' AND seq <= 11").get() as {
          a: number;
        }
      ).a,
    ).toBe(3);
    expect(replica.restoreState()).toBeNull();
  });

  it('a page that fails leaves the pages before it; a page written before is skipped; the result is the same', async () => {
    const { db, replica } = await tenLocal();
    const cloud = Array.from({ length: 30 }, (_, i) =>
      stored(i + 1, { sku: i % 3 ? 'A' : 'B', qty: 1 + (i % 4) }),
    );
    replica.beginRestore(0, 30);
    replica.restorePage(cloud.slice(0, 10), 30);
    // A broken page (a record without a UUID) is refused whole: nothing of it stays.
    const broken = cloud.slice(10, 20).map((r, i) => (i === 5 ? stored(r.seq, { id: 'nope' }) : r));
    expect(() => replica.restorePage(broken, 30)).toThrow(/no UUID id/);
    expect(replica.restoreState()).toMatchObject({ afterSeq: 10, pulled: 10 });
    expect(db.prepare('SELECT MAX(seq) AS m FROM movements').get()).toEqual({ m: 10 });
    // After a restart the pull continues from seq 10; a page that overlaps what is written is
    // taken from where it left off.
    const again = new Replica(db);
    again.restorePage(cloud.slice(5, 20), 30);
    again.restorePage(cloud.slice(20), 30);
    expect(again.finishRestore()).toEqual({ lastSeq: 40, pulled: 30, renumbered: 10 });
    expect(db.prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids FROM movements').get()).toEqual({
      n: 40,
      ids: 40,
    });
  });

  it('SQLite refuses a cloud page that would record an id the ledger holds at another seq', async () => {
    const { db, local, replica } = await tenLocal();
    replica.beginRestore(0, 12);
    const page = [
      ...local.map((m, i) => ({ seq: i + 1, movement: { ...stored(i + 1).movement, id: m.id } })),
      stored(11),
      {
        ...stored(12),
        movement: { ...stored(12).movement, id: `urn:uuid:${(local[2] as MovementInput).id}` },
      },
    ];
    // Seqs 1-10 agree; seq 12 names movement 3 again in another spelling.
    expect(() => replica.restorePage(page, 12)).toThrow(/UNIQUE constraint failed: movements.id/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM movements').get()).toEqual({ n: 10 });
    expect(replica.restoreState()).toMatchObject({ afterSeq: 0 });
  });
});
