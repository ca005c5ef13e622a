// Head office's side of deliveries, receipts and transfers (issue 18) on a real MariaDB: what a
// buyer is told about bad lines, and what the cloud shows once a store's receipt or shipment
// arrives, however often it arrives.
import type { ChangeFeed } from '@store-edge/protocol';
import {
  admin,
  bearer,
  createTenantAndStore,
  records,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createDelivery,
  getDelivery,
  listDeliveries,
  listTransfers,
  transferView,
} from './deliveries/index.js';

let cloud: TestCloud;
let tokenA = '';
let tokenB = '';

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  tokenA = (await createTenantAndStore(cloud.app, 'shop', 'shop-a')).token;
  tokenB = (await createTenantAndStore(cloud.app, 'shop', 'shop-b')).token;
  await createTenantAndStore(cloud.app, 'other', 'other-1');
  for (const [sku, gtins, packs] of [
    ['MILK', ['4006381333931'], [{ gtin: '14006381333938', qty: 12 }]],
    ['BREAD', [], []],
  ] as const) {
    const r = await cloud.app.inject({
      method: 'PUT',
      url: `/v1/items/${sku}`,
      headers: admin,
      payload: { tenantId: 'shop', name: sku, gtins, packs, price: { amount: '1.00', currency: 'EUR' } },
    });
    expect(r.statusCode).toBe(200);
  }
  const hook = await cloud.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: admin,
    payload: {
      url: 'http://127.0.0.1:9/hook',
      secret: 'a-webhook-secret-0123456789',
      events: ['delivery.received', 'transfer.shipped', 'transfer.received'],
      tenantId: 'shop',
    },
  });
  expect(hook.statusCode).toBe(201);
});
afterAll(async () => {
  await cloud?.close();
});

const post = (payload: Record<string, unknown>, headers: Record<string, string> = admin) =>
  cloud.app.inject({ method: 'POST', url: '/v1/deliveries', headers, payload });
const get = (url: string) => cloud.app.inject({ method: 'GET', url, headers: admin });

async function events(event: string): Promise<number> {
  const [rows] = await cloud.pool.query('SELECT COUNT(*) AS n FROM webhook_deliveries WHERE event = ?', [
    event,
  ]);
  return Number((rows as Array<{ n: number }>)[0]?.n);
}

