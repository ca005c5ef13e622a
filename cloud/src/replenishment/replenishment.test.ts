import type { Movement } from '@store-edge/protocol';
import {
  admin,
  bearer,
  createTenantAndStore,
  records,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withTransaction } from '../db.js';
import { insertDelivery } from '../deliveries/store.js';
import { getRun } from './approve.js';
import { acquireRunLease } from './lease.js';
import { runReplenishment } from './run.js';

const T = 't-rep';
let cloud: TestCloud;
const tokens: Record<string, string> = {};

/** Replicates movements for a store through the real batch route (sets its last replicated time). */
async function replicate(storeId: string, moves: Array<Partial<Movement>>, from = 1): Promise<void> {
  const res = await cloud.app.inject({
    method: 'POST',
    url: `/v1/stores/${storeId}/replication/batches`,
    headers: bearer(tokens[storeId] as string),
    payload: { records: records(from, from + moves.length - 1, (seq) => moves[seq - from] ?? {}) },
  });
  expect(res.statusCode).toBe(200);
}

const putRules = (storeId: string, rules: unknown[]) =>
  cloud.app.inject({
    method: 'PUT',
    url: `/v1/stores/${storeId}/reorder-rules`,
    headers: admin,
    payload: { rules },
  });

const run = (body: Record<string, unknown> = { tenantId: T }) =>
  cloud.app.inject({ method: 'POST', url: '/v1/replenishment/runs', headers: admin, payload: body });

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  for (const s of ['rep-a', 'rep-b', 'rep-c', 'rep-d'])
    tokens[s] = (await createTenantAndStore(cloud.app, T, s)).token;

  // rep-a: SKU-LOW 4 on hand in two locations, SKU-RES 12 with 5 reserved, SKU-ORD 2 with 5 on
  // order, SKU-TR nothing with 10 in transit, SKU-NEG sold below zero, SKU-OK plenty.
  await replicate('rep-a', [
    { type: 'receive', sku: 'SKU-LOW', location: 'backroom', qty: 3 },
    { type: 'receive', sku: 'SKU-LOW', location: 'salesfloor', qty: 1 },
    { type: 'receive', sku: 'SKU-RES', qty: 12 },
    { type: 'reserve', sku: 'SKU-RES', qty: 5, ref: 'order-1' },
    { type: 'receive', sku: 'SKU-ORD', qty: 2 },
    { type: 'sale', sku: 'SKU-NEG', qty: 7 },
    { type: 'receive', sku: 'SKU-OK', qty: 50 },
  ]);
  await replicate('rep-b', [{ type: 'receive', sku: 'SKU-LOW', qty: 1 }]);
  await replicate('rep-d', [{ type: 'receive', sku: 'SKU-LOW', qty: 1 }]);
  // rep-d's link went down three hours ago: its last applied batch is that old.
  await cloud.pool.query(
    'UPDATE stores SET last_replicated_at = last_replicated_at - INTERVAL 3 HOUR WHERE id = ?',
    ['rep-d'],
  );
  await withTransaction(cloud.pool, async (conn) => {
    await insertDelivery(conn, T, {
      id: 'PO-OPEN',
      storeId: 'rep-a',
      kind: 'purchase',
      lines: [{ sku: 'SKU-ORD', qty: 5 }],
    });
    await insertDelivery(conn, T, {
      id: 'TR-IN',
      storeId: 'rep-a',
      kind: 'transfer',
      fromStoreId: 'rep-b',
      lines: [{ sku: 'SKU-TR', qty: 10 }],
    });
    // Closed: received already, no longer on order.
    await insertDelivery(conn, T, {
      id: 'PO-CLOSED',
      storeId: 'rep-a',
      kind: 'purchase',
      lines: [{ sku: 'SKU-OK', qty: 100 }],
    });
  });
  await cloud.pool.query("UPDATE deliveries SET status = 'closed' WHERE id = 'PO-CLOSED'");

  const rule = { min: 10, max: 40 };
  const a = await putRules('rep-a', [
    { sku: 'SKU-LOW', ...rule, multiple: 12, leadDays: 2 },
    { sku: 'SKU-RES', ...rule },
    { sku: 'SKU-ORD', ...rule },
    { sku: 'SKU-TR', ...rule },
    { sku: 'SKU-NEG', ...rule, leadDays: 5 },
    { sku: 'SKU-OK', ...rule },
  ]);
  expect(a.statusCode).toBe(200);
  for (const s of ['rep-b', 'rep-c', 'rep-d'])
    expect((await putRules(s, [{ sku: 'SKU-LOW', ...rule }])).statusCode).toBe(200);
});
afterAll(() => cloud.close());

