import { AGENT_INSTANCE_HEADER } from '@store-edge/protocol';
import {
  bearer,
  createTenantAndStore,
  records,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let cloud: TestCloud;
let token: string;
beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  ({ token } = await createTenantAndStore(cloud.app, 't-lease', 's-lease'));
});
afterAll(() => cloud.close());

describe('agent lease: one edge installation per store credential', () => {
  it('refuses a second installation while the first is active, on push and on pull-back', async () => {
    const push = (instance: string, from: number, to: number) =>
      cloud.app.inject({
        method: 'POST',
        url: '/v1/stores/s-lease/replication/batches',
        headers: { ...bearer(token), [AGENT_INSTANCE_HEADER]: instance },
        payload: { records: records(from, to) },
      });
    const pull = (instance: string) =>
      cloud.app.inject({
        method: 'GET',
        url: '/v1/stores/s-lease/movements?afterSeq=0&limit=10',
        headers: { ...bearer(token), [AGENT_INSTANCE_HEADER]: instance },
      });
    expect((await push('install-a', 1, 3)).statusCode).toBe(200);
    const second = await pull('install-b');
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'another-agent' });
    expect(second.json().detail).toMatch(/another edge agent installation \(install-a/);
    const secondPush = await push('install-b', 4, 5);
    expect(secondPush.statusCode).toBe(409);
    expect(secondPush.json()).toMatchObject({ code: 'another-agent' });
    // The first installation (and a restore of it: same installation id) carries on.
    expect((await pull('install-a')).statusCode).toBe(200);
    expect((await push('install-a', 4, 5)).json()).toEqual({ appliedSeq: 5 });
  });
});
