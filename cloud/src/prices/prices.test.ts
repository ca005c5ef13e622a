// POST /v1/price-changes, PUT /v1/promotions/{id}, GET /v1/price-changes/{id} on MariaDB.
import {
  admin,
  bearer,
  createTenantAndStore,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let cloud: TestCloud;
let tokens: Record<string, string> = {};

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  tokens = {
    s1: (await createTenantAndStore(cloud.app, 't1', 's1')).token,
    s2: (await createTenantAndStore(cloud.app, 't1', 's2')).token,
  };
}, 60_000);
afterAll(async () => cloud?.close());

const call = (method: 'POST' | 'PUT' | 'GET', url: string, payload?: object, headers = admin) =>
  cloud.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });

async function feed(store: 's1' | 's2', after = 0) {
  const r = await call(
    'GET',
    `/v1/stores/${store}/changes?after=${after}`,
    undefined,
    bearer(tokens[store] as string),
  );
  expect(r.statusCode).toBe(200);
  return r.json<{ changes: Array<{ kind: string; data: Record<string, unknown> }>; cursor: number }>();
}

describe('POST /v1/price-changes', () => {
  it('refuses bad input with problem+json naming each field', async () => {
    const r = await call('POST', '/v1/price-changes', {
      id: 'bad-1',
      tenantId: 't1',
      effectiveAt: '2027-02-30T06:00',
      changes: [
        { sku: 'A', amount: 0.1 + 0.2, currency: 'EUR' },
        { sku: 'A', amount: '1.00', currency: 'EUR' },
      ],
    });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json().errors.map((e: { path: string }) => e.path)).toEqual([
      '/effectiveAt',
      '/changes/0/amount',
      '/changes/1/sku',
    ]);
    const s = await call('POST', '/v1/price-changes', {
      id: 'bad-2',
      tenantId: 't1',
      effectiveAt: '2027-03-01T06:00',
      storeIds: ['s1', 'nope'],
      changes: [{ sku: 'A', amount: '1', currency: 'EUR' }],
    });
    expect(s.statusCode).toBe(400);
    expect(s.json().errors).toEqual([{ path: '/storeIds/1', message: "no store 'nope' in tenant 't1'" }]);
    const t = await call('POST', '/v1/price-changes', {
      id: 'bad-3',
      tenantId: 'no-such-tenant',
      effectiveAt: '2027-03-01T06:00',
      changes: [{ sku: 'A', amount: '1', currency: 'EUR' }],
    });
    expect(t.statusCode).toBe(404);
  });

  it('a store token may not post price changes', async () => {
    const r = await call(
      'POST',
      '/v1/price-changes',
      {
        id: 'x',
        tenantId: 't1',
        effectiveAt: '2027-03-01T06:00',
        changes: [{ sku: 'A', amount: '1', currency: 'EUR' }],
      },
      bearer(tokens.s1 as string),
    );
    expect(r.statusCode).toBe(403);
  });

  it('goes to the listed stores only; a retry is the same change, other content under its id is 409', async () => {
    const body = {
      id: 'pc-s2',
      tenantId: 't1',
      effectiveAt: '2027-04-01T06:00:00+02:00',
      storeIds: ['s2'],
      changes: Array.from({ length: 250 }, (_, i) => ({ sku: `SKU-${i}`, amount: 1.5, currency: 'EUR' })),
    };
    const before1 = (await feed('s1')).cursor;
    const r = await call('POST', '/v1/price-changes', body);
    expect(r.statusCode).toBe(201);
    expect(r.json()).toEqual({ id: 'pc-s2', stores: 1, lines: 250 });
    expect((await call('POST', '/v1/price-changes', body)).statusCode).toBe(200);
    const changed = await call('POST', '/v1/price-changes', {
      ...body,
      effectiveAt: '2027-04-02T06:00:00+02:00',
    });
    expect(changed.statusCode).toBe(409);
    // s2 gets the change in entries of 100 skus with amounts as exact decimal strings.
    const entries = (await feed('s2')).changes.filter(
      (c) => c.kind === 'price-change' && c.data.id === 'pc-s2',
    );
    expect(entries.map((e) => (e.data.lines as unknown[]).length)).toEqual([100, 100, 50]);
    const first = entries[0]?.data.lines as Array<{ amount: string }> | undefined;
    expect(first?.[0]?.amount).toBe('1.5');
    expect((await feed('s1', before1)).changes.filter((c) => c.kind === 'price-change')).toEqual([]);
  });

  it('shows per store when it was received (the store polled past it) and labels printed', async () => {
    const r = await call('POST', '/v1/price-changes', {
      id: 'pc-all',
      tenantId: 't1',
      effectiveAt: '2027-05-01T06:00',
      changes: [{ sku: 'A', amount: '2.49', currency: 'EUR' }],
    });
    expect(r.json()).toEqual({ id: 'pc-all', stores: 2, lines: 1 });
    const status = async () =>
      (await call('GET', '/v1/price-changes/pc-all')).json<{
        stores: Array<{ storeId: string; receivedAt: string | null; labelsPrintedAt: string | null }>;
      }>().stores;
    expect((await status()).map((s) => [s.storeId, s.receivedAt])).toEqual([
      ['s1', null],
      ['s2', null],
    ]);
    // s1 reads the page, then polls on from its new cursor: it has applied it.
    const page = await feed('s1');
    expect(page.changes.some((c) => c.data.id === 'pc-all')).toBe(true);
    expect((await status()).find((s) => s.storeId === 's1')?.receivedAt).toBeNull();
    await feed('s1', page.cursor);
    const after = await status();
    expect(after.find((s) => s.storeId === 's1')?.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(after.find((s) => s.storeId === 's2')?.receivedAt).toBeNull();
    expect(after.every((s) => s.labelsPrintedAt === null)).toBe(true);
    expect((await call('GET', '/v1/price-changes/nope')).statusCode).toBe(404);
  });
});

