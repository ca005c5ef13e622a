// Fair request limits (issue 17): per store credential and per tenant, answered 429 with
// Retry-After and the draft-ietf-httpapi-ratelimit-headers fields, before anything else runs;
// another tenant is not held back, the admin token is not limited.
import {
  admin,
  bearer,
  createTenantAndStore,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let cloud: TestCloud;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'), { rateLimits: { perStore: 3, perTenant: 5 } });
  for (const [t, s] of [
    ['ta', 'a1'],
    ['ta', 'a2'],
    ['tb', 'b1'],
  ] as const) {
    tokens[s] = (await createTenantAndStore(cloud.app, t, s)).token;
  }
});
afterAll(async () => cloud?.close());

const read = (store: string, auth = bearer(tokens[store] as string)) =>
  cloud.app.inject({ method: 'GET', url: `/v1/stores/${store}/movements`, headers: auth });

describe('request limits per store credential and per tenant', () => {
  it('answers 429 problem+json with Retry-After and RateLimit fields past a limit, without holding back another tenant', async () => {
    // The windows are one second long: start at the beginning of one so the test is not split.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
    const a1 = [];
    for (let i = 0; i < 4; i++) a1.push(await read('a1'));
    expect(a1.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(a1[0]?.headers['ratelimit-limit']).toBe('3');
    expect(a1[0]?.headers['ratelimit-remaining']).toBe('2');
    expect(a1[0]?.headers['ratelimit-policy']).toBe('"store";q=3;w=1');
    const limited = a1[3];
    expect(limited?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited?.headers.ratelimit).toMatch(/^"store";r=0;t=\d+$/);
    expect(limited?.json()).toMatchObject({ status: 429, code: 'rate-limited', limit: 'store' });
    // a2 is within its own limit, but the tenant (5/s) has had 3 from a1 already.
    const a2 = [];
    for (let i = 0; i < 3; i++) a2.push((await read('a2')).statusCode);
    expect(a2).toEqual([200, 200, 429]);
    // Tenant B's store is not held back by A, and the operator's token is never limited.
    expect((await read('b1')).statusCode).toBe(200);
    for (let i = 0; i < 8; i++) expect((await read('a1', admin)).statusCode).toBe(200);
    // After Retry-After, A goes on.
    await new Promise((r) => setTimeout(r, Number(limited?.headers['retry-after']) * 1000));
    expect((await read('a1')).statusCode).toBe(200);
  });
});
