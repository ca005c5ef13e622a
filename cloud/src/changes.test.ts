import type { Change, ChangeFeed, Reservation } from '@store-edge/protocol';
import {
  ADMIN_TOKEN,
  admin,
  bearer,
  createTenantAndStore,
  movement,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from './app.js';
import { ChangeNotifier } from './changes.js';
import { createMetrics } from './metrics.js';

let cloud: TestCloud;
let tokenA = '';
let tokenA2 = '';
let tokenB = '';

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  tokenA = (await createTenantAndStore(cloud.app, 'acme', 'acme-1')).token;
  tokenA2 = (await createTenantAndStore(cloud.app, 'acme', 'acme-2')).token;
  tokenB = (await createTenantAndStore(cloud.app, 'other', 'other-1')).token;
});
afterAll(async () => {
  await cloud?.close();
});

async function feed(storeId: string, token: string, after: number, waitSeconds = 0): Promise<ChangeFeed> {
  const res = await cloud.app.inject({
    method: 'GET',
    url: `/v1/stores/${storeId}/changes?after=${after}&waitSeconds=${waitSeconds}`,
    headers: bearer(token),
  });
  expect(res.statusCode).toBe(200);
  return res.json<ChangeFeed>();
}

function putItem(sku: string, tenantId: string, amount: number, name = `Item ${sku}`) {
  return cloud.app.inject({
    method: 'PUT',
    url: `/v1/items/${sku}`,
    headers: admin,
    payload: {
      tenantId,
      name,
      // One item holds the GTINs: another sku may not take them without moveGtins (items.test.ts).
      gtins: sku === 'SKU-9' ? ['4006381333931'] : [],
      packs: sku === 'SKU-9' ? [{ gtin: '14006381333938', qty: 12 }] : [],
      price: { amount, currency: 'EUR' },
    },
  });
}

async function postBatch(storeId: string, token: string, seq: number, m: Parameters<typeof movement>[0]) {
  const res = await cloud.app.inject({
    method: 'POST',
    url: `/v1/stores/${storeId}/replication/batches`,
    headers: bearer(token),
    payload: { records: [{ seq, movement: movement(m) }] },
  });
  expect(res.statusCode).toBe(200);
}

describe('change feed', () => {
  let cursorA = 0;

  it("sends catalog and price changes to every store of the tenant, and only the tenant's", async () => {
    expect((await putItem('SKU-9', 'acme', 1.99)).statusCode).toBe(200);
    const a = await feed('acme-1', tokenA, 0);
    expect(a.changes.map((c) => c.kind)).toEqual(['item', 'price']);
    expect(a.changes[0]?.data).toEqual({
      sku: 'SKU-9',
      name: 'Item SKU-9',
      gtins: ['4006381333931'],
      packs: [{ gtin: '14006381333938', qty: 12 }],
    });
    expect(a.changes[1]?.data).toEqual({ sku: 'SKU-9', price: { amount: '1.99', currency: 'EUR' } });
    expect(a.cursor).toBe(a.changes[1]?.cursor);
    expect((await feed('acme-2', tokenA2, 0)).changes).toHaveLength(2);
    expect((await feed('other-1', tokenB, 0)).changes).toEqual([]);
    cursorA = a.cursor;

    // A price-only change sends only a price; an unchanged PUT sends nothing.
    expect((await putItem('SKU-9', 'acme', 2.49)).json()).toMatchObject({ changed: true });
    expect((await putItem('SKU-9', 'acme', 2.49)).json()).toMatchObject({ changed: false });
    const next = await feed('acme-1', tokenA, cursorA);
    expect(next.changes.map((c) => [c.kind, c.data])).toEqual([
      ['price', { sku: 'SKU-9', price: { amount: '2.49', currency: 'EUR' } }],
    ]);
    expect(next.changes[0]?.cursor).toBeGreaterThan(cursorA);
    cursorA = next.cursor;
  });

  it('answers an empty page with the same cursor when nothing is new', async () => {
    expect(await feed('acme-1', tokenA, cursorA)).toEqual({ changes: [], cursor: cursorA });
  });

  it('holds a long poll until a change for the store arrives', async () => {
    const pending = feed('acme-1', tokenA, cursorA, 10);
    await new Promise((r) => setTimeout(r, 200));
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: admin,
      payload: { storeId: 'acme-1', sku: 'SKU-9', qty: 2, ref: 'order-1' },
    });
    expect(res.statusCode).toBe(201);
    const got = await pending;
    expect(got.changes).toHaveLength(1);
    expect(got.changes[0]).toMatchObject({
      kind: 'reservation',
      data: { id: res.json().id, status: 'requested' },
    });
    cursorA = got.cursor;
    // The other store of the tenant does not see a reservation meant for acme-1.
    const a2 = await feed('acme-2', tokenA2, 0);
    expect(a2.changes.some((c) => c.kind === 'reservation')).toBe(false);
  });

  it('wakes a long poll held by another replica when this one commits the change', async () => {
    const replica = await buildApp({
      pool: cloud.pool,
      adminToken: ADMIN_TOKEN,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(),
      notifier: new ChangeNotifier(cloud.pool, 50),
    });
    try {
      const pending = replica.inject({
        method: 'GET',
        url: `/v1/stores/acme-1/changes?after=${cursorA}&waitSeconds=20`,
        headers: bearer(tokenA),
      });
      await new Promise((r) => setTimeout(r, 200));
      expect((await putItem('SKU-10', 'acme', 3)).statusCode).toBe(200);
      const got = (await pending).json<ChangeFeed>();
      expect(got.changes.map((c) => [c.kind, (c.data as { sku: string }).sku])).toEqual([
        ['item', 'SKU-10'],
        ['price', 'SKU-10'],
      ]);
      cursorA = got.cursor;
    } finally {
      await replica.close();
    }
  });

  it('refuses waitSeconds above 30 and another store', async () => {
    const res = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stores/acme-1/changes?after=0&waitSeconds=31',
      headers: bearer(tokenA),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('/querystring/waitSeconds');
    const cross = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stores/acme-1/changes',
      headers: bearer(tokenA2),
    });
    expect(cross.statusCode).toBe(403);
  });
});