describe('PUT /v1/promotions/{id}', () => {
  const promo = {
    tenantId: 't1',
    name: 'Spring',
    startsAt: '2027-05-01T00:00',
    endsAt: '2027-05-15T00:00',
    skus: ['A', 'B'],
    rule: { kind: 'multi-buy', qty: 3, amount: 5 },
  };

  it('refuses an end before the start and a bad rule, naming the field', async () => {
    const r = await call('PUT', '/v1/promotions/p-bad', { ...promo, endsAt: '2027-04-01T00:00' });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors).toEqual([{ path: '/endsAt', message: 'must be after startsAt' }]);
    const k = await call('PUT', '/v1/promotions/p-bad', { ...promo, rule: { kind: 'percent', value: 120 } });
    expect(k.statusCode).toBe(400);
    expect(JSON.stringify(k.json().errors)).toContain('/rule');
  });

  it('reaches the stores with exact amounts; narrowing its stores withdraws it from the others', async () => {
    const c0 = (await feed('s1')).cursor;
    const r = await call('PUT', '/v1/promotions/p-spring', promo);
    expect(r.json()).toEqual({ id: 'p-spring', changed: true });
    expect((await call('PUT', '/v1/promotions/p-spring', promo)).json()).toEqual({
      id: 'p-spring',
      changed: false,
    });
    const got = (await feed('s1', c0)).changes.filter((c) => c.kind === 'promotion');
    expect(got.map((c) => c.data)).toEqual([
      {
        id: 'p-spring',
        name: 'Spring',
        startsAt: promo.startsAt,
        endsAt: promo.endsAt,
        skus: ['A', 'B'],
        rule: { kind: 'multi-buy', qty: 3, amount: '5' },
      },
    ]);
    const c1 = (await feed('s1')).cursor;
    await call('PUT', '/v1/promotions/p-spring', { ...promo, storeIds: ['s2'] });
    const s1 = (await feed('s1', c1)).changes.filter((c) => c.kind === 'promotion');
    expect(s1.map((c) => c.data.skus)).toEqual([[]]);
    const s2 = (await feed('s2', c1)).changes.filter((c) => c.kind === 'promotion');
    expect(s2.map((c) => c.data.skus).at(-1)).toEqual(['A', 'B']);
  });
});

describe('PUT /v1/items netContent', () => {
  it('carries the net content to the stores in the item change', async () => {
    const c0 = (await feed('s1')).cursor;
    const r = await call('PUT', '/v1/items/CHEESE', {
      tenantId: 't1',
      name: 'Cheese',
      gtins: [],
      price: { amount: '3.49', currency: 'EUR' },
      netContent: { amount: '200', unit: 'g' },
    });
    expect(r.statusCode).toBe(200);
    const item = (await feed('s1', c0)).changes.find((c) => c.kind === 'item');
    expect(item?.data.netContent).toEqual({ amount: '200', unit: 'g' });
    const bad = await call('PUT', '/v1/items/CHEESE', {
      tenantId: 't1',
      name: 'Cheese',
      gtins: [],
      price: { amount: '3.49', currency: 'EUR' },
      netContent: { amount: '200', unit: 'lb' },
    });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().errors)).toContain('/netContent/unit');
  });
});