describe('reorder rules', () => {
  it('refuses a bad rule with problem+json naming the field, and writes nothing', async () => {
    const bad = await putRules('rep-b', [
      { sku: 'X1', min: 5, max: 10 },
      { sku: 'X2', min: 11, max: 10 },
      { sku: 'X1', min: 1, max: 2 },
    ]);
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.json().errors).toEqual([
      { path: '/rules/1/min', message: 'must be ≤ max (10)' },
      { path: '/rules/2/sku', message: 'repeats the sku of /rules/0' },
    ]);
    const zero = await putRules('rep-b', [{ sku: 'X3', min: 1, max: 2, multiple: 0 }]);
    expect(zero.statusCode).toBe(400);
    expect(zero.json().errors[0].path).toBe('/rules/0/multiple');
    const frac = await putRules('rep-b', [{ sku: 'X3', min: 1.5, max: 2 }]);
    expect(frac.json().errors[0].path).toBe('/rules/0/min');
    const rules = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stores/rep-b/reorder-rules',
      headers: admin,
    });
    expect(rules.json().rules.map((r: { sku: string }) => r.sku)).toEqual(['SKU-LOW']);
  });

  it('replaces only the listed skus and reads them back a page at a time', async () => {
    await putRules('rep-c', [
      { sku: 'P1', min: 1, max: 2 },
      { sku: 'P2', min: 1, max: 3 },
    ]);
    await putRules('rep-c', [{ sku: 'P1', min: 4, max: 8, multiple: 2, leadDays: 3 }]);
    const first = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stores/rep-c/reorder-rules?limit=2',
      headers: admin,
    });
    expect(first.json()).toEqual({
      storeId: 'rep-c',
      rules: [
        { sku: 'P1', min: 4, max: 8, multiple: 2, leadDays: 3 },
        { sku: 'P2', min: 1, max: 3, multiple: 1, leadDays: null },
      ],
      nextAfterSku: 'P2',
    });
    const next = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stores/rep-c/reorder-rules?limit=2&afterSku=P2',
      headers: admin,
    });
    expect(next.json().rules.map((r: { sku: string }) => r.sku)).toEqual(['SKU-LOW']);
    expect(next.json().nextAfterSku).toBeNull();
    const missing = await putRules('nope', [{ sku: 'P1', min: 1, max: 2 }]);
    expect(missing.statusCode).toBe(404);
  });
});

