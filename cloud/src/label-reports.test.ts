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

/** price_change_stores comes with the prices branch's cloud migration; made here if it is not there yet. */
async function ensurePriceChangeStores(): Promise<void> {
  await cloud.pool.query(
    `CREATE TABLE IF NOT EXISTS price_change_stores (
       tenant_id VARCHAR(64) NOT NULL, price_change_id VARCHAR(128) NOT NULL, store_id VARCHAR(64) NOT NULL,
       received_at DATETIME(3) NULL, labels_printed_at DATETIME(3) NULL,
       PRIMARY KEY (tenant_id, price_change_id, store_id))`,
  );
}

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
  await ensurePriceChangeStores();
  await cloud.pool.query(
    `INSERT IGNORE INTO price_change_stores (tenant_id, price_change_id, store_id, received_at)
     VALUES ('shop', 'pc-1', 'shop-1', NOW(3)), ('shop', 'pc-1', 'shop-2', NOW(3)), ('shop', 'pc-2', 'shop-1', NOW(3))`,
  );
});
afterAll(async () => {
  await cloud?.close();
});

function report(storeId: string, token: string, body: unknown) {
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
    // The other store has not printed.
    expect(await printedAt('pc-1', 'shop-2')).toBeNull();
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
