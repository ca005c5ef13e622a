// Ingest slots shared fairly between tenants (issue 17): while another tenant has batches in
// flight, a tenant holding half of a replica's slots is answered 503 busy; the other tenant
// still gets a slot. Batches are held in flight by sending their bodies slowly.
import {
  createTenantAndStore,
  holdBatch,
  records,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let cloud: TestCloud;
let port = 0;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'), { ingestAdmission: { maxInFlight: 4, maxWaiting: 0 } });
  for (const [t, s] of [
    ['ta', 'a1'],
    ['ta', 'a2'],
    ['ta', 'a3'],
    ['tb', 'b1'],
    ['tb', 'b2'],
  ] as const)
    tokens[s] = (await createTenantAndStore(cloud.app, t, s)).token;
  await cloud.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = cloud.app.server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
});
afterAll(async () => cloud?.close());

/** A batch whose body is only partly sent: it holds an ingest slot until finish(). */
const hold = (store: string) =>
  holdBatch(`http://127.0.0.1:${port}`, store, tokens[store] as string, records(1, 3));

const send = (store: string) =>
  fetch(`http://127.0.0.1:${port}/v1/stores/${store}/replication/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[store]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ records: records(1, 2) }),
  });

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('ingest slots between tenants', () => {
  it("stops a tenant at half the slots while another tenant has batches in flight, and serves the other's", async () => {
    const b1 = hold('b1');
    const a1 = hold('a1');
    const a2 = hold('a2');
    await settle();
    // Tenant A holds 2 of 4 slots and B is busy: A's third batch is shed, with a free slot left.
    const shed = await send('a3');
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(await shed.json()).toMatchObject({ code: 'busy' });
    // B takes that free slot.
    const b2 = await send('b2');
    expect(b2.status).toBe(200);
    for (const h of [b1, a1, a2]) h.finish();
    expect(await Promise.all([b1.answer, a1.answer, a2.answer])).toEqual([200, 200, 200]);
    // Alone again, A may use every slot.
    const a = [hold('a1'), hold('a2')];
    await settle();
    expect((await send('a3')).status).toBe(200);
    for (const h of a) h.finish();
    await Promise.all(a.map((h) => h.answer));
  });
});