describe('reservations', () => {
  async function reserve(storeId: string, ref: string): Promise<Reservation> {
    const res = await cloud.app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: admin,
      payload: { storeId, sku: 'SKU-R', qty: 1, ref },
    });
    expect(res.statusCode).toBe(201);
    return res.json<Reservation>();
  }
  async function status(id: string): Promise<string> {
    const res = await cloud.app.inject({ method: 'GET', url: `/v1/reservations/${id}`, headers: admin });
    return res.json<Reservation>().status;
  }

  it("follows the store's answering movements: requested, accepted, fulfilled / released / rejected", async () => {
    const shipped = await reserve('acme-2', 'web-1');
    const released = await reserve('acme-2', 'web-2');
    const rejected = await reserve('acme-2', 'web-3');
    expect(shipped.status).toBe('requested');
    await postBatch('acme-2', tokenA2, 1, { type: 'receive', sku: 'SKU-R', qty: 5 });
    await postBatch('acme-2', tokenA2, 2, { type: 'reserve', sku: 'SKU-R', qty: 1, ref: shipped.id });
    await postBatch('acme-2', tokenA2, 3, { type: 'reserve', sku: 'SKU-R', qty: 1, ref: released.id });
    await postBatch('acme-2', tokenA2, 4, {
      type: 'reject',
      sku: 'SKU-R',
      qty: 1,
      ref: rejected.id,
      reason: 'damaged',
    });
    expect(await status(shipped.id)).toBe('accepted');
    expect(await status(rejected.id)).toBe('rejected');
    await postBatch('acme-2', tokenA2, 5, { type: 'ship', sku: 'SKU-R', qty: 1, ref: shipped.id });
    await postBatch('acme-2', tokenA2, 6, { type: 'release', sku: 'SKU-R', qty: 1, ref: released.id });
    expect(await status(shipped.id)).toBe('fulfilled');
    expect(await status(released.id)).toBe('released');

    // The store's feed carries each transition; a reject leaves stock alone.
    const all = (await feed('acme-2', tokenA2, 0)).changes.filter(
      (c): c is Extract<Change, { kind: 'reservation' }> => c.kind === 'reservation',
    );
    expect(all.filter((c) => c.data.id === shipped.id).map((c) => c.data.status)).toEqual([
      'requested',
      'accepted',
      'fulfilled',
    ]);
    const stock = await cloud.app.inject({ method: 'GET', url: '/v1/stock?sku=SKU-R', headers: admin });
    expect(stock.json().stores).toEqual([
      expect.objectContaining({ storeId: 'acme-2', onHand: 4, reserved: 0, available: 4 }),
    ]);
  });

  it('ignores an answer from a store the reservation is not for', async () => {
    const r = await reserve('acme-2', 'web-4');
    // acme-1 has never replicated; its first movement names acme-2's reservation.
    await postBatch('acme-1', tokenA, 1, { type: 'reserve', sku: 'SKU-R', qty: 1, ref: r.id });
    expect(await status(r.id)).toBe('requested');
  });

  it('answers 404 problem for an unknown reservation and store', async () => {
    const res = await cloud.app.inject({
      method: 'GET',
      url: '/v1/reservations/7d1e7a7e-0000-4000-8000-000000000000',
      headers: admin,
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const store = await cloud.app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: admin,
      payload: { storeId: 'nope', sku: 'X', qty: 1, ref: 'r' },
    });
    expect(store.statusCode).toBe(404);
  });
});
