import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { makeTempDir } from '@store-edge/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, loadMigrations, migrate, openDatabase } from '../src/db/database.js';
import { Catalog } from '../src/ledger/catalog.js';
import { GroupCommitWriter } from '../src/ledger/group-commit.js';
import { HistoryIndexer } from '../src/ledger/history.js';
import { Ledger, type MovementRow, toOutboxRecord } from '../src/ledger/ledger.js';
import { idKey, MovementIds } from '../src/ledger/movement-ids.js';
import { ledgerRecords, outboxSummary, pendingRecords } from '../src/ledger/outbox.js';
import { LedgerError, type MovementInput } from '../src/ledger/types.js';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

function freshDb(migrateAll = true): Db {
  const dir = makeTempDir('ledger-rows-');
  dirs.push(dir);
  return openDatabase(join(dir.path, 'ledger.sqlite'), { migrate: migrateAll });
}

const insertSql = `INSERT INTO movements (seq, id, type, sku, location, qty, delta_on_hand, delta_reserved, at, ref, reason,
  code, source, actor, flags, request_hash, recorded_at) VALUES (@seq, @id, @type, @sku, @location, @qty, @delta_on_hand,
  @delta_reserved, @at, @ref, @reason, @code, @source, @actor, @flags, @request_hash, @recorded_at)`;

function row(seq: number, over: Partial<MovementRow> = {}): MovementRow {
  return {
    seq,
    id: randomUUID(),
    type: 'receive',
    sku: 'SKU-1',
    location: 'store',
    qty: 1,
    delta_on_hand: 1,
    delta_reserved: 0,
    at: '2026-11-22T08:00:00.000Z',
    ref: null,
    reason: null,
    code: null,
    source: 'api',
    actor: 'admin',
    flags: null,
    request_hash: 'h',
    recorded_at: '2026-11-22T08:00:01.000Z',
    ...over,
  };
}

