// Cloud ingest reads a movement as the protocol does (issue 14): a time or quantity the edge
// would refuse is a 400 naming the record's field, never a 500; offsets are normalised; the
// upper-case and urn:uuid: forms of an id are the id.
import type { ReplicationRecord } from '@store-edge/protocol';
import {
  bearer,
  countMovements,
  createTenantAndStore,
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

async function freshStore(): Promise<{ storeId: string; token: string }> {
  n += 1;
  const { token } = await createTenantAndStore(cloud.app, `wire-tenant-${n}`, `wire-store-${n}`);
  return { storeId: `wire-store-${n}`, token };
}

function post(storeId: string, token: string, recs: ReplicationRecord[]) {
  return cloud.app.inject({
    method: 'POST',
    url: `/v1/stores/${storeId}/replication/batches`,
    headers: bearer(token),
    payload: { records: recs },
  });
}

describe('cloud ingest reads movements as the protocol does', () => {
  it('answers a leap second, 30 February or year 0000 with 400 naming the record, and applies nothing', async () => {
    const { storeId, token } = await freshStore();
    for (const at of ['2024-06-30T23:59:60Z', '2024-02-30T10:00:00Z', '0000-01-01T00:00:00Z']) {
      const batch = records(1, 3, (seq) => (seq === 2 ? { at } : {}));
      const r = await post(storeId, token, batch);
      expect(r.statusCode, at).toBe(400);
      expect(r.json()).toMatchObject({ code: 'validation', errors: [{ path: '/records/1/movement/at' }] });
    }
    expect((await countMovements(cloud.pool, storeId)).rows).toBe(0);
  });

  it('stores an offset or a long fraction as the UTC millisecond the edge keeps', async () => {
    const { storeId, token } = await freshStore();
    const batch = records(1, 2, (seq) => ({
      at: seq === 1 ? '2024-07-01T01:59:59.9999999+02:00' : '2024-06-30 23:00:00z',
    }));
    expect((await post(storeId, token, batch)).statusCode).toBe(200);
    const [rows] = await cloud.pool.query('SELECT seq, at FROM movements WHERE store_id = ? ORDER BY seq', [
      storeId,
    ]);
    expect((rows as Array<{ at: Date }>).map((r) => r.at.toISOString())).toEqual([
      '2024-06-30T23:59:59.999Z',
      '2024-06-30T23:00:00.000Z',
    ]);
  });

  it('takes the upper-case and urn:uuid: forms of a stored id as that id (a duplicate, not a reuse)', async () => {
    const { storeId, token } = await freshStore();
    const batch = records(1, 2);
    expect((await post(storeId, token, batch)).statusCode).toBe(200);
    const again = batch.map((r, i) => ({
      ...r,
      movement: {
        ...r.movement,
        id: i === 0 ? r.movement.id.toUpperCase() : `urn:uuid:${r.movement.id}`,
      },
    }));
    const r = await post(storeId, token, again);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ appliedSeq: 2 });
    const [rows] = await cloud.pool.query('SELECT id FROM movements WHERE store_id = ? ORDER BY seq', [
      storeId,
    ]);
    expect((rows as Array<{ id: string }>).map((x) => x.id)).toEqual(batch.map((b) => b.movement.id));
  });

  it('refuses a quantity beyond the wire bound and a location with a trailing space with 400', async () => {
    const { storeId, token } = await freshStore();
    const big = await post(
      storeId,
      token,
      records(1, 1, () => ({ qty: 2_000_000_001 })),
    );
    expect(big.statusCode).toBe(400);
    expect(JSON.stringify(big.json().errors)).toContain('/records/0/movement/qty');
    const padded = await post(
      storeId,
      token,
      records(1, 1, () => ({ location: 'dock ' })),
    );
    expect(padded.statusCode).toBe(400);
    expect(JSON.stringify(padded.json().errors)).toContain('/records/0/movement/location');
  });
});