describe('replenishment runs', () => {
  let firstRunId = '';

  it('proposes from on hand, reserved, on order and in transit, and holds back stale and never-replicated stores', async () => {
    const res = await run();
    expect(res.statusCode).toBe(201);
    const body = res.json();
    firstRunId = body.id;
    expect(body.status).toBe('done');
    expect(body.proposals).toEqual([
      // 4 on hand over two locations: 36 to reach 40, a multiple of 12.
      { storeId: 'rep-a', sku: 'SKU-LOW', qty: 36, onHand: 4, reserved: 0, onOrder: 0, inTransit: 0 },
      // −7 counts as 0.
      { storeId: 'rep-a', sku: 'SKU-NEG', qty: 40, onHand: -7, reserved: 0, onOrder: 0, inTransit: 0 },
      // 2 + 5 on order = 7.
      { storeId: 'rep-a', sku: 'SKU-ORD', qty: 33, onHand: 2, reserved: 0, onOrder: 5, inTransit: 0 },
      // 12 − 5 reserved = 7.
      { storeId: 'rep-a', sku: 'SKU-RES', qty: 33, onHand: 12, reserved: 5, onOrder: 0, inTransit: 0 },
      // SKU-TR: 10 in transit = min: nothing. SKU-OK: 50 on hand, the closed delivery does not count.
      { storeId: 'rep-b', sku: 'SKU-LOW', qty: 39, onHand: 1, reserved: 0, onOrder: 0, inTransit: 0 },
    ]);
    expect(body.heldBack).toEqual([
      { storeId: 'rep-c', reason: 'never replicated' },
      {
        storeId: 'rep-d',
        reason: expect.stringMatching(/^last replicated 3 h ago \(.+\); the limit is 2 h$/),
      },
    ]);
  });

  it('repeated over unchanged data gives the same proposals and the same stores held back', async () => {
    const again = await run();
    expect(again.statusCode).toBe(201);
    const first = await cloud.app.inject({
      method: 'GET',
      url: `/v1/replenishment/runs/${firstRunId}`,
      headers: admin,
    });
    expect(again.json().id).not.toBe(firstRunId);
    expect(again.json().proposals).toEqual(first.json().proposals);
    expect(again.json().heldBack.map((h: { storeId: string }) => h.storeId)).toEqual(['rep-c', 'rep-d']);
  });

  it('lists the runs newest first, without their proposals', async () => {
    const list = await cloud.app.inject({
      method: 'GET',
      url: `/v1/replenishment/runs?tenantId=${T}&limit=2`,
      headers: admin,
    });
    expect(list.statusCode).toBe(200);
    const runs = list.json().runs;
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({
      id: firstRunId,
      tenantId: T,
      status: 'done',
      storesTotal: 4,
      storesDone: 4,
      proposals: 5,
    });
    expect(runs[0].startedAt >= runs[1].startedAt).toBe(true);
  });

  it('a store named by id is run alone; an unknown one answers 404', async () => {
    const one = await run({ storeIds: ['rep-b'] });
    expect(one.statusCode).toBe(201);
    expect(one.json().proposals.map((p: { storeId: string }) => p.storeId)).toEqual(['rep-b']);
    const noTenant = await cloud.app.inject({
      method: 'POST',
      url: '/v1/replenishment/runs',
      headers: admin,
    });
    expect(noTenant.statusCode).toBe(400);
    expect(noTenant.json().errors).toEqual([
      { path: '/tenantId', message: 'required with the admin token unless storeIds names the stores' },
    ]);
    const unknown = await run({ storeIds: ['rep-b', 'rep-zz'] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().detail).toMatch(/rep-zz/);
  });

  it('approving twice makes one purchase delivery per store, each once in its change feed', async () => {
    const approve = () =>
      cloud.app.inject({
        method: 'POST',
        url: `/v1/replenishment/runs/${firstRunId}/approve`,
        headers: admin,
        payload: {},
      });
    const first = await approve();
    expect(first.statusCode).toBe(200);
    expect(first.json().deliveries).toEqual([
      { storeId: 'rep-a', id: `R-${firstRunId}-rep-a`, status: 'created', lines: 4 },
      { storeId: 'rep-b', id: `R-${firstRunId}-rep-b`, status: 'created', lines: 1 },
    ]);
    // The second time without a body at all (every member is optional).
    const second = await cloud.app.inject({
      method: 'POST',
      url: `/v1/replenishment/runs/${firstRunId}/approve`,
      headers: admin,
    });
    expect(second.json().deliveries.map((d: { status: string }) => d.status)).toEqual(['existed', 'existed']);

    const [rows] = await cloud.pool.query(
      'SELECT store_id, COUNT(*) AS n FROM deliveries WHERE run_id = ? GROUP BY store_id ORDER BY store_id',
      [firstRunId],
    );
    expect(rows).toEqual([
      { store_id: 'rep-a', n: 1 },
      { store_id: 'rep-b', n: 1 },
    ]);
    const feed = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stores/rep-a/changes?after=0',
      headers: bearer(tokens['rep-a'] as string),
    });
    const ours = feed
      .json()
      .changes.filter(
        (c: { kind: string; data: { id: string } }) =>
          c.kind === 'delivery' && c.data.id === `R-${firstRunId}-rep-a`,
      );
    expect(ours).toHaveLength(1);
    expect(ours[0].data).toMatchObject({
      kind: 'purchase',
      lines: [
        { sku: 'SKU-LOW', qty: 36 },
        { sku: 'SKU-NEG', qty: 40 },
        { sku: 'SKU-ORD', qty: 33 },
        { sku: 'SKU-RES', qty: 33 },
      ],
    });
  });

  it('approved orders are on order for the next run: nothing is proposed twice', async () => {
    const next = await run();
    expect(next.json().proposals).toEqual([]);
  });

  it('refuses to approve storeIds without proposals, naming them', async () => {
    const res = await cloud.app.inject({
      method: 'POST',
      url: `/v1/replenishment/runs/${firstRunId}/approve`,
      headers: admin,
      payload: { storeIds: ['rep-d'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { path: '/storeIds/0', message: "store 'rep-d' has no proposals in this run" },
    ]);
  });

  it('announces a finished run as replenishment.proposed through the webhook outbox', async () => {
    const hook = await cloud.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: admin,
      payload: {
        url: 'http://127.0.0.1:9/hook',
        secret: 'secret-0123456789',
        events: ['replenishment.proposed'],
      },
    });
    expect(hook.statusCode).toBe(201);
    const res = await run();
    const [rows] = await cloud.pool.query(
      "SELECT payload FROM webhook_deliveries WHERE event = 'replenishment.proposed'",
    );
    const payloads = (rows as Array<{ payload: string }>).map((r) => JSON.parse(r.payload));
    expect(payloads).toHaveLength(1);
    expect(payloads[0]).toMatchObject({
      type: 'replenishment.proposed',
      tenantId: T,
      data: {
        runId: res.json().id,
        stores: 4,
        proposals: 0,
        heldBack: [{ storeId: 'rep-c' }, { storeId: 'rep-d' }],
      },
    });
  });
});

