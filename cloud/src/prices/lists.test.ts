// The console's price lists (issue 19) on real MariaDB through the real app: which price changes
// count as scheduled (a local date-time is ahead until it has passed in the latest zone), the
// received and printed counts as stores fetch and report, label readiness per store, and a
// person scoped to one store counting that store only.
import {
  admin,
  bearer,
  createTenantAndStore,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { labelReadiness, listPriceChanges, passedEverywhereAt } from './lists.js';

let cloud: TestCloud;
const tokens: Record<string, string> = {};

/** A local date-time (no offset) `ms` from now, written as UTC's wall clock. */
const localIn = (ms: number) => new Date(Date.now() + ms).toISOString().slice(0, 16);

async function post(id: string, effectiveAt: string, storeIds?: string[]) {
  const r = await cloud.app.inject({
    method: 'POST',
    url: '/v1/price-changes',
    headers: admin,
    payload: {
      id,
      tenantId: 'shop',
      effectiveAt,
      ...(storeIds ? { storeIds } : {}),
      changes: [{ sku: 'SKU-1', amount: '1.2345', currency: 'EUR' }],
    },
  });
  expect(r.statusCode, r.body).toBe(201);
}

async function get<T>(url: string): Promise<T> {
  const r = await cloud.app.inject({ method: 'GET', url, headers: admin });
  expect(r.statusCode, r.body).toBe(200);
  return r.json<T>();
}

interface Summary {
  id: string;
  status: string;
  stores: number;
  received: number;
  printed: number;
}

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  tokens['shop-1'] = (await createTenantAndStore(cloud.app, 'shop', 'shop-1')).token;
  const s2 = await cloud.app.inject({
    method: 'POST',
    url: '/v1/stores',
    headers: admin,
    payload: { id: 'shop-2', tenantId: 'shop', name: 'Shop 2' },
  });
  tokens['shop-2'] = s2.json<{ token: string }>().token;
  await post('pc-past', '2020-01-01T06:00');
  await post('pc-future', '2099-01-01T06:00', ['shop-1']);
  // Passed in UTC two hours ago, but not yet at a store on UTC−10 (Hawaii): still scheduled.
  await post('pc-local-recent', localIn(-2 * 3600_000));
  // The same moment with an offset is one instant, passed everywhere.
  await post('pc-offset-recent', `${localIn(-2 * 3600_000)}Z`);
}, 60_000);

afterAll(async () => {
  await cloud?.close();
});

describe('price change lists for the console', () => {
  it('reads a local date-time as passed only once it has passed in UTC−12, an offset as one instant', () => {
    expect(passedEverywhereAt('2030-01-01T06:00')).toBe(Date.UTC(2030, 0, 1, 18));
    expect(passedEverywhereAt('2030-01-01T06:00+01:00')).toBe(Date.UTC(2030, 0, 1, 5));
  });

  it('lists scheduled and effective price changes apart, newest first', async () => {
    const scheduled = await get<{ priceChanges: Summary[] }>('/v1/price-changes?status=scheduled');
    expect(scheduled.priceChanges.map((p) => p.id)).toEqual(['pc-local-recent', 'pc-future']);
    const effective = await get<{ priceChanges: Summary[] }>('/v1/price-changes?status=effective');
    expect(effective.priceChanges.map((p) => p.id)).toEqual(['pc-offset-recent', 'pc-past']);
    const all = await get<{ priceChanges: Summary[] }>('/v1/price-changes');
    expect(all.priceChanges).toHaveLength(4);
    expect(all.priceChanges.find((p) => p.id === 'pc-future')).toMatchObject({
      status: 'scheduled',
      stores: 1,
      received: 0,
      printed: 0,
    });
    // The lines keep the amount exactly as written.
    const lines = await get<{ lines: Array<{ amount: string }> }>('/v1/price-changes/pc-future/lines');
    expect(lines.lines).toEqual([{ sku: 'SKU-1', amount: '1.2345', currency: 'EUR' }]);
  });

  it('counts stores that received and printed, per change and per store', async () => {
    // shop-1 reads its feed and polls again from where it got: it has received everything.
    const feed = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stores/shop-1/changes?after=0&limit=1000',
      headers: bearer(tokens['shop-1'] as string),
    });
    const last = Math.max(
      ...feed.json<{ changes: Array<{ cursor: number }> }>().changes.map((c) => c.cursor),
    );
    await cloud.app.inject({
      method: 'GET',
      url: `/v1/stores/shop-1/changes?after=${last}`,
      headers: bearer(tokens['shop-1'] as string),
    });
    const report = await cloud.app.inject({
      method: 'POST',
      url: '/v1/stores/shop-1/label-reports',
      headers: bearer(tokens['shop-1'] as string),
      payload: { priceChangeIds: ['pc-local-recent'], printedAt: new Date().toISOString() },
    });
    expect(report.statusCode, report.body).toBe(200);
    const all = await get<{ priceChanges: Summary[] }>('/v1/price-changes?status=scheduled');
    expect(all.priceChanges.find((p) => p.id === 'pc-local-recent')).toMatchObject({
      stores: 2,
      received: 1,
      printed: 1,
    });
    const readiness = await get<{
      priceChanges: number;
      stores: Array<{
        storeId: string;
        priceChanges: number;
        received: number;
        printed: number;
        nextUnprintedAt: string | null;
      }>;
    }>('/v1/label-readiness');
    expect(readiness.priceChanges).toBe(2);
    expect(readiness.stores).toEqual([
      {
        storeId: 'shop-1',
        name: 'shop-1',
        priceChanges: 2,
        received: 2,
        printed: 1,
        nextUnprintedAt: '2099-01-01T06:00',
      },
      {
        storeId: 'shop-2',
        name: 'Shop 2',
        priceChanges: 1,
        received: 0,
        printed: 0,
        nextUnprintedAt: readiness.stores[1]?.nextUnprintedAt ?? null,
      },
    ]);
    expect(readiness.stores[1]?.nextUnprintedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  });

  it('counts only the stores in a scoped person’s scope, and nothing of another tenant', async () => {
    const one = { tenantId: 'shop', stores: ['shop-2'] };
    const list = await listPriceChanges(cloud.pool, one, { status: 'scheduled', limit: 100 });
    expect(list.find((p) => p.id === 'pc-local-recent')).toMatchObject({
      stores: 1,
      received: 0,
      printed: 0,
    });
    expect(list.find((p) => p.id === 'pc-future')).toMatchObject({ stores: 0 });
    const ready = await labelReadiness(cloud.pool, one, list);
    expect(ready.map((s) => s.storeId)).toEqual(['shop-2']);
    const other = await listPriceChanges(
      cloud.pool,
      { tenantId: 'elsewhere', stores: null },
      { status: 'all', limit: 100 },
    );
    expect(other).toEqual([]);
  });
});
