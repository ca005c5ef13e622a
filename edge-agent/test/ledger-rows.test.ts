import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { makeTempDir } from '@store-edge/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, loadMigrations, migrate, openDatabase } from '../src/db/database.js';
import { ErrorCode } from '../src/errors.js';
import { Catalog } from '../src/ledger/catalog.js';
import { GroupCommitWriter } from '../src/ledger/group-commit.js';
import { Ledger, type MovementRow, requestHash, toOutboxRecord } from '../src/ledger/ledger.js';
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

describe('wire records read from the outbox and the ledger', () => {
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
function setup(db = freshDb()) {
  const catalog = new Catalog(db);
  catalog.put({ sku: 'SKU-1', name: 'Item', gtins: [] }, 'local');
  const ledger = new Ledger(db, catalog);
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
  const statuses = (results: Array<{ status: string }>) => [...new Set(results.map((r) => r.status))];

  it('a second row with the same canonical id is refused by SQLite itself, in any spelling', async () => {
    const { db, send } = setup();
    const id = randomUUID();
    const [first] = await send([receive(id)]);
    expect(first).toMatchObject({ seq: 1, status: 'created' });
    // Straight through SQL, past the ledger's own lookup: UNIQUE refuses the canonical id again,
    // and the CHECK refuses any other spelling of it, so no second row can name the same UUID.
    expect(() => db.prepare(insertSql).run(row(2, { id }))).toThrow(/UNIQUE constraint failed: movements.id/);
    for (const spelling of [id.toUpperCase(), `urn:uuid:${id}`, `URN:UUID:${id.toUpperCase()}`])
      expect(() => db.prepare(insertSql).run(row(2, { id: spelling }))).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare(insertSql).run(row(2, { id: 'not-a-uuid' }))).toThrow(/CHECK constraint failed/);
    // Gapless: a seq other than the next one is refused too.
    expect(() => db.prepare(insertSql).run(row(3))).toThrow(/gapless/);
    expect(() => db.prepare(insertSql).run(row(1))).toThrow(/gapless|UNIQUE|PRIMARY/);
    db.prepare(insertSql).run(row(2));
    expect(db.prepare('SELECT seq, id FROM movements ORDER BY seq').all()).toEqual([
      { seq: 1, id },
      { seq: 2, id: expect.any(String) },
    ]);
  });

  it('are one id in any case and as a urn:uuid: URN: a retry in another spelling is a duplicate, other content a 409', async () => {
    const { db, send, count } = setup();
    const id = randomUUID();
    const [created] = await send([receive(id)]);
    for (const again of [id.toUpperCase(), `urn:uuid:${id}`, `URN:UUID:${id.toUpperCase()}`]) {
      expect(await send([receive(again)])).toEqual([{ id: again, seq: created?.seq, status: 'duplicate' }]);
      await expect(send([receive(again, 2)])).rejects.toMatchObject({
        code: ErrorCode.Ledger_MovementIdReused,
        path: '/movements/0/id',
        extra: { seq: created?.seq },
      });
    }
    // The same id twice in one request: the second is the first one's duplicate, or a 409.
    const twice = randomUUID();
    expect((await send([receive(twice), receive(twice.toUpperCase())])).map((r) => r.status)).toEqual([
      'created',
      'duplicate',
    ]);
    await expect(send([receive(), receive(twice, 5)])).rejects.toMatchObject({
      code: ErrorCode.Ledger_MovementIdReused,
      path: '/movements/1/id',
    });
    expect(count('movements')).toBe(2);
    // Stored canonical whatever the client sent.
    const upper = randomUUID().toUpperCase();
    await send([receive(`urn:uuid:${upper}`)]);
    expect(db.prepare('SELECT id FROM movements WHERE seq = 3').get()).toEqual({ id: upper.toLowerCase() });
  });

  it('a refused request leaves no id behind: the same ids are taken afterwards', async () => {
    const { db, send, count } = setup();
    const fresh = [receive(), receive()];
    await expect(
      send([...fresh, { id: randomUUID(), type: 'receive', sku: 'NOPE', qty: 1 }]),
    ).rejects.toMatchObject({ code: ErrorCode.Ledger_UnknownSku, path: '/movements/2/sku' });
    expect(count('movements')).toBe(0);
    expect(statuses(await send(fresh))).toEqual(['created']);
    expect(db.prepare('SELECT seq FROM movements ORDER BY seq').all()).toEqual([{ seq: 1 }, { seq: 2 }]);
  });

  it('a retry answers its first answer across restarts and refusals, and every id is recorded once', async () => {
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
        // The retry may spell its ids otherwise: still the same movements.
        const spelled = old.map((m, i) => ({ ...m, id: i % 2 ? m.id.toUpperCase() : `urn:uuid:${m.id}` }));
        expect(statuses(await t.send(next() < 0.5 ? old : spelled))).toEqual(['duplicate']);
        await expect(t.send([{ ...(old[0] as MovementInput), qty: 99 }])).rejects.toMatchObject({
          code: ErrorCode.Ledger_MovementIdReused,
        });
      } else if (roll < 0.93) {
        // Refused whole: its new ids must not count as recorded afterwards.
        const fresh = receive();
        await expect(
          t.send([fresh, { id: randomUUID(), type: 'receive', sku: 'NOPE', qty: 1 }]),
        ).rejects.toMatchObject({
          code: ErrorCode.Ledger_UnknownSku,
        });
        expect(statuses(await t.send([fresh]))).toEqual(['created']);
        sent.push([fresh]);
        created += 1;
      } else {
        // A restart: a new ledger and writer on the same file.
        t = setup(db);
      }
      expect(t.count('movements')).toBe(created);
    }
    expect(db.prepare('SELECT COUNT(DISTINCT id) AS n, MAX(seq) AS last FROM movements').get()).toEqual({
      n: created,
      last: created,
    });
    for (const batch of sent) expect(statuses(await t.send(batch))).toEqual(['duplicate']);
    expect(t.count('movements')).toBe(created);
  });
});