describe('one run at a time per tenant (the lease)', () => {
  it('answers 409 run-in-progress naming the running run, and takes over a lease that ran out', async () => {
    const now = new Date();
    const held = await acquireRunLease(
      cloud.pool,
      { tenantId: T, runId: '00000000-0000-4000-8000-000000000001', storesTotal: 4, requestedStores: null },
      now,
    );
    expect(held.ok).toBe(true);
    const refused = await run();
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'run-in-progress',
      runId: '00000000-0000-4000-8000-000000000001',
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // Its holder died: once the lease ran out (the clock moved past it) the next run takes over.
    const later = new Date(now.getTime() + 61_000);
    const taken = await runReplenishment(cloud.pool, {
      tenantId: T,
      scope: { tenantId: null, stores: null },
      now: () => later,
      maxLagMinutes: 24 * 60,
    });
    expect(taken.storesTotal).toBe(4);
    const dead = await cloud.app.inject({
      method: 'GET',
      url: '/v1/replenishment/runs/00000000-0000-4000-8000-000000000001',
      headers: admin,
    });
    expect(dead.json().status).toBe('failed');
    const approve = await cloud.app.inject({
      method: 'POST',
      url: '/v1/replenishment/runs/00000000-0000-4000-8000-000000000001/approve',
      headers: admin,
      payload: {},
    });
    expect(approve.statusCode).toBe(409);
    expect(approve.json().code).toBe('run-not-done');
  });

  it('a run that stalled past its lease and was taken over ends failed, never done', async () => {
    const t0 = new Date();
    let stalled = '';
    const slow = runReplenishment(cloud.pool, {
      tenantId: T,
      storeIds: ['rep-b'],
      scope: { tenantId: null, stores: null },
      now: () => t0,
      maxLagMinutes: 120,
      onProgress: async (p) => {
        if (p.storesDone < p.storesTotal) return;
        // Its work is written; before it finishes, another replica finds its lease run out.
        const [rows] = await cloud.pool.query("SELECT id FROM replenishment_runs WHERE status = 'running'");
        stalled = (rows as Array<{ id: string }>)[0]?.id ?? '';
        const other = await acquireRunLease(
          cloud.pool,
          {
            tenantId: T,
            runId: '00000000-0000-4000-8000-000000000002',
            storesTotal: 1,
            requestedStores: null,
          },
          new Date(t0.getTime() + 61_000),
        );
        expect(other.ok).toBe(true);
      },
    });
    await expect(slow).rejects.toThrow(/lost its lease/);
    const run = await cloud.app.inject({
      method: 'GET',
      url: `/v1/replenishment/runs/${stalled}`,
      headers: admin,
    });
    expect(run.json().status).toBe('failed');
    // The taker's lease is released as its holder would on finishing.
    await cloud.pool.query(
      'UPDATE replenishment_lease SET run_id = NULL, lease_until = NULL WHERE tenant_id = ?',
      [T],
    );
  });

  it('reads lag from the injected clock: three hours on, every store is held back', async () => {
    const summary = await runReplenishment(cloud.pool, {
      tenantId: T,
      scope: { tenantId: null, stores: null },
      now: () => new Date(Date.now() + 3 * 3_600_000),
      maxLagMinutes: 120,
    });
    expect(summary.proposals).toBe(0);
    expect(summary.heldBack.map((h) => h.storeId)).toEqual(['rep-a', 'rep-b', 'rep-c', 'rep-d']);
  });
});

describe('scope: a buyer sees and runs only their tenant and stores', () => {
  it("runs only the stores of the scope, and answers another tenant's run as missing", async () => {
    const mine = await runReplenishment(cloud.pool, {
      tenantId: T,
      scope: { tenantId: T, stores: ['rep-b'] },
      now: () => new Date(),
      maxLagMinutes: 120,
    });
    expect(mine.storesTotal).toBe(1);
    const read = await getRun(cloud.pool, { tenantId: T, stores: ['rep-b'] }, mine.id);
    expect(read.heldBack).toEqual([]);
    await expect(
      getRun(cloud.pool, { tenantId: 'someone-else', stores: null }, mine.id),
    ).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      runReplenishment(cloud.pool, {
        tenantId: T,
        storeIds: ['rep-a'],
        scope: { tenantId: T, stores: ['rep-b'] },
        now: () => new Date(),
        maxLagMinutes: 120,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
