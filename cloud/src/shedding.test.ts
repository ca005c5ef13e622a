// Load shedding on the replication route, with a real cloud process: beyond
// STORE_EDGE_INGEST_MAX_IN_FLIGHT batches at once and a full wait line (here none:
// STORE_EDGE_INGEST_MAX_WAITING=0), a store is told 503 + Retry-After at once (and backs off)
// instead of queueing past its timeout.
import {
  type CloudProcess,
  createTestDatabase,
  startCloudProcess,
  type TestDatabase,
} from '@store-edge/testing';
import { ADMIN_TOKEN, holdBatch, records } from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let db: TestDatabase;
let cloud: CloudProcess;
const tokens: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase(inject('mysqlUrl'), 'se_shed');
  cloud = await startCloudProcess({
    mysqlUrl: db.url,
    adminToken: ADMIN_TOKEN,
    env: { STORE_EDGE_INGEST_MAX_IN_FLIGHT: '1', STORE_EDGE_INGEST_MAX_WAITING: '0' },
  });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  await fetch(`${cloud.baseUrl}/v1/tenants`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ id: 't', name: 'T' }),
  });
  for (const id of ['s1', 's2']) {
    const r = await fetch(`${cloud.baseUrl}/v1/stores`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ id, tenantId: 't', name: id }),
    });
    tokens.push(((await r.json()) as { token: string }).token);
  }
});

afterAll(async () => {
  await cloud?.stop();
  await db?.drop();
});

// The same records every time: a store sends a batch again until it is answered.
const store2Batch = JSON.stringify({ records: records(1, 5) });
const batch = (token: string, store: string) =>
  fetch(`${cloud.baseUrl}/v1/stores/${store}/replication/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: store2Batch,
  });

describe('replication ingest under more load than it takes', () => {
  it('answers 503 with Retry-After while full, and takes batches again once a slot is free', async () => {
    // Store 1's batch is in flight for as long as its body has not arrived.
    const openSlow = () => holdBatch(cloud.baseUrl, 's1', tokens[0] as string, records(1, 5));
    // Store 2 is refused while store 1's batch holds the only slot. (If store 2's request
    // happened to take the slot first, store 1 is the one refused: open it again.)
    let slow = openSlow();
    let refused: Response | null = null;
    for (let i = 0; i < 100 && !refused; i++) {
      await new Promise((res) => setTimeout(res, 50));
      if (slow.answeredYet()) slow = openSlow();
      else {
        const r = await batch(tokens[1] as string, 's2');
        if (r.status === 503) refused = r;
        else await r.arrayBuffer();
      }
    }
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(refused?.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await (refused as Response).json()) as { code: string }).code).toBe('busy');

    slow.finish();
    expect(await slow.answer).toBe(200);
    const again = await batch(tokens[1] as string, 's2');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ appliedSeq: 5 });
    const metrics = await (await fetch(`${cloud.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/store_edge_cloud_replication_batches_total\{outcome="shed"\} [1-9]/);
  });
});
