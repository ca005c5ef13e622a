import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transferMovementId } from '../src/deliveries/index.js';
import { ITEM, type Json, startTestAgent, type TestAgent } from './helpers.js';

// Receiving against deliveries and shipping transfers at the store, through the HTTP API: what a
// manager and an associate see and are told.
describe('deliveries at the store', () => {
  let t: TestAgent;

  const deliver = (
    id: string,
    lines: Array<{ sku: string; qty: number }>,
    kind: 'purchase' | 'transfer' = 'purchase',
  ) => {
    const parts = t.agent.parts;
    if (!parts) throw new Error('agent not started');
    // The change as the cloud's feed brings it, through the feed's applier inside its transaction.
    parts.db.transaction(() =>
      parts.feedHandlers.apply({
        cursor: 1,
        kind: 'delivery',
        data: {
          id,
          storeId: t.settings.storeId,
          kind,
          ...(kind === 'transfer' ? { fromStoreId: 'store-9' } : {}),
          lines,
        },
      }),
    )();
  };
  const receive = (sku: string, qty: number, ref?: string, type = 'receive') =>
    t.api('/api/v1/movements', {
      body: { movements: [{ id: randomUUID(), type, sku, qty, location: 'dock', ...(ref ? { ref } : {}) }] },
    });
  const lines = async (id: string) => (await t.api(`/api/v1/deliveries/${id}`)).body.lines as Json[];

  beforeAll(async () => {
    t = await startTestAgent();
    for (const sku of ['SKU-1', 'SKU-2', 'SKU-3'])
      expect(
        (
          await t.api(`/api/v1/items/${sku}`, {
            method: 'PUT',
            body: sku === 'SKU-1' ? ITEM : { ...ITEM, gtins: [], packs: [] },
          })
        ).status,
      ).toBe(200);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('derives received, damaged, short and over from the movements with its ref, and lists by status', async () => {
    deliver('PO-1', [
      { sku: 'SKU-1', qty: 10 },
      { sku: 'SKU-2', qty: 4 },
    ]);
    // The same change again (the feed resends after a crash) changes nothing.
    deliver('PO-1', [
      { sku: 'SKU-1', qty: 10 },
      { sku: 'SKU-2', qty: 4 },
    ]);
    expect((await t.api('/api/v1/deliveries?status=open')).body.deliveries.map((d: Json) => d.id)).toEqual([
      'PO-1',
    ]);
    await receive('SKU-1', 12, 'PO-1');
    await receive('SKU-2', 1, 'PO-1');
    await receive('SKU-3', 2, 'PO-1');
    const damaged = await t.api('/api/v1/movements', {
      body: {
        movements: [
          {
            id: randomUUID(),
            type: 'damage',
            sku: 'SKU-1',
            qty: 1,
            ref: 'PO-1',
            reason: 'torn',
            location: 'dock',
          },
        ],
      },
    });
    expect(damaged.status).toBe(200);
    await receive('SKU-1', 5); // no ref: not this delivery's
    expect(await lines('PO-1')).toEqual([
      { sku: 'SKU-1', expected: 10, received: 12, damaged: 1, short: 0, over: 2 },
      { sku: 'SKU-2', expected: 4, received: 1, damaged: 0, short: 3, over: 0 },
      { sku: 'SKU-3', expected: 0, received: 2, damaged: 0, short: 0, over: 2 },
    ]);
    expect(
      (await t.api('/api/v1/deliveries?status=receiving')).body.deliveries.map((d: Json) => d.id),
    ).toEqual(['PO-1']);
    expect((await t.api('/api/v1/deliveries?status=open')).body.deliveries).toEqual([]);
    const missing = await t.api('/api/v1/deliveries/NOPE');
    expect([missing.status, missing.body.type]).toEqual([
      404,
      'https://store-edge.dev/problems/delivery-not-found',
    ]);
    const badStatus = await t.api('/api/v1/deliveries?status=lost');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.errors[0].path).toMatch(/status/);
  });

  it('lets managers close into one receipt, and answers the same receipt to a second close', async () => {
    const associate = await t.token('associate');
    const refused = await t.api('/api/v1/deliveries/PO-1/close', { method: 'POST', token: associate });
    expect(refused.status).toBe(403);
    const manager = await t.token('manager');
    const [a, b] = await Promise.all([
      t.api('/api/v1/deliveries/PO-1/close', { method: 'POST', token: manager }),
      t.api('/api/v1/deliveries/PO-1/close', { method: 'POST', token: manager }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.receipt).toEqual(b.body.receipt);
    expect(a.body.receipt.closedBy).toBe('test-manager');
    // Received after the close: not in the receipt, and scanners no longer pick the delivery.
    await receive('SKU-1', 3, 'PO-1');
    expect(await lines('PO-1')).toEqual(a.body.receipt.lines);
    const chosen = await t.api('/api/v1/deliveries/PO-1/select', { method: 'POST', body: {} });
    expect([chosen.status, chosen.body.type]).toEqual([
      409,
      'https://store-edge.dev/problems/delivery-closed',
    ]);
    expect(t.agent.service('deliveries')?.store.routeScan('dock-1', 'SKU-1')).toBeNull();
  });

  it('routes a scan to the delivery that still expects the item, a chosen one first, transfers as transfer_in', async () => {
    deliver('PO-2', [{ sku: 'SKU-2', qty: 1 }]);
    deliver('PO-3', [{ sku: 'SKU-2', qty: 5 }]);
    deliver('T-9', [{ sku: 'SKU-3', qty: 2 }], 'transfer');
    const store = t.agent.service('deliveries')?.store;
    if (!store) throw new Error('no deliveries feature');
    expect(store.routeScan('dock-1', 'SKU-2')).toEqual({ id: 'PO-2', kind: 'purchase' });
    await receive('SKU-2', 1, 'PO-2');
    expect(store.routeScan('dock-1', 'SKU-2')).toEqual({ id: 'PO-3', kind: 'purchase' });
    expect(store.routeScan('dock-1', 'SKU-3')).toEqual({ id: 'T-9', kind: 'transfer' });
    const unknown = await t.api('/api/v1/deliveries/PO-2/select', {
      method: 'POST',
      body: { deviceId: 'dock-1' },
    });
    expect([unknown.status, unknown.body.errors]).toEqual([
      400,
      [{ path: '/deviceId', message: "no device 'dock-1'" }],
    ]);
    const put = await t.api('/api/v1/devices/dock-1', {
      method: 'PUT',
      body: { id: 'dock-1', kind: 'serial-scanner', path: '/dev/ttyNOPE', mode: 'receive', location: 'dock' },
    });
    expect(put.status).toBe(200);
    expect(
      (await t.api('/api/v1/deliveries/PO-2/select', { method: 'POST', body: { deviceId: 'dock-1' } }))
        .status,
    ).toBe(200);
    expect(store.routeScan('dock-1', 'SKU-3')).toEqual({ id: 'PO-2', kind: 'purchase' });
    expect(store.routeScan('dock-2', 'SKU-3')).toEqual({ id: 'T-9', kind: 'transfer' });
    const cleared = await t.api('/api/v1/deliveries/PO-2/select', { method: 'DELETE' });
    expect(cleared.body.receivingInto).toEqual([]);
  });

  it('ships a transfer once however often it is sent, finishes one a crash interrupted, and names bad fields', async () => {
    const manager = await t.token('manager');
    await receive('SKU-2', 20);
    const body = { id: 'T-1', toStoreId: 'store-b', lines: [{ sku: 'SKU-2', qty: 4 }] };
    const first = await t.api('/api/v1/transfers', { body, token: manager });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.movements).toEqual([expect.objectContaining({ status: 'created' })]);
    const again = await t.api('/api/v1/transfers', { body, token: manager });
    expect([again.status, again.body.movements[0].status]).toEqual([200, 'duplicate']);
    const out = (await t.api('/api/v1/movements?limit=1000')).body.movements.filter(
      (m: Json) => m.ref === 'T-1',
    );
    expect(out.map((m: Json) => [m.type, m.sku, m.qty, m.id])).toEqual([
      ['transfer_out', 'SKU-2', 4, transferMovementId(t.settings.storeId, 'T-1', 'SKU-2')],
    ]);
    expect(
      (
        await t.api('/api/v1/transfers', {
          body: { ...body, lines: [{ sku: 'SKU-2', qty: 5 }] },
          token: manager,
        })
      ).status,
    ).toBe(409);
    const bad = await t.api('/api/v1/transfers', {
      body: {
        id: 'T-2',
        toStoreId: 'store-b',
        lines: [
          { sku: 'NOPE', qty: 1 },
          { sku: 'NOPE', qty: 0 },
        ],
      },
      token: manager,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: '/lines/1/qty' })]);
    const unknown = await t.api('/api/v1/transfers', {
      body: { id: 'T-2', toStoreId: 'store-b', lines: [{ sku: 'NOPE', qty: 1 }] },
      token: manager,
    });
    expect(unknown.body.errors).toEqual([{ path: '/lines/0/sku', message: "no item 'NOPE' in the catalog" }]);
    expect((await t.api('/api/v1/transfers', { body, token: await t.token('associate') })).status).toBe(403);

    // A crash after the transfer was recorded and before its movements: the start finishes it.
    const parts = t.agent.parts;
    const service = t.agent.service('deliveries');
    if (!parts || !service) throw new Error('agent not started');
    parts.db
      .prepare(
        `INSERT INTO transfers (id, to_store_id, location, lines, request_hash, created_at, created_by)
         VALUES ('T-3', 'store-b', 'store', '[{"sku":"SKU-2","qty":2}]', 'x', ?, 'test-manager')`,
      )
      .run(new Date().toISOString());
    expect((await t.api('/api/v1/transfers/T-3')).body.status).toBe('shipping');
    await service.transfers.resume();
    await service.transfers.resume();
    expect((await t.api('/api/v1/transfers/T-3')).body).toMatchObject({ status: 'shipped', reported: false });
    const t3 = (await t.api('/api/v1/movements?limit=1000')).body.movements.filter(
      (m: Json) => m.ref === 'T-3',
    );
    expect(t3.map((m: Json) => [m.type, m.qty])).toEqual([['transfer_out', 2]]);
  });
});
