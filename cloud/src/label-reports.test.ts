import {
  admin,
  bearer,
  createTenantAndStore,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let cloud: TestCloud;
let token1 = '';
let token2 = '';

async function printedAt(changeId: string, storeId: string): Promise<string | null> {
  const [rows] = await cloud.pool.query(
    'SELECT labels_printed_at AS at FROM price_change_stores WHERE price_change_id = ? AND store_id = ?',
    [changeId, storeId],
  );
  const at = (rows as Array<{ at: Date | null }>)[0]?.at;
  return at ? at.toISOString() : null;
}

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  token1 = (await createTenantAndStore(cloud.app, 'shop', 'shop-1')).token;
  const s2 = await cloud.app.inject({
    method: 'POST',
    url: '/v1/stores',
    headers: admin,
    payload: { id: 'shop-2', tenantId: 'shop', name: 'Shop 2' },
  });
  token2 = s2.json<{ token: string }>().token;
  // Head office's price changes (the prices routes): pc-1 for both stores, pc-2 for shop-1.
  for (const [id, storeIds] of [
    ['pc-1', ['shop-1', 'shop-2']],
    ['pc-2', ['shop-1']],
  ] as const) {
    const r = await cloud.app.inject({
      method: 'POST',
      url: '/v1/price-changes',
      headers: admin,
      payload: {
        id,
        tenantId: 'shop',
        effectiveAt: '2026-12-06T06:00:00',
        storeIds,
        changes: [{ sku: 'MILK', amount: '1.29', currency: 'EUR' }],
      },
    });
    if (r.statusCode >= 300) throw new Error(`price change: ${r.statusCode} ${r.body}`);
  }
});
afterAll(async () => {
  await cloud?.close();
});

function report(storeId: string, token: string, body: Record<string, unknown>) {
  return cloud.app.inject({
    method: 'POST',
    url: `/v1/stores/${storeId}/label-reports`,
    headers: bearer(token),
    payload: body,
  });
}

describe('POST /v1/stores/{storeId}/label-reports', () => {
  it("records the store's printed labels once: a repeated report keeps the first time", async () => {
    const first = await report('shop-1', token1, {
      priceChangeIds: ['pc-1', 'pc-2', 'pc-9'],
      printedAt: '2026-12-05T19:12:30.250Z',
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ recorded: ['pc-1', 'pc-2'], unknown: ['pc-9'] });
    expect(await printedAt('pc-1', 'shop-1')).toBe('2026-12-05T19:12:30.250Z');

    const again = await report('shop-1', token1, {
      priceChangeIds: ['pc-1'],
      printedAt: '2026-12-05T21:00:00+01:00',
    });
    expect(again.statusCode).toBe(200);
    expect(await printedAt('pc-1', 'shop-1')).toBe('2026-12-05T19:12:30.250Z');
    // Head office sees it per store: shop-1 printed, shop-2 not.
    const status = await cloud.app.inject({ method: 'GET', url: '/v1/price-changes/pc-1', headers: admin });
    expect(status.json().stores).toEqual([
      { storeId: 'shop-1', receivedAt: null, labelsPrintedAt: '2026-12-05T19:12:30.250Z' },
      { storeId: 'shop-2', receivedAt: null, labelsPrintedAt: null },
    ]);
  });

  it("refuses another store's token and a malformed report", async () => {
    const other = await report('shop-2', token1, {
      priceChangeIds: ['pc-1'],
      printedAt: '2026-12-05T19:00:00Z',
    });
    expect(other.statusCode).toBe(403);
    expect(await printedAt('pc-1', 'shop-2')).toBeNull();
    const empty = await report('shop-2', token2, { priceChangeIds: [], printedAt: '2026-12-05T19:00:00Z' });
    expect(empty.statusCode).toBe(400);
    const noOffset = await report('shop-2', token2, {
      priceChangeIds: ['pc-1'],
      printedAt: '2026-12-05T19:00:00',
    });
    expect(noOffset.statusCode).toBe(400);
  });
});
