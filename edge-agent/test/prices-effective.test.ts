// Must-show 1 of issue 19: price changes reach the stores through the real feed from a real
// cloud on MariaDB ahead of time; then the cloud is stopped and each store applies them at its
// own 06:00 (Europe/Berlin, America/New_York), DST change days included, with the clock injected.
import { freePort, makeTempDir, type TempDir } from '@store-edge/testing';
import { admin, createTenantAndStore, startTestCloud, type TestCloud } from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EdgeAgent } from '../src/agent.js';
import { loadSettings } from '../src/config/settings.js';
import type { EdgeEvents } from '../src/events.js';
import { createLogger } from '../src/observability/logger.js';
import { createPricesFeature } from '../src/prices/index.js';
import { replicationFeature } from '../src/replication/index.js';
import type { Json } from './helpers.js';

/** The one timer the price clock keeps, fired by the test instead of by time passing. */
class FakeTimer {
  private pending: (() => void) | null = null;
  wait: number | null = null;
  readonly set = (fn: () => void, ms: number): unknown => {
    this.pending = fn;
    this.wait = ms;
    return fn;
  };
  readonly clear = (h: unknown): void => {
    if (this.pending === h) this.pending = null;
  };
  fire(): void {
    const f = this.pending;
    this.pending = null;
    f?.();
  }
}

interface Store {
  id: string;
  zone: string;
  agent: EdgeAgent;
  dir: TempDir;
  baseUrl: string;
  token: string;
  now: Date;
  timer: FakeTimer;
  changed: Array<EdgeEvents['price.changed']>;
}

let cloud: TestCloud;
let cloudUrl: string;
const stores: Store[] = [];

async function startStore(id: string, zone: string, token: string, now: Date): Promise<Store> {
  const dir = makeTempDir('prices-edge-');
  const settings = loadSettings({
    STORE_EDGE_DATA_DIR: dir.path,
    STORE_EDGE_STORE_ID: id,
    STORE_EDGE_HTTP_HOST: '127.0.0.1',
    STORE_EDGE_HTTP_PORT: String(await freePort()),
    STORE_EDGE_MQTT_PORT: '0',
    STORE_EDGE_ADMIN_PASSWORD: 'admin-test-password',
    STORE_EDGE_LOG_LEVEL: 'error',
    STORE_EDGE_CLOUD_URL: cloudUrl,
    STORE_EDGE_CLOUD_TOKEN: token,
    STORE_EDGE_TIMEZONE: zone,
  });
  const timer = new FakeTimer();
  const store = { id, zone, dir, timer, now, changed: [] } as unknown as Store;
  store.agent = new EdgeAgent({
    settings,
    log: createLogger(settings.logLevel, { pretty: false }),
    announce: () => {},
    clock: () => store.now,
    features: [createPricesFeature({ setTimer: timer.set, clearTimer: timer.clear }), replicationFeature],
  });
  await store.agent.start();
  store.agent.events.on(
    'price.changed',
    (e) => {
      if (e.source === 'schedule') store.changed.push(e);
    },
    store,
  );
  store.baseUrl = `http://127.0.0.1:${settings.http.port}`;
  const login = await store.agent.parts!.users.login('admin', 'admin-test-password');
  store.token = login!.token;
  return store;
}

