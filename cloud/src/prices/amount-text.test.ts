// An amount sent as a decimal string reaches the stores as that text (CONTRACT.md: "`amount` is a
// JSON number or a decimal string, kept exact"): "5.00" stays "5.00", it is not read as the
// number 5 on the way in.
import { admin, createTenantAndStore, startTestCloud, type TestCloud } from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let cloud: TestCloud;
let token = '';

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  token = (await createTenantAndStore(cloud.app, 'deli', 'deli-1')).token;
});
afterAll(async () => {
  await cloud?.close();
});

async function feed(): Promise<Array<{ kind: string; data: Record<string, unknown> }>> {
  const r = await cloud.app.inject({
    method: 'GET',
    url: '/v1/stores/deli-1/changes?after=0',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json<{ changes: Array<{ kind: string; data: Record<string, unknown> }> }>().changes;
}

describe('amounts as decimal strings', () => {
  it('a price change, a promotion and an item keep "5.00" as written; a JSON number keeps its own text', async () => {
    const change = await cloud.app.inject({
      method: 'POST',
      url: '/v1/price-changes',
      headers: admin,
      payload: {
        id: 'pc-five',
        tenantId: 'deli',
        effectiveAt: '2027-01-04T06:00:00+01:00',
        changes: [
          { sku: 'SKU-1', amount: '5.00', currency: 'EUR' },
          { sku: 'SKU-2', amount: 2.5, currency: 'EUR' },
        ],
      },
    });
    expect(change.statusCode, change.body).toBe(201);
    const promo = await cloud.app.inject({
      method: 'PUT',
      url: '/v1/promotions/three-for-five',
      headers: admin,
      payload: {
        tenantId: 'deli',
        name: '3 for 5',
        startsAt: '2027-01-04T06:00:00+01:00',
        endsAt: '2027-01-11T06:00:00+01:00',
        skus: ['SKU-1'],
        rule: { kind: 'multi-buy', qty: 3, amount: '5.00' },
      },
    });
    expect([200, 201]).toContain(promo.statusCode);
    const item = await cloud.app.inject({
      method: 'PUT',
      url: '/v1/items/SKU-1',
      headers: admin,
      payload: { tenantId: 'deli', name: 'Sourdough', gtins: [], price: { amount: '5.00', currency: 'EUR' } },
    });
    expect(item.statusCode, item.body).toBeLessThan(300);

    const changes = await feed();
    const lines = changes
      .filter((c) => c.kind === 'price-change')
      .flatMap((c) => c.data.lines as Array<{ sku: string; amount: unknown }>);
    expect(lines.map((l) => [l.sku, l.amount])).toEqual([
      ['SKU-1', '5.00'],
      ['SKU-2', '2.5'],
    ]);
    const rule = changes.find((c) => c.kind === 'promotion')?.data.rule as { amount: unknown };
    expect(rule.amount).toBe('5.00');
    const price = changes.find((c) => c.kind === 'price')?.data as { price: { amount: unknown } };
    expect(price.price.amount).toBe('5.00');
  });
});
