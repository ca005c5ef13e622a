// The fleet bench's set-up: tenants and stores created through the admin API, a warm-up of the
// cloud, and the stock rows a trading store already has.
import type { Agent } from 'node:http';
import mysql from 'mysql2/promise';
import type { CloudProcess } from '../testing/src/cloud-process.js';
import { makeMovement, newStats, post, Store } from './fleet-store.js';

export interface FleetAdmin {
  cloud: CloudProcess;
  agent: Agent;
  /** The cloud's admin token. */
  token: string;
}

async function adminPost(a: FleetAdmin, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await post(
    a.agent,
    new URL(a.cloud.baseUrl),
    `/v1${path}`,
    { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
    Buffer.from(JSON.stringify(body)),
  );
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text.slice(0, 300)}`);
  return JSON.parse(res.text) as Record<string, unknown>;
}

/**
 * Tenant `tenant` and `count` stores (`<prefix>-0`…), each with its own credential, 16 created
 * at a time; store i simulates the movements of index `firstIndex + i`.
 */
export async function createStores(
  a: FleetAdmin,
  opts: { tenant: string; prefix: string; count: number; batchSize: number; firstIndex?: number },
): Promise<Store[]> {
  await adminPost(a, '/tenants', { id: opts.tenant, name: `Fleet bench (${opts.tenant})` });
  const base = new URL(a.cloud.baseUrl);
  const stores: Store[] = new Array(opts.count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let s = next++; s < opts.count; s = next++) {
        const id = `${opts.prefix}-${s}`;
        const { token } = (await adminPost(a, '/stores', { id, tenantId: opts.tenant, name: id })) as {
          token: string;
        };
        stores[s] = new Store((opts.firstIndex ?? 0) + s, id, token, base, a.agent, opts.batchSize);
      }
    }),
  );
  return stores;
}

/**
 * Warm-up: a cloud replica runs for weeks, so its ingest code is compiled and optimised long
 * before a region's catch-up. A fresh process would spend the first seconds of the measured
 * catch-up in V8's compilers; 20 stores of another tenant send 10 batches of 400 first.
 */
export async function warmUp(a: FleetAdmin, firstIndex: number): Promise<void> {
  const stores = await createStores(a, {
    tenant: 'fleet-warmup',
    prefix: 'fleet-warmup',
    count: 20,
    batchSize: 400,
    firstIndex,
  });
  for (const s of stores) s.make(400 * 10);
  await Promise.all(stores.map((s) => s.drain(newStats())));
}

/**
 * Zero stock rows for every (sku, location) the catch-up of `stores` × `backlog` movements will
 * touch, as a store that has traded for months has: the catch-up's stock projection then
 * updates rows in place.
 */
export async function seedStock(url: string, tenant: string, stores: number, backlog: number): Promise<void> {
  const conn = await mysql.createConnection({ uri: url });
  try {
    for (let s0 = 0; s0 < stores; s0 += 50) {
      const rows = new Map<string, unknown[]>();
      for (let s = s0; s < Math.min(stores, s0 + 50); s++) {
        for (let seq = 1; seq <= backlog; seq++) {
          const m = makeMovement(s, seq);
          rows.set(`${s}|${m.sku}|${m.location}`, [`fleet-${s}`, m.sku, m.location, tenant, 0, 0]);
        }
      }
      await conn.query('INSERT INTO stock (store_id, sku, location, tenant_id, on_hand, reserved) VALUES ?', [
        [...rows.values()],
      ]);
    }
  } finally {
    await conn.end();
  }
}