async function item(store: Store, path: string): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${store.baseUrl}/api/v1${path}`, {
    headers: { authorization: `Bearer ${store.token}` },
  });
  return { status: r.status, body: await r.json() };
}

/** Waits for the feed (real IO), polling the store's own API. */
async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cloudCall(method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown): Promise<Json> {
  const r = await cloud.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
  if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
  return r.json();
}

/** Sets the store's clock (a session from another day has expired: log in again). */
async function setClock(store: Store, iso: string): Promise<void> {
  store.now = new Date(iso);
  store.token = (await store.agent.parts!.users.login('admin', 'admin-test-password'))!.token;
}

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'));
  await cloud.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = cloud.app.server.address();
  cloudUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const berlin = await createTenantAndStore(cloud.app, 't-prices', 'berlin');
  const newYork = await createTenantAndStore(cloud.app, 't-prices', 'new-york');
  await cloudCall('PUT', '/v1/items/MILK', {
    tenantId: 't-prices',
    name: 'Milk 1 l',
    gtins: ['4006381333931'],
    price: { amount: '1.19', currency: 'EUR' },
    netContent: { amount: 1, unit: 'l' },
  });
  // Today is 27 March 2027 at noon, local time at each store.
  stores.push(await startStore('berlin', 'Europe/Berlin', berlin.token, new Date('2027-03-27T11:00:00Z')));
  stores.push(
    await startStore('new-york', 'America/New_York', newYork.token, new Date('2027-03-27T16:00:00Z')),
  );
  for (const s of stores)
    await until(`the item at ${s.id}`, async () => (await item(s, '/items/MILK')).status === 200);
  // Three changes at local 06:00 (no offset): tomorrow (the spring DST day in Berlin), an
  // ordinary day, and the autumn DST day in Berlin.
  for (const [id, effectiveAt, amount] of [
    ['pc-spring', '2027-03-28T06:00', '1.29'],
    ['pc-june', '2027-06-15T06:00:00', '1.35'],
    ['pc-autumn', '2027-10-31T06:00', '1.25'],
  ] as const) {
    const r = await cloudCall('POST', '/v1/price-changes', {
      id,
      tenantId: 't-prices',
      effectiveAt,
      changes: [{ sku: 'MILK', amount, currency: 'EUR' }],
    });
    expect(r).toEqual({ id, stores: 2, lines: 1 });
  }
  for (const s of stores)
    await until(`the price changes at ${s.id}`, async () => {
      const r = await item(s, '/items/MILK?at=2027-12-01T00:00:00Z');
      return r.body.price?.amount === '1.25';
    });
  // The cloud shows each store as having received the change once its feed cursor passed it.
  await until('receivedAt of both stores', async () => {
    const st = await cloudCall('GET', '/v1/price-changes/pc-autumn');
    return st.stores.every((x: Json) => x.receivedAt !== null);
  });
  // The cloud goes away: everything from here on is the stores on their own.
  await cloud.app.close();
}, 120_000);

afterAll(async () => {
  for (const s of stores.splice(0)) {
    await s.agent.stop();
    s.dir.remove();
  }
  await cloud?.pool.end().catch(() => {});
  await cloud?.db.drop().catch(() => {});
});

describe('a price change effective tomorrow 06:00 local time, with the cloud unreachable', () => {
  it('the cloud showed both stores as having received the change before it went away', async () => {
    await expect(fetch(`${cloudUrl}/healthz`)).rejects.toThrow();
  });

  it('Berlin shows the old price today and the new one from 06:00 on the spring DST day', async () => {
    const berlin = stores[0] as Store;
    const today = await item(berlin, '/items/MILK');
    expect(today.body.price).toEqual({ amount: '1.19', currency: 'EUR' });
    expect(today.body.nextChange).toEqual({ amount: '1.29', effectiveAt: '2027-03-28T04:00:00.000Z' });
    expect(today.body.netContent).toEqual({ amount: '1', unit: 'l' });
    // 05:59:59 CEST (clocks went forward at 02:00) is still the old price.
    await setClock(berlin, '2027-03-28T03:59:59Z');
    expect((await item(berlin, '/items/MILK')).body.price.amount).toBe('1.19');
    // The price clock's one timer fires at 06:00: the bus hears of it, the catalog follows.
    await setClock(berlin, '2027-03-28T04:00:00Z');
    berlin.timer.fire();
    expect(berlin.changed).toEqual([{ skus: ['MILK'], source: 'schedule' }]);
    const now = await item(berlin, '/items/MILK');
    expect(now.body.price).toEqual({ amount: '1.29', currency: 'EUR' });
    expect(now.body.regularPrice).toEqual({ amount: '1.29', currency: 'EUR' });
    // Lookups by barcode and the catalog list answer the price in force too.
    expect((await item(berlin, '/items/lookup?code=4006381333931')).body.item.price.amount).toBe('1.29');
    expect((await item(berlin, '/items?q=MILK')).body.items[0].price.amount).toBe('1.29');
    // The past stays as it was.
    expect((await item(berlin, '/items/MILK?at=2027-03-28T03:59:59Z')).body.price.amount).toBe('1.19');
  });

  it('Berlin applies the autumn DST day change at 06:00 CET and an ordinary day at 06:00 CEST', async () => {
    const berlin = stores[0] as Store;
    expect((await item(berlin, '/items/MILK?at=2027-06-15T03:59:59Z')).body.price.amount).toBe('1.29');
    expect((await item(berlin, '/items/MILK?at=2027-06-15T04:00:00Z')).body.price.amount).toBe('1.35');
    // 31 October: clocks went back at 03:00, so 06:00 is 05:00Z.
    await setClock(berlin, '2027-10-31T04:59:59Z');
    const before = await item(berlin, '/items/MILK');
    expect(before.body.price.amount).toBe('1.35');
    expect(before.body.nextChange).toEqual({ amount: '1.25', effectiveAt: '2027-10-31T05:00:00.000Z' });
    await setClock(berlin, '2027-10-31T05:00:00Z');
    berlin.timer.fire();
    expect((await item(berlin, '/items/MILK')).body.price.amount).toBe('1.25');
    // Moments missed in between (June) are announced once, with the one that is due.
    expect(berlin.changed.at(-1)).toEqual({ skus: ['MILK'], source: 'schedule' });
  });

  it('New York applies the same local-time change at its own 06:00', async () => {
    const ny = stores[1] as Store;
    // Berlin's 06:00 has passed; New York's has not.
    await setClock(ny, '2027-03-28T09:59:59Z');
    const before = await item(ny, '/items/MILK');
    expect(before.body.price.amount).toBe('1.19');
    expect(before.body.nextChange).toEqual({ amount: '1.29', effectiveAt: '2027-03-28T10:00:00.000Z' });
    await setClock(ny, '2027-03-28T10:00:00Z');
    ny.timer.fire();
    expect(ny.changed).toEqual([{ skus: ['MILK'], source: 'schedule' }]);
    expect((await item(ny, '/items/MILK')).body.price.amount).toBe('1.29');
    // 31 October is still summer time in New York (until 7 November): 06:00 EDT = 10:00Z.
    expect((await item(ny, '/items/MILK?at=2027-10-31T09:59:59Z')).body.price.amount).toBe('1.35');
    expect((await item(ny, '/items/MILK?at=2027-10-31T10:00:00Z')).body.price.amount).toBe('1.25');
  });
});
