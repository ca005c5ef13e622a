import type { ChangeFeed } from '@store-edge/protocol';
import {
  admin,
  bearer,
  createTenantAndStore,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let cloud: TestCloud;
let token = '';

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  token = (await createTenantAndStore(cloud.app, 'shop', 'shop-1')).token;
});
afterAll(async () => {
  await cloud?.close();
});

function put(sku: string, body: Record<string, unknown>) {
  return cloud.app.inject({
    method: 'PUT',
    url: `/v1/items/${sku}`,
    headers: admin,
    payload: {
      tenantId: 'shop',
      name: `Item ${sku}`,
      gtins: [],
      price: { amount: '1.00', currency: 'EUR' },
      ...body,
    },
  });
}

async function feed(after: number): Promise<ChangeFeed> {
  const res = await cloud.app.inject({
    method: 'GET',
    url: `/v1/stores/shop-1/changes?after=${after}`,
    headers: bearer(token),
  });
  return res.json<ChangeFeed>();
}

describe('cloud catalog: GTIN ownership and exact prices (CONTRACT.md PUT /items)', () => {
  it("refuses another sku's GTIN with 409 naming that sku, and moves it only when asked", async () => {
    expect((await put('MILK', { gtins: ['4006381333931'] })).statusCode).toBe(200);
    // The GTIN-14 form of the same GTIN is the same code.
    const taken = await put('CHEESE', { gtins: ['04006381333931'] });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({
      code: 'gtin-conflict',
      sku: 'MILK',
      errors: [{ path: '/gtins/0', message: "belongs to sku 'MILK'" }],
    });
    const asCase = await put('CHEESE', { packs: [{ gtin: '4006381333931', qty: 6 }] });
    expect(asCase.statusCode).toBe(409);
    expect(asCase.json()).toMatchObject({ sku: 'MILK', errors: [{ path: '/packs/0/gtin' }] });

    const before = (await feed(0)).cursor;
    const moved = await put('CHEESE', { gtins: ['4006381333931'], moveGtins: true });
    expect(moved.statusCode).toBe(200);
    const changes = (await feed(before)).changes.filter((c) => c.kind === 'item');
    expect(changes.map((c) => c.data)).toEqual([
      { sku: 'MILK', name: 'Item MILK', gtins: [], packs: [] },
      { sku: 'CHEESE', name: 'Item CHEESE', gtins: ['4006381333931'], packs: [] },
    ]);
    // Now MILK may not take it back silently either.
    expect((await put('MILK', { gtins: ['4006381333931'] })).json()).toMatchObject({ sku: 'CHEESE' });
  });

  it('takes amount as a JSON number or a decimal string, keeps it exact, and refuses float artefacts', async () => {
    const before = (await feed(0)).cursor;
    expect((await put('TEA', { price: { amount: 1.29, currency: 'EUR' } })).statusCode).toBe(200);
    expect((await put('COFFEE', { price: { amount: '1234567890.1234', currency: 'EUR' } })).statusCode).toBe(
      200,
    );
    const prices = (await feed(before)).changes.filter((c) => c.kind === 'price').map((c) => c.data);
    expect(prices).toEqual([
      { sku: 'TEA', price: { amount: '1.29', currency: 'EUR' } },
      { sku: 'COFFEE', price: { amount: '1234567890.1234', currency: 'EUR' } },
    ]);
    const [rows] = await cloud.pool.query(
      "SELECT CAST(price_amount AS CHAR) AS a FROM items WHERE tenant_id = 'shop' AND sku = 'COFFEE'",
    );
    expect((rows as Array<{ a: string }>)[0]?.a).toBe('1234567890.1234');
    // The same price written as "1.290" is no change.
    expect((await put('TEA', { price: { amount: '1.290', currency: 'EUR' } })).json()).toMatchObject({
      changed: false,
    });
    const artefact = await put('TEA', { price: { amount: 0.1 + 0.2, currency: 'EUR' } });
    expect(artefact.statusCode).toBe(400);
    expect(artefact.json()).toMatchObject({ errors: [{ path: '/price/amount' }] });
  });
});
