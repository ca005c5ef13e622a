// The ingest wait line, with a real cloud process: a store's batch that finds every slot busy
// waits (its body unread) and is applied as soon as a slot frees, instead of being sent back
// to wait a whole Retry-After second; beyond the line, or after waiting too long, 503 busy.
import { type CloudWithStores, startCloudWithStores } from '@store-edge/testing';
import { ADMIN_TOKEN, holdBatch, records } from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let pair: CloudWithStores;
let cloud: CloudWithStores['cloud'];
let tokens: Record<string, string> = {};

beforeAll(async () => {
  pair = await startCloudWithStores(inject('mysqlUrl'), {
    adminToken: ADMIN_TOKEN,
    stores: ['s1', 's2', 's3'],
    env: {
      STORE_EDGE_INGEST_MAX_IN_FLIGHT: '1',
      STORE_EDGE_INGEST_MAX_WAITING: '1',
      STORE_EDGE_INGEST_MAX_WAIT_MS: '1500',
    },
    dbPrefix: 'se_line',
  });
  ({ cloud, tokens } = pair);
});

afterAll(async () => pair?.stop());

const send = (store: string, from: number, to: number) =>
  fetch(`${cloud.baseUrl}/v1/stores/${store}/replication/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[store]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ records: records(from, to) }),
  });
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

describe('replication batches waiting for an ingest slot', () => {
  it('applies a waiting batch once the slot frees, refuses beyond the line and after the longest wait', async () => {
    // s1 holds the only slot; s2's batch waits in the line (one place).
    const s1 = holdBatch(cloud.baseUrl, 's1', tokens.s1 as string, records(1, 5));
    await settle();
    const waiting = send('s2', 1, 4);
    await settle();
    // The line is full: s3 is told to come back, at once.
    const refused = await send('s3', 1, 3);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ code: 'busy' });

    // s1's body arrives: s1 is applied, then s2's waiting batch, neither refused.
    s1.finish();
    expect(await s1.answer).toBe(200);
    const s2 = await waiting;
    expect(s2.status).toBe(200);
    expect(await s2.json()).toEqual({ appliedSeq: 4 });

    // A batch that waits longer than STORE_EDGE_INGEST_MAX_WAIT_MS is refused after all, and
    // nothing of it was applied: the store sends it again later.
    const again = holdBatch(cloud.baseUrl, 's1', tokens.s1 as string, records(6, 8));
    await settle();
    const tooLong = await send('s3', 1, 3);
    expect(tooLong.status).toBe(503);
    expect(await tooLong.json()).toMatchObject({ code: 'busy' });
    again.finish();
    expect(await again.answer).toBe(200);
    const later = await send('s3', 1, 3);
    expect(later.status).toBe(200);
    expect(await later.json()).toEqual({ appliedSeq: 3 });

    const metrics = await (await fetch(`${cloud.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/store_edge_cloud_replication_batches_total\{outcome="shed"\} 2/);
    // Four batches were admitted; only s2 waited (for s1), the others found the slot free.
    expect(metrics).toMatch(/store_edge_cloud_replication_admission_wait_seconds_count 4/);
    expect(metrics).toMatch(/store_edge_cloud_replication_admission_wait_seconds_bucket\{le="0.1"\} 3\n/);
  });
});
