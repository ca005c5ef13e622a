// Fleet on the cloud side with an injected clock (docs/fleet.md): reports, unknown → online →
// offline → online, transitions and their webhooks recorded once by two sweepers, the backlog
// chart, bounds, tokens and scope. The agent and the cloud as processes: test/fleet.test.ts.
import { createServer, type Server } from 'node:http';
import { HEALTH_LIMITS, type HealthReport } from '@store-edge/protocol';
import { freePort, startOidcProvider } from '@store-edge/testing';
import {
  admin,
  bearer,
  createTenantAndStore,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../app.js';
import { createMetrics } from '../metrics.js';
import { OIDC_DEFAULTS } from '../oidc.js';
import type { EventEnvelope } from '../outbox.js';
import { WebhookDispatcher } from '../webhooks.js';
import { fleet, storeHealth } from './index.js';
import { FleetSweeper } from './sweeper.js';

const SECRET = 'whsec-fleet-0123456789abcdef';
const WINDOW = 90;
let now = new Date('2026-12-01T08:00:00.000Z');
const clock = () => now;
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};

let cloud: TestCloud;
let tokens: Record<string, string> = {};
const received: EventEnvelope[] = [];
let receiver: Server;
let receiverUrl = '';

function report(partial: Partial<HealthReport> = {}): HealthReport {
  return {
    agentVersion: '0.1.0',
    sentAt: now.toISOString(),
    backlog: { pending: 0, oldestPendingAt: null },
    devices: [],
    diskFreeBytes: 50_000_000_000,
    clockOffsetMs: null,
    ...partial,
  };
}

async function send(storeId: string, body: unknown, token = tokens[storeId] ?? '') {
  return cloud.app.inject({
    method: 'POST',
    url: `/v1/stores/${storeId}/health`,
    headers: bearer(token),
    payload: body as Record<string, unknown>,
  });
}

async function fleetOf(tenantId: string) {
  const res = await cloud.app.inject({
    method: 'GET',
    url: `/v1/fleet?tenantId=${tenantId}`,
    headers: admin,
  });
  expect(res.statusCode).toBe(200);
  return res.json<{ stores: Array<Record<string, unknown>> }>().stores;
}

async function health(storeId: string) {
  const res = await cloud.app.inject({ method: 'GET', url: `/v1/stores/${storeId}/health`, headers: admin });
  expect(res.statusCode).toBe(200);
  return res.json<Record<string, unknown> & { transitions: Array<{ status: string; previous: string }> }>();
}

function sweeper(metrics = createMetrics()) {
  return new FleetSweeper({
    pool: cloud.pool,
    log: pino({ level: 'silent' }),
    metrics,
    clock: { now: clock, offlineAfterSeconds: WINDOW },
  });
}

