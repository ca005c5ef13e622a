import { gzipSync } from 'node:zlib';
import { MAX_BATCH_RECORDS, type ReplicationRecord } from '@store-edge/protocol';
import {
  admin,
  bearer,
  countMovements,
  createTenantAndStore,
  movement,
  records,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let cloud: TestCloud;
let n = 0;

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
});
afterAll(async () => {
  await cloud?.close();
});

/** A fresh store (own tenant per test keeps tests independent). */
async function freshStore(): Promise<{ storeId: string; token: string; tenantId: string }> {
  n += 1;
  const tenantId = `tenant-${n}`;
  const storeId = `store-${n}`;
  const { token } = await createTenantAndStore(cloud.app, tenantId, storeId);
  return { storeId, token, tenantId };
}

function post(storeId: string, token: string, recs: ReplicationRecord[]) {
  return cloud.app.inject({
    method: 'POST',
    url: `/v1/stores/${storeId}/replication/batches`,
    headers: bearer(token),
    payload: { records: recs },
  });
}

describe('replication ingest', () => {
  it('applies a batch once and skips the same batch delivered again', async () => {
    const { storeId, token } = await freshStore();
    const batch = records(1, 5);
    const first = await post(storeId, token, batch);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ appliedSeq: 5 });
    const again = await post(storeId, token, batch);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ appliedSeq: 5 });
    expect(await countMovements(cloud.pool, storeId)).toEqual({ rows: 5, maxSeq: 5, distinctIds: 5 });
  });

  it('refuses a batch that arrives before its predecessor with the seq it expects, then takes both in order', async () => {
    const { storeId, token } = await freshStore();
    const b1 = records(1, 3);
    const b2 = records(4, 6);
    const early = await post(storeId, token, b2);
    expect(early.statusCode).toBe(409);
    expect(early.headers['content-type']).toContain('application/problem+json');
    expect(early.json()).toMatchObject({ status: 409, code: 'sequence-gap', expectedSeq: 1 });
    expect((await post(storeId, token, b1)).json()).toEqual({ appliedSeq: 3 });
    expect((await post(storeId, token, b2)).json()).toEqual({ appliedSeq: 6 });
    // An overlapping resend (part applied, part new) applies only the new tail.
    const overlap = [...b2.slice(1), ...records(7, 8)];
    expect((await post(storeId, token, overlap)).json()).toEqual({ appliedSeq: 8 });
    expect(await countMovements(cloud.pool, storeId)).toEqual({ rows: 8, maxSeq: 8, distinctIds: 8 });
  });

  it('answers a gap in the middle of the stream with 409 expectedSeq and applies nothing', async () => {
    const { storeId, token } = await freshStore();
    await post(storeId, token, records(1, 10));
    const gap = await post(storeId, token, records(12, 15));
    expect(gap.statusCode).toBe(409);
    expect(gap.json()).toMatchObject({ code: 'sequence-gap', expectedSeq: 11 });
    expect(await countMovements(cloud.pool, storeId)).toMatchObject({ rows: 10, maxSeq: 10 });
  });

  it('tells an edge that reused sequence numbers so, and does not skip silently', async () => {
    const { storeId, token } = await freshStore();
    const original = records(1, 4);
    await post(storeId, token, original);
    // A restored edge numbers new movements from 3 again.
    const reused = [original[0] as ReplicationRecord, original[1] as ReplicationRecord, ...records(3, 6)];
    const res = await post(storeId, token, reused);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'sequence-reuse', seq: 3, appliedSeq: 4 });
    expect(res.json().detail).toMatch(/restored or replaced/);
    const rows = await countMovements(cloud.pool, storeId);
    expect(rows).toEqual({ rows: 4, maxSeq: 4, distinctIds: 4 });
  });

  it('refuses a movement id already replicated under another seq', async () => {
    const { storeId, token } = await freshStore();
    const b = records(1, 2);
    await post(storeId, token, b);
    const res = await post(storeId, token, [{ seq: 3, movement: (b[0] as ReplicationRecord).movement }]);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'movement-id-conflict', seq: 3 });
    expect(await countMovements(cloud.pool, storeId)).toMatchObject({ rows: 2, maxSeq: 2 });
  });

  it("answers 403 to another store's token and to the admin token", async () => {
    const a = await freshStore();
    const b = await freshStore();
    const cross = await post(a.storeId, b.token, records(1, 1));
    expect(cross.statusCode).toBe(403);
    expect(cross.json()).toMatchObject({ status: 403, code: 'forbidden' });
    const asAdmin = await cloud.app.inject({
      method: 'POST',
      url: `/v1/stores/${a.storeId}/replication/batches`,
      headers: admin,
      payload: { records: records(1, 1) },
    });
    expect(asAdmin.statusCode).toBe(403);
    expect(await countMovements(cloud.pool, a.storeId)).toMatchObject({ rows: 0 });
  });

  it('answers 401 to a missing, unknown or revoked token; the rotated token works', async () => {
    const { storeId, token } = await freshStore();
    const none = await cloud.app.inject({
      method: 'POST',
      url: `/v1/stores/${storeId}/replication/batches`,
      payload: { records: records(1, 1) },
    });
    expect(none.statusCode).toBe(401);
    expect((await post(storeId, 'set_not-a-real-token', records(1, 1))).statusCode).toBe(401);
    const rotated = await cloud.app.inject({
      method: 'POST',
      url: `/v1/stores/${storeId}/token/rotate`,
      headers: admin,
    });
    expect(rotated.statusCode).toBe(200);
    const newToken = rotated.json<{ token: string }>().token;
    expect(newToken).not.toBe(token);
    const old = await post(storeId, token, records(1, 1));
    expect(old.statusCode).toBe(401);
    expect(old.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    expect((await post(storeId, newToken, records(1, 1))).json()).toEqual({ appliedSeq: 1 });
  });

  it('stores only a hash of the token', async () => {
    const { storeId, token } = await freshStore();
    const [rows] = await cloud.pool.query(
      'SELECT HEX(token_hash) AS h FROM store_tokens WHERE store_id = ?',
      [storeId],
    );
    const stored = (rows as Array<{ h: string }>)[0]?.h ?? '';
    expect(stored).toHaveLength(64);
    expect(stored.toLowerCase()).not.toContain(Buffer.from(token).toString('hex').slice(0, 16));
  });

  it(`answers 413 to more than ${MAX_BATCH_RECORDS} records`, async () => {
    const { storeId, token } = await freshStore();
    const res = await post(storeId, token, records(1, MAX_BATCH_RECORDS + 1));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ status: 413, code: 'batch-too-large' });
    expect(res.json().detail).toMatch(/at most 1000/);
  });

  it('accepts a gzip-compressed batch', async () => {
    const { storeId, token } = await freshStore();
    const res = await cloud.app.inject({
      method: 'POST',
      url: `/v1/stores/${storeId}/replication/batches`,
      headers: { ...bearer(token), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ records: records(1, 50) })),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ appliedSeq: 50 });
  });

  it('answers 413 to a gzip body that inflates beyond the body limit', async () => {
    const { storeId, token } = await freshStore();
    const bomb = gzipSync(`{"records":[${' '.repeat(9 * 1024 * 1024)}]}`);
    expect(bomb.length).toBeLessThan(100_000);
    const res = await cloud.app.inject({
      method: 'POST',
      url: `/v1/stores/${storeId}/replication/batches`,
      headers: { ...bearer(token), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: bomb,
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('reports every invalid field with a JSON pointer path', async () => {
    const { storeId, token } = await freshStore();
    const res = await cloud.app.inject({
      method: 'POST',
      url: `/v1/stores/${storeId}/replication/batches`,
      headers: bearer(token),
      payload: { records: [{ seq: 1, movement: { ...movement(), id: 'not-a-uuid' } }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      type: expect.any(String),
      title: 'Bad Request',
      status: 400,
      detail: expect.any(String),
      errors: [{ path: '/records/0/movement/id', message: expect.any(String) }],
    });
    const qty = await post(storeId, token, [{ seq: 1, movement: movement({ type: 'sale', qty: 0 }) }]);
    expect(qty.statusCode).toBe(400);
    expect(qty.json().errors).toEqual([{ path: '/records/0/movement/qty', message: 'sale needs qty > 0' }]);
    const holes = await post(storeId, token, [...records(1, 1), ...records(3, 3)]);
    expect(holes.statusCode).toBe(400);
    expect(holes.json().errors[0].path).toBe('/records/1/seq');
  });

  it('keeps per-store stock from the movements, counts included, and serves it across stores', async () => {
    const a = await freshStore();
    const sku = `SKU-STOCK-${n}`;
    await post(a.storeId, a.token, [
      { seq: 1, movement: movement({ sku, type: 'receive', qty: 10 }) },
      { seq: 2, movement: movement({ sku, type: 'sale', qty: 3 }) },
      { seq: 3, movement: movement({ sku, type: 'reserve', qty: 2 }) },
      { seq: 4, movement: movement({ sku, type: 'count', qty: 20 }) },
      { seq: 5, movement: movement({ sku, type: 'sale', qty: 1 }) },
      { seq: 6, movement: movement({ sku, type: 'ship', qty: 1 }) },
      { seq: 7, movement: movement({ sku, type: 'adjust', qty: -2, reason: 'broken' }) },
    ]);
    await post(a.storeId, a.token, [
      { seq: 8, movement: movement({ sku, type: 'receive', qty: 5, location: 'backroom' }) },
    ]);
    const res = await cloud.app.inject({ method: 'GET', url: `/v1/stock?sku=${sku}`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json().stores).toEqual([
      {
        tenantId: a.tenantId,
        storeId: a.storeId,
        sku,
        location: 'backroom',
        onHand: 5,
        reserved: 0,
        available: 5,
      },
      {
        tenantId: a.tenantId,
        storeId: a.storeId,
        sku,
        location: 'store',
        onHand: 16,
        reserved: 1,
        available: 15,
      },
    ]);
    const asStore = await cloud.app.inject({
      method: 'GET',
      url: `/v1/stock?sku=${sku}`,
      headers: bearer(a.token),
    });
    expect(asStore.statusCode).toBe(403);
  });

  it('pages movements back to the store (and to admin) in seq order, as they were sent', async () => {
    const { storeId, token } = await freshStore();
    const sent = records(1, 7, (seq) => ({ ref: `r${seq}`, actor: 'alice', source: 'scanner-1' }));
    await post(storeId, token, sent);
    const page1 = await cloud.app.inject({
      method: 'GET',
      url: `/v1/stores/${storeId}/movements?afterSeq=0&limit=4`,
      headers: bearer(token),
    });
    expect(page1.statusCode).toBe(200);
    expect(page1.json()).toMatchObject({ nextAfterSeq: 4, appliedSeq: 7 });
    const page2 = await cloud.app.inject({
      method: 'GET',
      url: `/v1/stores/${storeId}/movements?afterSeq=4&limit=4`,
      headers: admin,
    });
    const all = [...page1.json().movements, ...page2.json().movements];
    expect(all).toEqual(sent);
    const other = await freshStore();
    const cross = await cloud.app.inject({
      method: 'GET',
      url: `/v1/stores/${storeId}/movements`,
      headers: bearer(other.token),
    });
    expect(cross.statusCode).toBe(403);
  });

  it('applies each movement exactly once when overlapping batches race on one store', async () => {
    const { storeId, token } = await freshStore();
    const all = records(1, 200);
    // 40 deliveries of overlapping windows, all at once, in shuffled order; the edge resends
    // from the acknowledged mark until everything is applied.
    const windows: ReplicationRecord[][] = [];
    for (let i = 0; i < 40; i++) {
      const start = (i * 5) % 200;
      windows.push(all.slice(start, Math.min(200, start + 25)));
    }
    const outcomes = await Promise.all(windows.map((w) => post(storeId, token, w)));
    for (const o of outcomes) expect([200, 409]).toContain(o.statusCode);
    for (const o of outcomes.filter((x) => x.statusCode === 409)) expect(o.json().code).toBe('sequence-gap');
    let mark = 0;
    while (mark < 200) {
      const res = await post(storeId, token, all.slice(mark, mark + 50));
      mark = res.json<{ appliedSeq: number }>().appliedSeq;
    }
    expect(await countMovements(cloud.pool, storeId)).toEqual({ rows: 200, maxSeq: 200, distinctIds: 200 });
  });
});
