// The price in force at the store for sales, lookups and PUT /items (issue 19).
import { afterEach, describe, expect, it } from 'vitest';
import { pricesFeature } from '../src/prices/index.js';
import { ITEM, type Json, mv, startTestAgent, type TestAgent } from './helpers.js';

let t: TestAgent | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

/** A promotion as the change feed brings it, through the feed's own appliers. */
function promotionArrives(agent: TestAgent, data: Record<string, unknown>): void {
  const parts = agent.agent.parts!;
  const change = { cursor: 1, kind: 'promotion', data } as never;
  parts.db.transaction(() => parts.feedHandlers.apply(change))();
  parts.feedHandlers.notify([change]);
}

async function until<T>(what: string, get: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + 20_000;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('prices at the store', () => {
  it('a sale under a multi-buy records the regular unit price, the promotion and the bundle price', async () => {
    t = await startTestAgent({ features: [pricesFeature] });
    expect(
      (
        await t.api('/api/v1/items/SKU-1', {
          method: 'PUT',
          body: { ...ITEM, price: { amount: '2.00', currency: 'EUR' } },
        })
      ).status,
    ).toBe(200);
    const now = Date.now();
    promotionArrives(t, {
      id: 'three-for-five',
      name: '3 for 5',
      startsAt: new Date(now - 86_400_000).toISOString(),
      endsAt: new Date(now + 86_400_000).toISOString(),
      skus: ['SKU-1'],
      rule: { kind: 'multi-buy', qty: 3, amount: '5' },
    });
    const item = await t.api('/api/v1/items/SKU-1');
    expect(item.body.price).toEqual({ amount: '2.00', currency: 'EUR' });
    expect(item.body.promotion).toMatchObject({
      id: 'three-for-five',
      rule: { kind: 'multi-buy', qty: 3, amount: '5' },
    });
    expect(item.body.lowestPrice30d).toEqual({ amount: '2.00', currency: 'EUR' });
    await t.api('/api/v1/movements', {
      body: { movements: [mv('receive', { qty: 10 }), mv('sale', { qty: 4 })] },
    });
    const sales = await until('the sale price', async () => {
      const r = await t!.api('/api/v1/sale-prices');
      return r.body.sales.length > 0 ? (r.body.sales as Json[]) : undefined;
    });
    expect(sales).toHaveLength(1);
    expect(sales[0]).toMatchObject({
      sku: 'SKU-1',
      qty: 4,
      price: { amount: '2.00', currency: 'EUR' },
      regularAmount: '2.00',
      lineAmount: '7.00',
      promotionId: 'three-for-five',
    });
  });

  it('PUT /items keeps the net content; ?at= that is no date-time is a problem naming the field', async () => {
    t = await startTestAgent({ features: [pricesFeature] });
    const put = await t.api('/api/v1/items/SKU-2', {
      method: 'PUT',
      body: { ...ITEM, gtins: [], packs: [], netContent: { amount: 0.5, unit: 'kg' } },
    });
    expect(put.status).toBe(200);
    expect((await t.api('/api/v1/items/SKU-2')).body.netContent).toEqual({ amount: '0.5', unit: 'kg' });
    const zero = await t.api('/api/v1/items/SKU-2', {
      method: 'PUT',
      body: { ...ITEM, gtins: [], packs: [], netContent: { amount: 0, unit: 'kg' } },
    });
    expect(zero.status).toBe(400);
    expect(zero.body.errors[0].path).toBe('/netContent/amount');
    const bad = await t.api('/api/v1/items/SKU-2?at=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(bad.body.errors)).toContain('at');
    // A price set at once is in force from then on.
    await t.api('/api/v1/items/SKU-2', {
      method: 'PUT',
      body: { ...ITEM, gtins: [], packs: [], price: { amount: '1.10', currency: 'EUR' } },
    });
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await t.api(`/api/v1/items/SKU-2?at=${encodeURIComponent(later)}`)).body.price.amount).toBe(
      '1.10',
    );
  });
});
