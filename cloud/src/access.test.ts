// Issue 17, must-show 1: every /v1 route against the role matrix (access.ts ACCESS), with real
// MariaDB, the real cloud app and a real OpenID provider (testing/src/oidc-provider.ts) whose
// tokens the cloud verifies itself: roles get 403 where the matrix says, tenant B's people get
// 404 on tenant A's resources, a person scoped to two stores sees only those, expired,
// wrong-audience, wrong-issuer and unsigned tokens get 401, and a rotated signing key is picked
// up without restarting the cloud. The route list comes from the app itself, so a route added
// without a row in the matrix (and a case here) fails the first test.
import { randomUUID } from 'node:crypto';
import { startOidcProvider, type TestOidcProvider } from '@store-edge/testing';
import {
  admin,
  bearer,
  createTenantAndStore,
  movement,
  startTestCloud,
  type TestCloud,
} from '@store-edge/testing/cloud';
import { UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ACCESS, type Access, type RouteKey } from './access.js';
import { ROLES, type Role } from './auth.js';
import { OIDC_DEFAULTS } from './oidc.js';

/** Where a request aims: a tenant, one of its stores, a reservation in that store. */
interface Target {
  tenant: string;
  store: string;
  reservation: string;
  /** A replenishment run of the tenant for this store (made in beforeAll). */
  run: string;
  /** A store whose token may be rotated (not one whose token the tests use). */
  spare: string;
}

interface Case {
  /** The status of success. */
  ok: number;
  /**
   * A list filtered by store or tenant (deliveries, transfers, runs) answers another tenant's
   * people 200 with none of that tenant's rows instead of 404: the filter is scoped in the query.
   */
  foreignEmpty?: (body: string) => boolean;
  req(t: Target): { method: 'GET' | 'POST' | 'PUT'; url: string; payload?: unknown };
}

/** The seq-1 record each store holds: sent again it answers 200 (already applied). */
const firstRecord = new Map<string, ReturnType<typeof movement>>();

/** A price change each tenant has (its id per tenant), for the routes that read one. */
const SEED_PRICE_CHANGE: Record<string, string> = { acme: 'pc-seed-acme', bolt: 'pc-seed-bolt' };