describe('wire records built by SQLite', () => {
  it('equal the record toOutboxRecord builds, for any text in any field', () => {
    const db = freshDb();
    const insert = db.prepare(insertSql);
    const addOutbox = db.prepare('INSERT INTO outbox (seq) VALUES (?)');
    let seq = 0;
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(
        fc.record({
          sku: text.filter((s) => s.length > 0),
          location: text,
          qty: fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
          ref: fc.option(text),
          reason: fc.option(text),
          actor: text,
          type: fc.constantFrom('receive', 'sale', 'reserve', 'ship', 'adjust', 'count'),
        }),
        (f) => {
          seq++;
          const r = row(seq, { ...f, type: f.type as MovementRow['type'] });
          insert.run(r);
          addOutbox.run(seq);
          const [sent] = pendingRecords(db, seq - 1, 1);
          expect(sent?.seq).toBe(seq);
          expect(JSON.parse(sent?.payload ?? 'null')).toEqual(toOutboxRecord(r));
          const [resent] = ledgerRecords(db, seq, 1);
          expect(resent?.payload).toBe(sent?.payload);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves out ref and reason when they are not set, as the protocol schema expects', () => {
    const db = freshDb();
    db.prepare(insertSql).run(row(1));
    db.prepare(insertSql).run(row(2, { type: 'adjust', reason: 'found', ref: null }));
    db.exec('INSERT INTO outbox (seq) VALUES (1), (2)');
    const [a, b] = pendingRecords(db, 0, 10).map((r) => JSON.parse(r.payload).movement);
    expect(Object.keys(a)).not.toContain('ref');
    expect(Object.keys(a)).not.toContain('reason');
    expect(b.reason).toBe('found');
    expect(Object.keys(b)).not.toContain('ref');
  });

  it('sends only what is still in the outbox, and says how old the oldest is', () => {
    const db = freshDb();
    for (let s = 1; s <= 5; s++)
      db.prepare(insertSql).run(row(s, { recorded_at: `2026-11-22T08:00:0${s}.000Z` }));
    db.exec('INSERT INTO outbox (seq) VALUES (3), (4), (5)');
    expect(pendingRecords(db, 0, 10).map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(outboxSummary(db)).toEqual({ pending: 3, firstSeq: 3, oldestAt: '2026-11-22T08:00:03.000Z' });
  });
});

const who = { source: 'api', actor: 'test' };

/** A ledger with item SKU-1 and a group-commit writer on it; `send` submits and commits. */
function setup(db = freshDb(), idFiling = { runSize: 100, stepIds: 30 }) {
  const catalog = new Catalog(db);
  catalog.put({ sku: 'SKU-1', name: 'Item', gtins: [] }, 'local');
  const ledger = new Ledger(db, catalog, undefined, idFiling);
  const writer = new GroupCommitWriter(db, ledger);
  const send = async (movements: MovementInput[]) => {
    const answer = writer.submit(movements, who);
    writer.flush();
    return answer;
  };
  const count = (table: string) =>
    (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { db, ledger, writer, send, count };
}

describe('movement ids', () => {
  const receive = (id = randomUUID(), qty = 1): MovementInput => ({ id, type: 'receive', sku: 'SKU-1', qty });
  const statuses = (results: Array<{ status: string }>) => [...new Set(results.map((r) => r.status))];

  it('are unique as UUIDs: case and a urn:uuid: prefix do not make a second id, in memory or filed', async () => {
    const { db, ledger, send, count } = setup();
    const id = randomUUID();
    await send([receive(id)]);
    for (let round = 0; round < 2; round++) {
      for (const again of [id.toUpperCase(), `urn:uuid:${id}`]) {
        await expect(send([receive(again)])).rejects.toMatchObject({ status: 409, path: '/movements/0/id' });
      }
      // Enough movements for the first one's id to be filed in a run.
      for (let i = 0; i < 8; i++) await send(Array.from({ length: 25 }, () => receive()));
    }
    expect(ledger.ids.runCount).toBeGreaterThan(0);
    expect(db.prepare('SELECT seq FROM movement_ids WHERE seq = 1').get()).toEqual({ seq: 1 });
    expect(count('movements')).toBe(401);
    expect(() => db.prepare(insertSql).run(row(402, { id: 'not-a-uuid' }))).toThrow(/CHECK/);
  });

  it('a retry answers duplicate wherever its ids are: in memory, in a run being written, in a filed run, across restarts', async () => {
    const db = freshDb();
    let t = setup(db);
    const rand = fc.sample(fc.integer({ min: 0, max: 999_999 }), { numRuns: 400, seed: 42 });
    let r = 0;
    const next = () => (rand[r++ % rand.length] as number) / 1_000_000;
    const sent: MovementInput[][] = [];
    let created = 0;
    for (let op = 0; op < 120; op++) {
      const roll = next();
      if (roll < 0.55 || sent.length === 0) {
        const batch = Array.from({ length: 1 + Math.floor(next() * 30) }, () => receive());
        expect(statuses(await t.send(batch))).toEqual(['created']);
        sent.push(batch);
        created += batch.length;
      } else if (roll < 0.85) {
        const old = sent[Math.floor(next() * sent.length)] as MovementInput[];
        expect(statuses(await t.send(old))).toEqual(['duplicate']);
        // The same id with other content is a conflict, wherever the id is.
        await expect(t.send([{ ...(old[0] as MovementInput), qty: 99 }])).rejects.toMatchObject({
          status: 409,
        });
      } else if (roll < 0.93) {
        // Refused whole: its new ids must not count as recorded afterwards.
        const fresh = receive();
        await expect(
          t.send([fresh, { id: randomUUID(), type: 'receive', sku: 'NOPE', qty: 1 }]),
        ).rejects.toMatchObject({
          status: 422,
        });
        expect(statuses(await t.send([fresh]))).toEqual(['created']);
        sent.push([fresh]);
        created += 1;
      } else {
        // A restart (or a crash between two steps of a run): the index is read again from disk.
        t = setup(db);
      }
      expect(t.count('movements')).toBe(created);
    }
    expect(t.ledger.ids.runCount).toBeGreaterThan(3);
    // Every id is exactly once in a finished run or in memory; none is in two runs.
    // (Rows of a run still being written are in memory too, until the run is finished.)
    const filed = (
      db
        .prepare('SELECT COUNT(*) AS n FROM movement_ids WHERE run <= (SELECT MAX(run) FROM id_runs)')
        .get() as { n: number }
    ).n;
    expect(filed + t.ledger.ids.size).toBe(created);
    expect(db.prepare('SELECT COUNT(DISTINCT uuid) AS n FROM movement_ids').get()).toEqual({
      n: t.count('movement_ids'),
    });
    for (const batch of sent) expect(statuses(await t.send(batch))).toEqual(['duplicate']);
    expect(t.count('movements')).toBe(created);
  });

  it('a ledger whose ids were never filed (from before migration 006) is filed run by run at start', () => {
    const db = freshDb();
    const insert = db.prepare(insertSql);
    const rows = Array.from({ length: 250 }, (_, i) => row(i + 1));
    for (const r of rows) insert.run(r);
    const ids = new MovementIds(db, 50);
    // Runs of 50 until less than a run's worth is left in memory.
    expect(ids.runCount).toBe(5);
    expect(ids.size).toBe(0);
    expect(db.prepare('SELECT ids_upto FROM history_state').get()).toEqual({ ids_upto: 250 });
    db.prepare(insertSql).run(row(251));
    expect(new MovementIds(db, 50).size).toBe(1);
    for (const r of rows) expect(ids.find(idKey(r.id.toUpperCase()))).toBe(r.seq);
    let absent = 0;
    for (let i = 0; i < 2000; i++) absent += ids.find(idKey(randomUUID()));
    expect(absent).toBe(0);
  });
});

describe('migration 006', () => {
  it('keeps every movement and every pending seq of a ledger made before it', () => {
    const db = freshDb(false);
    migrate(
      db,
      loadMigrations().filter((m) => m.version < 6),
    );
    const insert = db.prepare(insertSql);
    const addOutbox = db.prepare('INSERT INTO outbox (seq, payload, created_at) VALUES (?, ?, ?)');
    const rows = Array.from({ length: 50 }, (_, i) => row(i + 1, { ref: i % 7 === 0 ? `R${i}` : null }));
    for (const r of rows) insert.run(r);
    for (const r of rows.slice(30)) addOutbox.run(r.seq, JSON.stringify(toOutboxRecord(r)), r.recorded_at);

    // 006 first; later migrations (009: reader password hashes) follow it.
    expect(migrate(db)[0]).toBe(6);
    expect(db.prepare('SELECT * FROM movements ORDER BY seq').all()).toEqual(rows);
    // Every movement is filed in the per-item history, and the mark says so.
    expect(db.prepare('SELECT COUNT(*) AS n FROM movement_history').get()).toEqual({ n: 50 });
    expect(db.prepare('SELECT indexed_upto FROM history_state').get()).toEqual({ indexed_upto: 50 });
    expect(pendingRecords(db, 0, 100).map((r) => JSON.parse(r.payload))).toEqual(
      rows.slice(30).map((r) => toOutboxRecord(r)),
    );
    // Every id is found under its canonical key once the writer has filed them (at its start).
    const ids = new MovementIds(db, 20);
    expect(ids.runCount).toBe(2);
    for (const r of rows) expect(ids.find(idKey(r.id.toUpperCase()))).toBe(r.seq);
  });
});

describe('group commit', () => {
  it('a refused request in a group takes nothing of its neighbours along, and seqs stay gapless', async () => {
    const { db, writer } = setup();
    const receive = (n: number) =>
      Array.from({ length: n }, () => ({ id: randomUUID(), type: 'receive' as const, sku: 'SKU-1', qty: 1 }));
    const late = receive(2);
    // One group: a good request, one whose second movement names an unknown sku, another good one,
    // and one that repeats an id of the first with other content.
    const first = receive(3);
    const answers = [
      writer.submit(first, who),
      writer.submit([...receive(1), { id: randomUUID(), type: 'receive', sku: 'NOPE', qty: 1 }], who),
      writer.submit(late, who),
      writer.submit([{ ...(first[0] as (typeof first)[number]), qty: 5 }], who),
    ];
    writer.flush();
    const settled = await Promise.allSettled(answers);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(LedgerError);
    expect((settled[1] as PromiseRejectedResult).reason.path).toBe('/movements/1/sku');
    expect((settled[3] as PromiseRejectedResult).reason.status).toBe(409);
    const rows = db.prepare('SELECT seq, id FROM movements ORDER BY seq').all();
    expect(rows).toEqual([...first, ...late].map((m, i) => ({ seq: i + 1, id: m.id })));
    expect(db.prepare('SELECT seq FROM outbox ORDER BY seq').all()).toEqual(
      rows.map((_, i) => ({ seq: i + 1 })),
    );
    expect(db.prepare('SELECT on_hand FROM stock').get()).toEqual({ on_hand: 5 });

    // A retry of the whole first request answers what it answered the first time.
    const again = writer.submit(first, who);
    writer.flush();
    expect((await again).map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
  });
});

describe('one request, several movements of one item', () => {
  it('each movement sees the stock the earlier ones of the request left', async () => {
    const { db, writer } = setup();
    const mv = (m: Record<string, unknown>) =>
      ({ id: randomUUID(), sku: 'SKU-1', location: 'store', ...m }) as never;
    const send = async (movements: unknown[]) => {
      const answer = writer.submit(movements as never, who);
      writer.flush();
      return answer;
    };
    await send([
      mv({ type: 'receive', qty: 2 }),
      mv({ type: 'sale', qty: 3 }),
      mv({ type: 'receive', qty: 3 }),
      mv({ type: 'reserve', qty: 1, ref: 'R1' }),
    ]);
    const stock = () => db.prepare('SELECT on_hand, reserved, last_seq FROM stock').get();
    expect(stock()).toEqual({ on_hand: 2, reserved: 1, last_seq: 4 });
    const flags = db.prepare('SELECT seq, flags FROM movements ORDER BY seq').all();
    expect(flags).toEqual([
      { seq: 1, flags: null },
      { seq: 2, flags: 'negative' },
      { seq: 3, flags: null },
      { seq: 4, flags: null },
    ]);
    // A count states the total found; a reserve after it in the same request sees that total.
    await expect(
      send([mv({ type: 'count', qty: 10 }), mv({ type: 'reserve', qty: 10, ref: 'R2' })]),
    ).rejects.toThrow(/on hand 10, reserved 1, available 9/);
    expect(stock()).toEqual({ on_hand: 2, reserved: 1, last_seq: 4 });
    await send([mv({ type: 'count', qty: 10 }), mv({ type: 'reserve', qty: 9, ref: 'R2' })]);
    expect(stock()).toEqual({ on_hand: 10, reserved: 10, last_seq: 6 });
    expect(db.prepare('SELECT seq FROM outbox ORDER BY seq').all()).toEqual(
      [1, 2, 3, 4, 5, 6].map((seq) => ({ seq })),
    );
  });
});

describe('per-item history', () => {
  it("lists an item's movements whether they are filed yet or not, each once", async () => {
    const db = freshDb();
    const catalog = new Catalog(db);
    for (const sku of ['A', 'B']) catalog.put({ sku, name: sku, gtins: [] }, 'local');
    const ledger = new Ledger(db, catalog);
    const writer = new GroupCommitWriter(db, ledger);
    const history = new HistoryIndexer(db);

    const send = async (n: number) => {
      const answer = writer.submit(
        Array.from({ length: n }, (_, i) => ({
          id: randomUUID(),
          type: 'receive' as const,
          sku: i % 3 === 0 ? 'B' : 'A',
          location: i % 2 === 0 ? 'store' : 'backroom',
          qty: 1,
        })),
        who,
      );
      writer.flush();
      return answer;
    };
    const expected = () =>
      db.prepare("SELECT seq FROM movements WHERE sku = 'A' AND location = 'store' ORDER BY seq").all();
    const listed = () =>
      ledger.movements(0, 10_000, { sku: 'A', location: 'store' }).map((m) => ({ seq: m.seq }));
    await send(300);
    expect(history.behind(ledger.lastSeq)).toBe(300);
    expect(listed()).toEqual(expected());
    expect(history.catchUp(ledger.lastSeq, 120)).toBe(120);
    expect(listed()).toEqual(expected());
    await send(100);
    expect(listed()).toEqual(expected());
    expect(history.catchUp(ledger.lastSeq)).toBe(280);
    expect(history.behind(ledger.lastSeq)).toBe(0);
    expect(listed()).toEqual(expected());
    const bySku = ledger.movements(50, 10_000, { sku: 'B' }).map((m) => m.seq);
    expect(bySku).toEqual(
      (
        db.prepare("SELECT seq FROM movements WHERE sku = 'B' AND seq > 50 ORDER BY seq").all() as Array<{
          seq: number;
        }>
      ).map((r) => r.seq),
    );
    expect(new Set(bySku).size).toBe(bySku.length);
  });
});
