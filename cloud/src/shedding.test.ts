// Load shedding on the replication route, with a real cloud process: beyond
// STORE_EDGE_INGEST_MAX_IN_FLIGHT batches at once and a full wait line (here none:
// STORE_EDGE_INGEST_MAX_WAITING=0), a store is told 503 + Retry-After at once (and backs off)
// instead of queueing past its timeout.
import { type CloudWithStores, startCloudWithStores } from '@store-edge/testing';
import { ADMIN_TOKEN, holdBatch, records } from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let pair: CloudWithStores;
let cloud: CloudWithStores['cloud'];
const tokens: string[] = [];

beforeAll(async () => {
  pair = await startCloudWithStores(inject('mysqlUrl'), {
    adminToken: ADMIN_TOKEN,
    stores: ['s1', 's2'],
    env: { STORE_EDGE_INGEST_MAX_IN_FLIGHT: '1', STORE_EDGE_INGEST_MAX_WAITING: '0' },
    dbPrefix: 'se_shed',
  });
  cloud = pair.cloud;
  tokens.push(pair.tokens.s1 as string, pair.tokens.s2 as string);
});

afterAll(async () => pair?.stop());

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