describe('deliveries at head office', () => {
  it('names each bad line, resolves case GTINs to units, and answers a retried POST with the same delivery', async () => {
    const bad = await post({
      id: 'PO-X',
      storeId: 'shop-a',
      lines: [
        { sku: 'NOPE', qty: 1 },
        { gtin: '4000000000006', qty: 1 },
        { sku: 'MILK', gtin: '4006381333931', qty: 1 },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.json().errors).toEqual([
      { path: '/lines/0/sku', message: "no item 'NOPE' in the tenant catalog" },
      { path: '/lines/1/gtin', message: 'no item has the GTIN 4000000000006 in the tenant catalog' },
      { path: '/lines/2', message: 'names a sku or a gtin, not both' },
    ]);
    expect((await post({ id: 'PO-X', storeId: 'shop-a', lines: [] })).json().errors[0].path).toBe('/lines');
    expect(
      (await post({ id: 'PO-X', storeId: 'nowhere', lines: [{ sku: 'MILK', qty: 1 }] })).statusCode,
    ).toBe(404);
    // A store's token is not a buyer.
    expect(
      (await post({ id: 'PO-X', storeId: 'shop-a', lines: [{ sku: 'MILK', qty: 1 }] }, bearer(tokenA)))
        .statusCode,
    ).toBe(403);

    const po = {
      id: 'PO-1',
      storeId: 'shop-a',
      lines: [
        { gtin: '14006381333938', qty: 2 },
        { sku: 'MILK', qty: 1 },
        { sku: 'BREAD', qty: 4 },
      ],
    };
    const made = await post(po);
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({
      status: 'open',
      lines: [
        { sku: 'BREAD', expected: 4, received: 0, short: 4 },
        { sku: 'MILK', expected: 25, received: 0, short: 25 },
      ],
    });
    expect((await post(po)).statusCode).toBe(200);
    const taken = await post({ ...po, lines: [{ sku: 'BREAD', qty: 1 }] });
    expect([taken.statusCode, taken.json().code]).toEqual([409, 'delivery-exists']);
    const feed = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stores/shop-a/changes?after=0',
      headers: bearer(tokenA),
    });
    const deliveries = feed.json<ChangeFeed>().changes.filter((c) => c.kind === 'delivery');
    expect(deliveries.map((c) => c.data)).toEqual([
      expect.objectContaining({ id: 'PO-1', storeId: 'shop-a' }),
    ]);
  });

  it("applies a store's receipt once, only after the movements it sums, with the cloud's own figures", async () => {
    const receipt = {
      closedAt: '2026-12-05T10:00:00.000Z',
      closedBy: 'manager-1',
      asOfSeq: 3,
      lines: [],
    };
    const put = (token: string, store = 'shop-a') =>
      cloud.app.inject({
        method: 'PUT',
        url: `/v1/stores/${store}/receipts/PO-1`,
        headers: bearer(token),
        payload: receipt,
      });
    expect((await put(tokenB)).statusCode).toBe(403);
    expect((await put(tokenB, 'shop-b')).statusCode).toBe(404);
    const ahead = await put(tokenA);
    expect([ahead.statusCode, ahead.json().code]).toEqual([409, 'record-ahead']);

    const batch = records(
      1,
      4,
      (seq) =>
        seq === 1
          ? { sku: 'MILK', qty: 24, ref: 'PO-1' }
          : seq === 2
            ? { type: 'damage', sku: 'MILK', qty: 1, ref: 'PO-1', reason: 'crushed' }
            : seq === 3
              ? { sku: 'EGGS', qty: 2, ref: 'PO-1' }
              : { sku: 'MILK', qty: 5, ref: 'PO-1' }, // after the close: not in the receipt
    );
    const applied = await cloud.app.inject({
      method: 'POST',
      url: '/v1/stores/shop-a/replication/batches',
      headers: bearer(tokenA),
      payload: { records: batch },
    });
    expect(applied.statusCode).toBe(200);
    const live = (await get('/v1/deliveries/PO-1')).json();
    expect(live.status).toBe('receiving');
    expect(live.lines.find((l: { sku: string }) => l.sku === 'MILK')).toMatchObject({
      received: 29,
      damaged: 1,
    });

    const first = await put(tokenA);
    expect([first.statusCode, first.json().status]).toEqual([200, 'created']);
    const again = await put(tokenA);
    expect([again.statusCode, again.json().status]).toEqual([200, 'duplicate']);
    const closed = (await get('/v1/deliveries/PO-1')).json();
    expect(closed.status).toBe('closed');
    expect(closed.lines).toEqual([
      { sku: 'BREAD', expected: 4, received: 0, damaged: 0, short: 4, over: 0 },
      { sku: 'EGGS', expected: 0, received: 2, damaged: 0, short: 0, over: 2 },
      { sku: 'MILK', expected: 25, received: 24, damaged: 1, short: 1, over: 0 },
    ]);
    expect(await events('delivery.received')).toBe(1);
    expect(
      (await get('/v1/deliveries?status=closed&storeId=shop-a'))
        .json()
        .deliveries.map((d: { id: string }) => d.id),
    ).toEqual(['PO-1']);
    expect((await get('/v1/deliveries/NOPE')).statusCode).toBe(404);
  });

  it('makes the destination delivery of a shipped transfer once, and shows it in transit until received', async () => {
    const shipment = {
      toStoreId: 'shop-b',
      shippedAt: '2026-12-05T09:00:00.000Z',
      asOfSeq: 5,
      lines: [{ sku: 'BREAD', qty: 3 }],
    };
    const put = (id: string, payload: Record<string, unknown> = shipment) =>
      cloud.app.inject({
        method: 'PUT',
        url: `/v1/stores/shop-a/transfers/${id}`,
        headers: bearer(tokenA),
        payload,
      });
    expect((await put('T-1', { ...shipment, toStoreId: 'other-1' })).statusCode).toBe(404);
    expect((await put('T-1')).json().code).toBe('record-ahead');
    const out = await cloud.app.inject({
      method: 'POST',
      url: '/v1/stores/shop-a/replication/batches',
      headers: bearer(tokenA),
      payload: { records: records(5, 5, () => ({ type: 'transfer_out', sku: 'BREAD', qty: 3, ref: 'T-1' })) },
    });
    expect(out.statusCode).toBe(200);
    expect((await put('T-1')).json().status).toBe('created');
    expect((await put('T-1')).json().status).toBe('duplicate');
    expect(await events('transfer.shipped')).toBe(1);
    // The id of an existing delivery cannot become a transfer.
    expect((await put('PO-1')).json().code).toBe('delivery-exists');

    expect((await get('/v1/deliveries/T-1')).json()).toMatchObject({
      storeId: 'shop-b',
      kind: 'transfer',
      fromStoreId: 'shop-a',
    });
    expect((await get('/v1/transfers/T-1')).json()).toMatchObject({
      status: 'in-transit',
      lines: [{ sku: 'BREAD', shipped: 3, received: 0, short: 0, inTransit: 3 }],
    });
    expect(
      (await get('/v1/transfers?status=in-transit')).json().transfers.map((t: { id: string }) => t.id),
    ).toEqual(['T-1']);

    const inB = await cloud.app.inject({
      method: 'POST',
      url: '/v1/stores/shop-b/replication/batches',
      headers: bearer(tokenB),
      payload: { records: records(1, 1, () => ({ type: 'transfer_in', sku: 'BREAD', qty: 2, ref: 'T-1' })) },
    });
    expect(inB.statusCode).toBe(200);
    const rec = await cloud.app.inject({
      method: 'PUT',
      url: '/v1/stores/shop-b/receipts/T-1',
      headers: bearer(tokenB),
      payload: { closedAt: '2026-12-05T11:00:00.000Z', closedBy: 'm', asOfSeq: 1, lines: [] },
    });
    expect(rec.json().status).toBe('created');
    expect((await get('/v1/transfers/T-1')).json()).toMatchObject({
      status: 'received',
      lines: [{ sku: 'BREAD', shipped: 3, received: 2, short: 1, inTransit: 0 }],
    });
    expect((await get('/v1/transfers?status=in-transit')).json().transfers).toEqual([]);
    expect(await events('transfer.received')).toBe(1);
  });

  it("reads only inside the caller's scope: another tenant's delivery is not found, a store list sees its stores", async () => {
    // The scopes requireRole hands a person of another tenant, and one limited to store shop-b.
    const otherTenant = { tenantId: 'other', stores: null };
    const onlyB = { tenantId: 'shop', stores: ['shop-b'] };
    await expect(getDelivery(cloud.pool, otherTenant, 'PO-1')).rejects.toMatchObject({ status: 404 });
    await expect(getDelivery(cloud.pool, onlyB, 'PO-1')).rejects.toMatchObject({ status: 404 });
    expect((await getDelivery(cloud.pool, onlyB, 'T-1')).storeId).toBe('shop-b');
    expect((await listDeliveries(cloud.pool, onlyB, { limit: 100 })).map((d) => d.id)).toEqual(['T-1']);
    expect(await listDeliveries(cloud.pool, otherTenant, { limit: 100 })).toEqual([]);
    await expect(
      createDelivery(cloud.pool, otherTenant, {
        id: 'PO-9',
        storeId: 'shop-a',
        lines: [{ sku: 'MILK', qty: 1 }],
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(await transferView(cloud.pool, otherTenant, 'T-1')).toBeNull();
    expect((await transferView(cloud.pool, onlyB, 'T-1'))?.id).toBe('T-1');
    expect(await listTransfers(cloud.pool, { tenantId: 'shop', stores: ['nowhere'] }, { limit: 10 })).toEqual(
      [],
    );
  });
});