/** Delivers what the outbox holds to the receiver (one pass of a real dispatcher). */
async function deliver(): Promise<void> {
  const d = new WebhookDispatcher({
    pool: cloud.pool,
    log: pino({ level: 'silent' }),
    intervalMs: 1000,
    baseBackoffMs: 10,
    maxBackoffMs: 10,
    maxAttempts: 3,
    ratePerTenant: 1000,
    staleAfterSeconds: 0,
  });
  await d.runOnce();
}

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'), { clock, offlineAfterSeconds: WINDOW });
  for (const [tenant, store] of [
    ['north', 'n-1'],
    ['north', 'n-2'],
    ['south', 's-1'],
  ] as const) {
    tokens[store] = (await createTenantAndStore(cloud.app, tenant, store)).token;
  }
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (b: Buffer) => {
      body += b.toString();
    });
    req.on('end', () => {
      received.push(JSON.parse(body) as EventEnvelope);
      res.writeHead(204).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${port}/hook`;
  const sub = await cloud.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: admin,
    payload: {
      url: receiverUrl,
      secret: SECRET,
      events: ['store.offline', 'store.online'],
      tenantId: 'north',
    },
  });
  expect(sub.statusCode).toBe(201);
});

afterAll(async () => {
  await new Promise((r) => receiver?.close(r));
  await cloud?.close();
  tokens = {};
});

describe('fleet', () => {
  it('shows a store unknown until its first report, then online with its backlog and devices', async () => {
    expect(await fleetOf('north')).toEqual([
      {
        id: 'n-1',
        name: 'n-1',
        status: 'unknown',
        lastSeenAt: null,
        pending: null,
        oldestPendingAt: null,
        devicesInError: null,
        agentVersion: null,
      },
      expect.objectContaining({ id: 'n-2', status: 'unknown' }),
    ]);
    expect((await health('n-1')).status).toBe('unknown');

    const res = await send(
      'n-1',
      report({
        backlog: { pending: 42, oldestPendingAt: '2026-12-01T07:55:00Z' },
        devices: [
          { id: 'printer-1', kind: 'zpl-printer', status: 'error', detail: 'paper out' },
          { id: 'scanner-1', kind: 'serial-scanner', status: 'online', detail: null },
        ],
        clockOffsetMs: 1500,
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ receivedAt: now.toISOString() });

    const [n1, n2] = await fleetOf('north');
    expect(n1).toEqual({
      id: 'n-1',
      name: 'n-1',
      status: 'online',
      lastSeenAt: now.toISOString(),
      pending: 42,
      oldestPendingAt: '2026-12-01T07:55:00.000Z',
      devicesInError: 1,
      agentVersion: '0.1.0',
    });
    expect(n2).toMatchObject({ id: 'n-2', status: 'unknown' });
    expect(await health('n-1')).toMatchObject({
      status: 'online',
      backlog: { pending: 42, oldestPendingAt: '2026-12-01T07:55:00.000Z' },
      devices: [
        { id: 'printer-1', kind: 'zpl-printer', status: 'error', detail: 'paper out' },
        { id: 'scanner-1', kind: 'serial-scanner', status: 'online', detail: null },
      ],
      devicesInError: 1,
      diskFreeBytes: 50_000_000_000,
      clockOffsetMs: 1500,
      transitions: [{ status: 'online', previous: 'unknown' }],
    });
  });

  it('turns a silent store offline after the window, and two sweepers record it and store.offline once', async () => {
    advance(WINDOW - 1);
    expect((await fleetOf('north'))[0]).toMatchObject({ id: 'n-1', status: 'online' });
    advance(2);
    // What the API shows does not wait for a sweep.
    expect((await fleetOf('north'))[0]).toMatchObject({ id: 'n-1', status: 'offline' });

    const metrics = createMetrics();
    const marked = await Promise.all([sweeper(metrics).runOnce(), sweeper().runOnce()]);
    expect(marked[0] + marked[1]).toBe(1);
    expect(await sweeper().runOnce()).toBe(0);
    expect((await health('n-1')).transitions.map((t) => [t.status, t.previous])).toEqual([
      ['offline', 'online'],
      ['online', 'unknown'],
    ]);

    await deliver();
    await deliver();
    const offline = received.filter((e) => e.type === 'store.offline');
    expect(offline).toHaveLength(1);
    expect(offline[0]?.data).toEqual({
      storeId: 'n-1',
      status: 'offline',
      previous: 'online',
      at: now.toISOString(),
      lastSeenAt: new Date(now.getTime() - (WINDOW + 1) * 1000).toISOString(),
      offlineAfterSeconds: WINDOW,
    });

    // Per tenant, never per store.
    const text = await metrics.registry.metrics();
    expect(text).toContain('store_edge_cloud_fleet_stores{tenant="north",status="offline"} 1');
    expect(text).toContain('store_edge_cloud_fleet_stores{tenant="north",status="unknown"} 1');
    expect(text).toContain('store_edge_cloud_fleet_stores{tenant="south",status="unknown"} 1');
    expect(text).toContain('store_edge_cloud_fleet_devices_in_error{tenant="north"} 1');
    expect(text).toContain('store_edge_cloud_fleet_backlog_pending{tenant="north"} 42');
    // The oldest pending movement (07:55) against the clock (08:01:31).
    expect(text).toContain('store_edge_cloud_fleet_oldest_pending_seconds{tenant="north"} 391');
    expect(text).not.toMatch(/fleet[a-z_]*\{[^}]*store=/);
  });

  it('records the store coming back online with store.online', async () => {
    advance(600);
    expect((await send('n-1', report())).statusCode).toBe(200);
    expect((await fleetOf('north'))[0]).toMatchObject({ status: 'online', pending: 0 });
    expect((await health('n-1')).transitions.map((t) => t.status)).toEqual(['online', 'offline', 'online']);
    await deliver();
    expect(received.map((e) => [e.type, (e.data as { previous: string }).previous])).toEqual([
      ['store.online', 'unknown'],
      ['store.offline', 'online'],
      ['store.online', 'offline'],
    ]);
  });

  it('answers the backlog chart: the worst of each minute, coarser points before the last day', async () => {
    const start = new Date(now.getTime() - 5 * 60_000);
    // Two reports in one minute, then one in the next.
    now = new Date(Math.ceil(now.getTime() / 60_000) * 60_000);
    const minute = now.toISOString();
    expect(
      (await send('n-2', report({ backlog: { pending: 10, oldestPendingAt: '2026-12-01T07:00:00Z' } })))
        .statusCode,
    ).toBe(200);
    advance(30);
    expect(
      (await send('n-2', report({ backlog: { pending: 7, oldestPendingAt: '2026-12-01T07:05:00Z' } })))
        .statusCode,
    ).toBe(200);
    advance(30);
    expect((await send('n-2', report({ backlog: { pending: 0, oldestPendingAt: null } }))).statusCode).toBe(
      200,
    );
    const res = await cloud.app.inject({
      method: 'GET',
      url: `/v1/stores/n-2/backlog?since=${start.toISOString()}`,
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().points).toEqual([
      { at: minute, pending: 10, oldestPendingAt: '2026-12-01T07:00:00.000Z' },
      { at: now.toISOString(), pending: 0, oldestPendingAt: null },
    ]);
    // Two days later the minutes are gone from the fine resolution; the 15-minute point stays.
    advance(2 * 24 * 3600);
    await sweeper().runOnce();
    const later = await cloud.app.inject({
      method: 'GET',
      url: `/v1/stores/n-2/backlog?since=${start.toISOString()}`,
      headers: admin,
    });
    expect(later.json().points).toEqual([
      {
        at: new Date(Math.floor(Date.parse(minute) / 900_000) * 900_000).toISOString(),
        pending: 10,
        oldestPendingAt: '2026-12-01T07:00:00.000Z',
      },
    ]);
    const bad = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stores/n-2/backlog?since=2026-02-30T00:00:00Z',
      headers: admin,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([
      { path: '/querystring/since', message: expect.stringContaining('day 30') },
    ]);
  });

  it('refuses reports past the bounds, naming the field, with problem+json', async () => {
    const many = Array.from({ length: HEALTH_LIMITS.devices + 1 }, (_, i) => ({
      id: `d-${i}`,
      kind: 'hid-scanner',
      status: 'online',
      detail: null,
    }));
    const tooMany = await send('n-1', report({ devices: many as HealthReport['devices'] }));
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.headers['content-type']).toContain('application/problem+json');
    expect(tooMany.json().errors).toEqual([{ path: '/devices', message: expect.any(String) }]);

    const long = await send(
      'n-1',
      report({
        devices: [
          { id: 'p', kind: 'zpl-printer', status: 'error', detail: 'x'.repeat(HEALTH_LIMITS.detail + 1) },
        ],
      }),
    );
    expect(long.statusCode).toBe(400);
    expect(long.json().errors.map((e: { path: string }) => e.path)).toContain('/devices/0/detail');

    const calendar = await send('n-1', report({ sentAt: '2026-02-30T10:00:00Z' }));
    expect(calendar.statusCode).toBe(400);
    expect(calendar.json().errors).toEqual([{ path: '/sentAt', message: expect.stringContaining('day 30') }]);
  });

  it('takes a report only from that store’s token, and reads only in scope', async () => {
    expect((await send('n-2', report(), tokens['n-1'])).statusCode).toBe(403);
    expect((await send('n-1', report(), 'test-admin-token-0123456789')).statusCode).toBe(403);
    expect((await send('n-1', report(), 'not-a-token')).statusCode).toBe(401);
    const storeReads = await cloud.app.inject({
      method: 'GET',
      url: '/v1/fleet',
      headers: bearer(tokens['n-1'] ?? ''),
    });
    expect(storeReads.statusCode).toBe(403);
    const missing = await cloud.app.inject({ method: 'GET', url: '/v1/stores/nope/health', headers: admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');

    // The queries take the scope a person's token gives (auth.ts requireRole): another tenant's
    // store is not found, a person scoped to some stores sees those only.
    const c = { now: clock, offlineAfterSeconds: WINDOW };
    expect(await storeHealth(cloud.pool, { tenantId: 'south', stores: null }, 'n-1', c)).toBeNull();
    expect((await fleet(cloud.pool, { tenantId: 'south', stores: null }, c)).map((s) => s.id)).toEqual([
      's-1',
    ]);
    expect((await fleet(cloud.pool, { tenantId: 'north', stores: ['n-2'] }, c)).map((s) => s.id)).toEqual([
      'n-2',
    ]);
    expect((await fleet(cloud.pool, { tenantId: 'north', stores: [] }, c)).map((s) => s.id)).toEqual([]);
  });
  it('answers a person only within their tenant and stores: another tenant’s store is not found', async () => {
    // People as the OIDC verifier sees them: tokens from a real provider (oidc-provider), a
    // viewer of south, and a viewer of north scoped to store n-2; the routes' own scope does the rest.
    const idp = await startOidcProvider({
      machines: {
        'south-viewer': { tenant: 'south', roles: ['viewer'] },
        'north-n2': { tenant: 'north', roles: ['viewer'], stores: ['n-2'] },
        'north-all': { tenant: 'north', roles: ['viewer'] },
      },
    });
    const app = await buildApp({
      pool: cloud.pool,
      adminToken: 'fleet-scope-admin-token-0123',
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(),
      notifier: cloud.notifier,
      clock,
      offlineAfterSeconds: WINDOW,
      oidc: { issuer: idp.issuer, audience: idp.audience, clientId: idp.consoleClientId, ...OIDC_DEFAULTS },
    });
    await app.ready();
    const people = {
      south: bearer(await idp.token('south-viewer')),
      'north/n-2': bearer(await idp.token('north-n2')),
      north: bearer(await idp.token('north-all')),
    };
    try {
      const as = (tenant: 'south' | 'north', stores?: 'n-2') => people[stores ? 'north/n-2' : tenant];
      const south = await app.inject({ method: 'GET', url: '/v1/fleet', headers: as('south') });
      expect(south.json().stores.map((s: { id: string }) => s.id)).toEqual(['s-1']);
      for (const url of ['/v1/stores/n-1/health', '/v1/stores/n-1/backlog']) {
        const res = await app.inject({ method: 'GET', url, headers: as('south') });
        expect(res.statusCode).toBe(404);
        expect(res.json().detail).toBe("store 'n-1' does not exist");
      }
      const one = await app.inject({ method: 'GET', url: '/v1/fleet', headers: as('north', 'n-2') });
      expect(one.json().stores.map((s: { id: string }) => s.id)).toEqual(['n-2']);
      expect(
        (await app.inject({ method: 'GET', url: '/v1/stores/n-1/health', headers: as('north', 'n-2') }))
          .statusCode,
      ).toBe(404);
      expect(
        (await app.inject({ method: 'GET', url: '/v1/stores/n-2/health', headers: as('north', 'n-2') }))
          .statusCode,
      ).toBe(200);
      // A person never reports for a store.
      expect(
        (
          await app.inject({
            method: 'POST',
            url: '/v1/stores/n-2/health',
            headers: as('north'),
            payload: report(),
          })
        ).statusCode,
      ).toBe(403);
    } finally {
      await app.close();
      await idp.stop();
    }
  });
});