describe('migration 007', () => {
  it('keeps every movement, makes ids canonical, and keeps a pre-006 double of an id as its own movement', async () => {
    const db = freshDb(false);
    migrate(
      db,
      loadMigrations().filter((m) => m.version < 6),
    );
    const insert = db.prepare(insertSql);
    const rows = Array.from({ length: 40 }, (_, i) => row(i + 1, { ref: i % 7 === 0 ? `R${i}` : null }));
    // Spellings the HTTP API accepted before: upper case, a urn:uuid: URN; and (before 006's
    // writer) the same UUID a second time under another spelling.
    const a = rows[3] as MovementRow;
    const b = rows[4] as MovementRow;
    a.id = a.id.toUpperCase();
    b.id = `urn:uuid:${b.id}`;
    const doubled = row(41, { id: `urn:uuid:${a.id.toLowerCase()}` });
    for (const r of [...rows, doubled]) insert.run(r);
    db.exec(
      "INSERT INTO outbox (seq, payload, created_at) SELECT seq, '{}', recorded_at FROM movements WHERE seq > 30",
    );

    expect(migrate(db).slice(0, 2)).toEqual([6, 7]);
    const after = db.prepare('SELECT * FROM movements ORDER BY seq').all() as MovementRow[];
    expect(after.map((r) => ({ ...r, id: '' }))).toEqual([...rows, doubled].map((r) => ({ ...r, id: '' })));
    expect(after.map((r) => r.id)).toEqual([
      ...rows.map((r) => r.id.slice(-36).toLowerCase()),
      `${a.id.toLowerCase().slice(0, 24)}000000000029`,
    ]);
    expect(db.prepare('SELECT seq FROM outbox ORDER BY seq').all()).toEqual(
      Array.from({ length: 11 }, (_, i) => ({ seq: 31 + i })),
    );
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name);
    for (const gone of ['movement_ids', 'id_runs', 'movement_history', 'history_state'])
      expect(tables).not.toContain(gone);

    // A retry of a request recorded before 007 (hashed with the id as sent) is still a duplicate
    // when it spells the id as it did then.
    const t = setup(db);
    const old: MovementInput = { id: a.id, type: 'receive', sku: 'SKU-1', qty: 1 };
    db.prepare('UPDATE movements SET request_hash = ? WHERE seq = 4').run(requestHash(old, a.id));
    expect(await t.send([old])).toEqual([{ id: a.id, seq: 4, status: 'duplicate' }]);
    await expect(t.send([{ ...old, qty: 3 }])).rejects.toMatchObject({
      code: ErrorCode.Ledger_MovementIdReused,
    });
    expect(await t.send([receive()])).toEqual([expect.objectContaining({ seq: 42, status: 'created' })]);
  });
});

function receive(id = randomUUID(), qty = 1): MovementInput {
  return { id, type: 'receive', sku: 'SKU-1', qty };
}

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
    expect((settled[3] as PromiseRejectedResult).reason.code).toBe(ErrorCode.Ledger_MovementIdReused);
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
  it("lists an item's movements, by location or all of them, each once and in order", async () => {
    const db = freshDb();
    const catalog = new Catalog(db);
    for (const sku of ['A', 'B']) catalog.put({ sku, name: sku, gtins: [] }, 'local');
    const ledger = new Ledger(db, catalog);
    const writer = new GroupCommitWriter(db, ledger);
    const answer = writer.submit(
      Array.from({ length: 300 }, (_, i) => ({
        id: randomUUID(),
        type: 'receive' as const,
        sku: i % 3 === 0 ? 'B' : 'A',
        location: i % 2 === 0 ? 'store' : 'backroom',
        qty: 1,
      })),
      who,
    );
    writer.flush();
    await answer;
    const seqs = (sql: string) => (db.prepare(sql).all() as Array<{ seq: number }>).map((r) => r.seq);
    expect(ledger.movements(0, 10_000, { sku: 'A', location: 'store' }).map((m) => m.seq)).toEqual(
      seqs("SELECT seq FROM movements WHERE sku = 'A' AND location = 'store' ORDER BY seq"),
    );
    expect(ledger.movements(50, 10_000, { sku: 'B' }).map((m) => m.seq)).toEqual(
      seqs("SELECT seq FROM movements WHERE sku = 'B' AND seq > 50 ORDER BY seq"),
    );
  });
});