/** How to call each route on a target; one row per ACCESS row. */
const CASES: Record<RouteKey, Case> = {
  'POST /v1/tenants': {
    ok: 201,
    req: () => ({ method: 'POST', url: '/v1/tenants', payload: { id: `t-${randomUUID()}`, name: 'New' } }),
  },
  'POST /v1/stores': {
    ok: 201,
    req: (t) => ({
      method: 'POST',
      url: '/v1/stores',
      payload: { id: `s-${randomUUID()}`, tenantId: t.tenant, name: 'New' },
    }),
  },
  'POST /v1/stores/:storeId/token/rotate': {
    ok: 200,
    req: (t) => ({ method: 'POST', url: `/v1/stores/${t.spare}/token/rotate` }),
  },
  'PUT /v1/items/:sku': {
    ok: 200,
    req: (t) => ({
      method: 'PUT',
      url: '/v1/items/SKU-1',
      payload: { tenantId: t.tenant, name: 'Apples', gtins: [], price: { amount: '1.00', currency: 'EUR' } },
    }),
  },
  'GET /v1/items': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/items?tenantId=${t.tenant}` }),
  },
  'POST /v1/stores/:storeId/health': {
    ok: 200,
    req: (t) => ({
      method: 'POST',
      url: `/v1/stores/${t.store}/health`,
      payload: {
        agentVersion: '0.1.0',
        sentAt: new Date().toISOString(),
        backlog: { pending: 0, oldestPendingAt: null },
        devices: [],
        diskFreeBytes: null,
        clockOffsetMs: null,
      },
    }),
  },
  'GET /v1/fleet': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/fleet?tenantId=${t.tenant}` }),
  },
  'GET /v1/stores/:storeId/health': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/stores/${t.store}/health` }),
  },
  'GET /v1/stores/:storeId/backlog': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/stores/${t.store}/backlog` }),
  },
  'POST /v1/stores/:storeId/replication/batches': {
    ok: 200,
    req: (t) => ({
      method: 'POST',
      url: `/v1/stores/${t.store}/replication/batches`,
      payload: { records: [{ seq: 1, movement: firstRecord.get(t.store) }] },
    }),
  },
  'GET /v1/stores/:storeId/changes': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/stores/${t.store}/changes?after=0&waitSeconds=0` }),
  },
  'GET /v1/stores/:storeId/movements': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/stores/${t.store}/movements?afterSeq=0` }),
  },
  'GET /v1/stock': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/stock?sku=SKU-1&tenantId=${t.tenant}` }),
  },
  'POST /v1/reservations': {
    ok: 201,
    req: (t) => ({
      method: 'POST',
      url: '/v1/reservations',
      payload: { storeId: t.store, sku: 'SKU-1', qty: 1, ref: `order-${randomUUID()}` },
    }),
  },
  'GET /v1/reservations/:id': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/reservations/${t.reservation}` }),
  },
  'POST /v1/price-changes': {
    ok: 201,
    req: (t) => ({
      method: 'POST',
      url: '/v1/price-changes',
      payload: {
        id: `pc-${randomUUID()}`,
        tenantId: t.tenant,
        effectiveAt: '2030-01-01T06:00',
        changes: [{ sku: 'SKU-1', amount: '1.10', currency: 'EUR' }],
      },
    }),
  },
  'GET /v1/price-changes': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/price-changes?tenantId=${t.tenant}&status=scheduled` }),
  },
  'GET /v1/price-changes/:id': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/price-changes/${SEED_PRICE_CHANGE[t.tenant]}` }),
  },
  'GET /v1/price-changes/:id/lines': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/price-changes/${SEED_PRICE_CHANGE[t.tenant]}/lines` }),
  },
  'PUT /v1/promotions/:id': {
    ok: 200,
    req: (t) => ({
      method: 'PUT',
      url: '/v1/promotions/promo-1',
      payload: {
        tenantId: t.tenant,
        name: 'Ten off',
        startsAt: '2030-01-01T00:00',
        endsAt: '2030-01-08T00:00',
        skus: ['SKU-1'],
        rule: { kind: 'percent', value: 10 },
      },
    }),
  },
  'GET /v1/promotions': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/promotions?tenantId=${t.tenant}` }),
  },
  'GET /v1/label-readiness': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/label-readiness?tenantId=${t.tenant}` }),
  },
  'POST /v1/stores/:storeId/label-reports': {
    ok: 200,
    req: (t) => ({
      method: 'POST',
      url: `/v1/stores/${t.store}/label-reports`,
      payload: { priceChangeIds: [SEED_PRICE_CHANGE[t.tenant]], printedAt: new Date().toISOString() },
    }),
  },
  'POST /v1/webhooks': {
    ok: 201,
    req: (t) => ({
      method: 'POST',
      url: '/v1/webhooks',
      payload: {
        url: 'http://127.0.0.1:9/hook',
        secret: 'a-webhook-secret-0123',
        events: ['reservation.changed'],
        tenantId: t.tenant,
      },
    }),
  },
  'POST /v1/deliveries': {
    ok: 201,
    req: (t) => ({
      method: 'POST',
      url: '/v1/deliveries',
      payload: { id: `PO-${randomUUID()}`, storeId: t.store, lines: [{ sku: 'SKU-1', qty: 2 }] },
    }),
  },
  'GET /v1/deliveries': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/deliveries?storeId=${t.store}` }),
    foreignEmpty: (body) => (JSON.parse(body) as { deliveries: unknown[] }).deliveries.length === 0,
  },
  'GET /v1/deliveries/:id': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/deliveries/PO-${t.store}` }),
  },
  'PUT /v1/stores/:storeId/receipts/:deliveryId': {
    ok: 200,
    req: (t) => ({
      method: 'PUT',
      url: `/v1/stores/${t.store}/receipts/PO-${t.store}`,
      payload: {
        closedAt: '2026-11-01T12:00:00.000Z',
        closedBy: 'anna',
        asOfSeq: 1,
        lines: [{ sku: 'SKU-1', expected: 3, received: 0, damaged: 0, short: 3, over: 0 }],
      },
    }),
  },
  'PUT /v1/stores/:storeId/transfers/:id': {
    ok: 200,
    req: (t) => ({
      method: 'PUT',
      url: `/v1/stores/${t.store}/transfers/TR-${t.store}`,
      payload: {
        toStoreId: t.spare,
        shippedAt: '2026-11-01T12:00:00.000Z',
        asOfSeq: 1,
        lines: [{ sku: 'SKU-1', qty: 1 }],
      },
    }),
  },
  'GET /v1/transfers': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/transfers?storeId=${t.store}` }),
    foreignEmpty: (body) => (JSON.parse(body) as { transfers: unknown[] }).transfers.length === 0,
  },
  'GET /v1/transfers/:id': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/transfers/TR-${t.store}` }),
  },
  'PUT /v1/stores/:storeId/reorder-rules': {
    ok: 200,
    req: (t) => ({
      method: 'PUT',
      url: `/v1/stores/${t.store}/reorder-rules`,
      payload: { rules: [{ sku: 'SKU-1', min: 2, max: 10 }] },
    }),
  },
  'GET /v1/stores/:storeId/reorder-rules': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/stores/${t.store}/reorder-rules` }),
  },
  'POST /v1/replenishment/runs': {
    ok: 201,
    req: (t) => ({ method: 'POST', url: '/v1/replenishment/runs', payload: { storeIds: [t.store] } }),
  },
  'GET /v1/replenishment/runs': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/replenishment/runs?tenantId=${t.tenant}` }),
    foreignEmpty: (body) => (JSON.parse(body) as { runs: unknown[] }).runs.length === 0,
  },
  'GET /v1/replenishment/runs/:id': {
    ok: 200,
    req: (t) => ({ method: 'GET', url: `/v1/replenishment/runs/${t.run}` }),
  },
  'POST /v1/replenishment/runs/:id/approve': {
    ok: 200,
    req: (t) => ({ method: 'POST', url: `/v1/replenishment/runs/${t.run}/approve`, payload: {} }),
  },
};

let cloud: TestCloud;
let idp: TestOidcProvider;
let foreignIdp: TestOidcProvider;
const storeTokens: Record<string, string> = {};
const targets: Record<'a1' | 'a3' | 'b1', Target> = {
  a1: { tenant: 'acme', store: 'a1', reservation: '', run: '', spare: 'a9' },
  a3: { tenant: 'acme', store: 'a3', reservation: '', run: '', spare: 'a9' },
  b1: { tenant: 'bolt', store: 'b1', reservation: '', run: '', spare: 'b9' },
};

/** People and integrations: one per role in tenant acme, an hq-admin of bolt, a two-store viewer. */
const people: Record<string, { tenant: string; roles: Role[]; stores?: string[]; ttlSeconds?: number }> = {
  ...Object.fromEntries(ROLES.map((r) => [`acme-${r}`, { tenant: 'acme', roles: [r] }])),
  'acme-none': { tenant: 'acme', roles: [] },
  'bolt-hq-admin': { tenant: 'bolt', roles: ['hq-admin'] },
  'acme-two-stores': { tenant: 'acme', roles: ['viewer', 'buyer'], stores: ['a1', 'a2'] },
  'acme-short': { tenant: 'acme', roles: ['viewer'], ttlSeconds: 1 },
};
const tokens: Record<string, string> = {};

beforeAll(async () => {
  idp = await startOidcProvider({ machines: people, otherAudiences: ['https://another-api.test'] });
  foreignIdp = await startOidcProvider({ machines: people });
  cloud = await startTestCloud(inject('mysqlUrl'), {
    oidc: {
      issuer: idp.issuer,
      audience: idp.audience,
      clientId: idp.consoleClientId,
      ...OIDC_DEFAULTS,
      // No leeway, so a one-second token is expired two seconds later; refetch keys at once.
      clockSkewSeconds: 0,
      jwksCooldownSeconds: 0,
    },
  });
  for (const [tenant, stores] of [
    ['acme', ['a1', 'a2', 'a3', 'a9']],
    ['bolt', ['b1', 'b9']],
  ] as const) {
    for (const s of stores) storeTokens[s] = (await createTenantAndStore(cloud.app, tenant, s)).token;
  }
  // SKU-1 in both catalogs: deliveries name catalog items.
  for (const tenantId of ['acme', 'bolt']) {
    const r = await cloud.app.inject({
      method: 'PUT',
      url: '/v1/items/SKU-1',
      headers: admin,
      payload: { tenantId, name: 'Apples', gtins: [], price: { amount: '1.00', currency: 'EUR' } },
    });
    expect(r.statusCode, r.body).toBe(200);
  }
  // Stock of SKU-1 in every store (its first movement), and a reservation in a1, a3 and b1.
  for (const s of ['a1', 'a2', 'a3', 'b1']) {
    const m = movement({ qty: 10 });
    firstRecord.set(s, m);
    const r = await cloud.app.inject({
      method: 'POST',
      url: `/v1/stores/${s}/replication/batches`,
      headers: bearer(storeTokens[s] as string),
      payload: { records: [{ seq: 1, movement: m }] },
    });
    expect(r.statusCode, r.body).toBe(200);
  }
  for (const t of Object.values(targets)) {
    const r = await cloud.app.inject({
      method: 'POST',
      url: '/v1/reservations',
      headers: admin,
      payload: { storeId: t.store, sku: 'SKU-1', qty: 1, ref: 'seed' },
    });
    expect(r.statusCode, r.body).toBe(201);
    t.reservation = r.json<{ id: string }>().id;
    // An expected delivery PO-<store>, a transfer TR-<store> it shipped (seq 1 is applied), a run.
    const d = await cloud.app.inject({
      method: 'POST',
      url: '/v1/deliveries',
      headers: admin,
      payload: { id: `PO-${t.store}`, storeId: t.store, lines: [{ sku: 'SKU-1', qty: 3 }] },
    });
    expect(d.statusCode, d.body).toBe(201);
    const tr = await call('PUT /v1/stores/:storeId/transfers/:id', t, bearer(storeTokens[t.store] as string));
    expect(tr.statusCode, tr.body).toBe(200);
    const run = await call('POST /v1/replenishment/runs', t, admin);
    expect(run.statusCode, run.body).toBe(201);
    t.run = run.json<{ id: string }>().id;
  }
  for (const [tenant, id] of Object.entries(SEED_PRICE_CHANGE)) {
    const r = await cloud.app.inject({
      method: 'POST',
      url: '/v1/price-changes',
      headers: admin,
      payload: {
        id,
        tenantId: tenant,
        effectiveAt: '2030-01-01T06:00',
        changes: [{ sku: 'SKU-1', amount: '1.20', currency: 'EUR' }],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
  }
  for (const id of Object.keys(people)) tokens[id] = await idp.token(id);
}, 120_000);

afterAll(async () => {
  await cloud?.close();
  await idp?.stop();
  await foreignIdp?.stop();
});

async function call(route: RouteKey, target: Target, authorization: Record<string, string>) {
  const { method, url, payload } = CASES[route].req(target);
  return cloud.app.inject({ method, url, headers: authorization, ...(payload ? { payload } : {}) });
}

type Caller =
  | { kind: 'admin' }
  | { kind: 'store'; store: string }
  | { kind: 'person'; roles: readonly Role[] };

/** What the matrix says a caller gets on a target of its own tenant: success or 403. */
function expected(access: Access, caller: Caller, target: Target): 'ok' | 403 {
  if (access.who === 'public') return 'ok';
  if (access.who === 'admin') return caller.kind === 'admin' ? 'ok' : 403;
  if (access.who === 'store') return caller.kind === 'store' && caller.store === target.store ? 'ok' : 403;
  if (caller.kind === 'admin') return 'ok';
  if (caller.kind === 'store') return access.store && caller.store === target.store ? 'ok' : 403;
  return caller.roles.includes('hq-admin') || caller.roles.some((r) => access.roles.includes(r)) ? 'ok' : 403;
}

const routeKeys = Object.keys(ACCESS) as RouteKey[];

describe('every /v1 route against the role matrix (real provider, real MariaDB)', () => {
  it('has a row in the matrix and a case here for every route the app registers', async () => {
    const doc = (await cloud.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const registered = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      )
      .sort();
    expect(registered).toEqual([...routeKeys].sort());
    expect(Object.keys(CASES).sort()).toEqual([...routeKeys].sort());
  });

  it('answers each caller in its own tenant what the matrix says: success or 403', async () => {
    const callers: Array<[string, Caller, Record<string, string>]> = [
      ['admin token', { kind: 'admin' }, admin],
      ['store a1 token', { kind: 'store', store: 'a1' }, bearer(storeTokens.a1 as string)],
      ...ROLES.map(
        (r) =>
          [`acme ${r}`, { kind: 'person', roles: [r] }, bearer(tokens[`acme-${r}`] as string)] as [
            string,
            Caller,
            Record<string, string>,
          ],
      ),
      ['acme without roles', { kind: 'person', roles: [] }, bearer(tokens['acme-none'] as string)],
    ];
    const failures: string[] = [];
    let checked = 0;
    for (const route of routeKeys) {
      for (const [name, caller, auth] of callers) {
        const want = expected(ACCESS[route], caller, targets.a1);
        const res = await call(route, targets.a1, auth);
        const wantStatus = want === 'ok' ? CASES[route].ok : 403;
        checked++;
        if (res.statusCode !== wantStatus)
          failures.push(
            `${route} as ${name}: ${res.statusCode} (want ${wantStatus}) ${res.body.slice(0, 200)}`,
          );
        else if (wantStatus === 403)
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(routeKeys.length * callers.length);
  });

  it("answers tenant B's people 404 on tenant A's resources, and B's store 403 on A's store", async () => {
    const failures: string[] = [];
    for (const route of routeKeys) {
      const access: Access = ACCESS[route];
      if (access.who === 'admin' || access.who === 'public') continue; // 403 above / nothing of a tenant's
      if (access.who === 'roles') {
        const res = await call(route, targets.a1, bearer(tokens['bolt-hq-admin'] as string));
        const foreignEmpty = CASES[route].foreignEmpty;
        if (foreignEmpty) {
          if (res.statusCode !== 200 || !foreignEmpty(res.body))
            failures.push(`${route} as bolt hq-admin on acme: ${res.statusCode} ${res.body.slice(0, 200)}`);
        } else if (res.statusCode !== 404)
          failures.push(`${route} as bolt hq-admin on acme: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
      if (access.who === 'store' || access.store) {
        // CONTRACT.md: another store's token answers 403.
        const res = await call(route, targets.a1, bearer(storeTokens.b1 as string));
        if (res.statusCode !== 403) failures.push(`${route} as store b1 on a1: ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
    // Its own resources it reaches (the same routes, tenant B's target).
    const own = await call('GET /v1/reservations/:id', targets.b1, bearer(tokens['bolt-hq-admin'] as string));
    expect(own.statusCode).toBe(200);
  });

  it('shows a person scoped to two stores only those two', async () => {
    const two = bearer(tokens['acme-two-stores'] as string);
    const stock = await cloud.app.inject({ method: 'GET', url: '/v1/stock?sku=SKU-1', headers: two });
    expect(stock.statusCode).toBe(200);
    expect(
      stock
        .json<{ stores: Array<{ storeId: string }> }>()
        .stores.map((s) => s.storeId)
        .sort(),
    ).toEqual(['a1', 'a2']);
    // The tenant's other stores are as absent as another tenant's.
    for (const route of [
      'GET /v1/stores/:storeId/movements',
      'GET /v1/reservations/:id',
      'POST /v1/reservations',
    ] as const) {
      expect((await call(route, targets.a3, two)).statusCode, route).toBe(404);
      expect((await call(route, targets.a1, two)).statusCode, route).toBe(CASES[route].ok);
    }
    // The whole tenant sees all of them.
    const all = await cloud.app.inject({
      method: 'GET',
      url: '/v1/stock?sku=SKU-1',
      headers: bearer(tokens['acme-viewer'] as string),
    });
    expect(
      all
        .json<{ stores: Array<{ storeId: string }> }>()
        .stores.map((s) => s.storeId)
        .sort(),
    ).toEqual(['a1', 'a2', 'a3']);
  });

  it('answers 401 problem+json to expired, wrong-audience, wrong-issuer and unsigned tokens on every route', async () => {
    const claims = {
      iss: idp.issuer,
      aud: idp.audience,
      sub: 'mallory',
      tenant: 'acme',
      roles: ['hq-admin'],
    };
    const bad: Record<string, string> = {
      'wrong audience': await idp.token('acme-hq-admin', { resource: 'https://another-api.test' }),
      'wrong issuer': await foreignIdp.token('acme-hq-admin'),
      unsigned: new UnsecuredJWT(claims).setExpirationTime('5m').encode(),
      'not a token at all': 'set_not-a-store-token',
    };
    const short = await idp.token('acme-short');
    await new Promise((r) => setTimeout(r, 2100));
    bad.expired = short;
    const failures: string[] = [];
    for (const route of routeKeys) {
      const access: Access = ACCESS[route];
      if (access.who === 'public') continue;
      for (const [name, token] of Object.entries(bad)) {
        const res = await call(route, targets.a1, bearer(token));
        if (
          res.statusCode !== 401 ||
          !/^application\/problem\+json/.test(String(res.headers['content-type']))
        )
          failures.push(`${route} with ${name}: ${res.statusCode}`);
        else expect(res.headers['www-authenticate']).toBe('Bearer');
      }
      const none = await call(route, targets.a1, {});
      if (none.statusCode !== 401) failures.push(`${route} without a token: ${none.statusCode}`);
    }
    expect(failures).toEqual([]);
  });

  it('takes tokens signed with a new key after the provider rotates it, without a restart', async () => {
    const before = await idp.token('acme-viewer');
    const oldKid = idp.kid;
    await idp.rotateKeys();
    expect(idp.kid).not.toBe(oldKid);
    const after = await idp.token('acme-viewer');
    expect(JSON.parse(Buffer.from(after.split('.')[0] as string, 'base64url').toString()).kid).toBe(idp.kid);
    const res = await call('GET /v1/stock', targets.a1, bearer(after));
    expect(res.statusCode, res.body).toBe(200);
    expect((await call('GET /v1/stock', targets.a1, bearer(before))).statusCode).toBe(200);
  });
});
