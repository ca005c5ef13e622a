// Withdrawing a record the cloud refuses for good (replication/repair.ts): the record becomes a
// `void` with the same seq and id, its stock effect is taken back so the projection still equals
// the ledger, and the original is kept in the quarantine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildStock } from '../src/ledger/ledger.js';
import { RepairError, voidRecord } from '../src/replication/repair.js';
import { ITEM, mv, startTestAgent, type TestAgent } from './helpers.js';

let t: TestAgent;

beforeAll(async () => {
  t = await startTestAgent();
  expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
});
afterAll(() => t.stop());

async function book(...movements: Array<Record<string, unknown>>): Promise<number[]> {
  const r = await t.api('/api/v1/movements', { body: { movements } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.results.map((x: { seq: number }) => x.seq);
}

async function stock(location: string) {
  const r = await t.api(`/api/v1/stock?sku=SKU-1&location=${location}`);
  return r.body.items[0] ?? { onHand: 0, reserved: 0 };
}

const now = new Date('2026-12-05T09:00:00.000Z');

describe('void repair', () => {
  it('takes a receipt back, or hands its effect to a later count at the same place, keeping stock equal to the ledger', async () => {
    const [receipt, , , later] = await book(
      mv('receive', { qty: 10, location: 'backroom' }),
      mv('count', { qty: 7, location: 'backroom' }),
      mv('sale', { qty: 2, location: 'backroom' }),
      mv('receive', { qty: 4, location: 'shelf' }),
    );
    const db = t.agent.parts!.db;
    expect(await stock('backroom')).toMatchObject({ onHand: 5 });
    // The count restated the total afterwards: on hand stays what was counted plus what followed.
    const r = voidRecord(db, receipt as number, { reason: 'test', actor: 'admin', now });
    expect(r).toMatchObject({ seq: receipt, voided: true });
    expect(await stock('backroom')).toMatchObject({ onHand: 5 });
    // No later count: the receipt's units leave the shelf again.
    voidRecord(db, later as number, { reason: 'test', actor: 'admin', now });
    expect(await stock('shelf')).toMatchObject({ onHand: 0 });
    const rebuilt = rebuildStock(db).filter((s) => s.sku === 'SKU-1');
    const current = (await t.api('/api/v1/stock?sku=SKU-1')).body.items;
    expect(current).toEqual(rebuilt);
    const row = db
      .prepare('SELECT type, qty, delta_on_hand, source FROM movements WHERE seq = ?')
      .get(receipt);
    expect(row).toEqual({ type: 'void', qty: 0, delta_on_hand: 0, source: 'repair' });
    const kept = t.agent.parts!.quarantine.list(5).find((q) => q.source === 'replication');
    expect(JSON.parse(kept?.raw ?? '{}')).toMatchObject({
      seq: later,
      movement: { type: 'receive', qty: 4 },
    });
  });

  it('takes a reservation back, and answers 404, 409 and idempotent repeats', async () => {
    const [, reserve] = await book(
      mv('receive', { qty: 5, location: 'dock' }),
      mv('reserve', { qty: 3, location: 'dock', ref: 'R-9' }),
    );
    const db = t.agent.parts!.db;
    expect(await stock('dock')).toMatchObject({ onHand: 5, reserved: 3 });
    voidRecord(db, reserve as number, { reason: 'test', actor: 'admin', now });
    expect(await stock('dock')).toMatchObject({ onHand: 5, reserved: 0 });
    expect(db.prepare("SELECT qty_open FROM reservations WHERE ref = 'R-9'").get()).toEqual({ qty_open: 0 });
    expect(voidRecord(db, reserve as number, { reason: 'again', actor: 'admin', now })).toMatchObject({
      voided: false,
    });
    expect(() => voidRecord(db, 999_999, { reason: 'x', actor: 'admin', now })).toThrow(RepairError);
    const [acked] = await book(mv('receive', { qty: 1, location: 'dock' }));
    db.prepare('DELETE FROM outbox WHERE seq = ?').run(acked);
    expect(() => voidRecord(db, acked as number, { reason: 'x', actor: 'admin', now })).toThrow(
      /already acknowledged by the cloud/,
    );
  });

  it('answers 409 on the API when no cloud is configured', async () => {
    const r = await t.api('/api/v1/replication/records/1/void', { body: {} });
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(/no cloud is configured/);
    expect((await t.api('/api/v1/replication/records/1/void', { body: {}, role: 'associate' })).status).toBe(
      403,
    );
  });
});
