// Who may call which /v1 route: the role matrix, written once (CONTRACT.md "Cloud HTTP API"
// and v2 "Head-office people and machines (OIDC)"). Routes ask `allow(principal, route)` for
// the caller's Scope and put it into their queries (auth.ts scopeWhere), so another tenant's
// rows are never read: they answer 404 as if absent. cloud/src/access.test.ts walks every
// route Fastify has registered against this table.
import { type Principal, READERS, type Role, requireRole, requireStore, type Scope } from './auth.js';
import { forbidden } from './problem.js';

export type Access =
  /** Anyone, no token (route `config: { public: true }`; nothing of a tenant's): e.g. the console's sign-in settings. */
  | { who: 'public' }
  /** The platform operator's static admin token only (creating tenants and stores). */
  | { who: 'admin' }
  /** The store's own credential only (its replication and change feed). */
  | { who: 'store' }
  /**
   * People and integrations with one of `roles` (hq-admin always), and the admin token;
   * `store: true`: that store's own credential too.
   */
  | { who: 'roles'; roles: readonly Role[]; store?: boolean };

const admin = { who: 'admin' } as const;
const store = { who: 'store' } as const;
const roles = (r: readonly Role[], o: { store?: boolean } = {}): Access => ({ who: 'roles', roles: r, ...o });

/** Method and path as Fastify registers them → who may call it. */
export const ACCESS = {
  'POST /v1/tenants': admin,
  'POST /v1/stores': admin,
  // hq-admin manages its tenant's stores' credentials (CONTRACT.md v2: "stores' tokens").
  'POST /v1/stores/:storeId/token/rotate': roles(['hq-admin']),
  'PUT /v1/items/:sku': roles(['merchandiser']),
  'GET /v1/items': roles(READERS),
  'POST /v1/stores/:storeId/replication/batches': store,
  'GET /v1/stores/:storeId/changes': store,
  'GET /v1/stores/:storeId/movements': roles(READERS, { store: true }),
  'GET /v1/stock': roles(READERS),
  'POST /v1/reservations': roles(['buyer']),
  'GET /v1/reservations/:id': roles(READERS),
  'POST /v1/webhooks': roles(['hq-admin']),
  // Fleet (CONTRACT.md v2 "Fleet"): a store reports its own health; any tenant role reads.
  'POST /v1/stores/:storeId/health': store,
  'GET /v1/fleet': roles(READERS),
  'GET /v1/stores/:storeId/health': roles(READERS),
  'GET /v1/stores/:storeId/backlog': roles(READERS),
  // Deliveries and transfers (issue 18, docs/deliveries.md).
  'POST /v1/deliveries': roles(['buyer']),
  'GET /v1/deliveries': roles(READERS),
  'GET /v1/deliveries/:id': roles(READERS),
  'PUT /v1/stores/:storeId/receipts/:deliveryId': store,
  'PUT /v1/stores/:storeId/transfers/:id': store,
  'GET /v1/transfers': roles(READERS),
  'GET /v1/transfers/:id': roles(READERS),
  // Replenishment (issue 18, docs/replenishment.md).
  'PUT /v1/stores/:storeId/reorder-rules': roles(['buyer']),
  'GET /v1/stores/:storeId/reorder-rules': roles(READERS),
  'POST /v1/replenishment/runs': roles(['buyer']),
  'GET /v1/replenishment/runs': roles(READERS),
  'GET /v1/replenishment/runs/:id': roles(READERS),
  'POST /v1/replenishment/runs/:id/approve': roles(['buyer']),
  // Prices over time (CONTRACT.md v2): merchandisers write, any tenant role reads; a store
  // reports its own printed labels.
  'POST /v1/price-changes': roles(['merchandiser']),
  'GET /v1/price-changes': roles(READERS),
  'GET /v1/price-changes/:id': roles(READERS),
  'GET /v1/price-changes/:id/lines': roles(READERS),
  'PUT /v1/promotions/:id': roles(['merchandiser']),
  'GET /v1/promotions': roles(READERS),
  'GET /v1/label-readiness': roles(READERS),
  'POST /v1/stores/:storeId/label-reports': store,
} as const satisfies Record<string, Access>;

export type RouteKey = keyof typeof ACCESS;

/** Everything: the admin token's scope. */
export const ALL: Scope = { tenantId: null, stores: null };

/**
 * The caller's scope on `route` (403 when it may not call it at all). For a store credential
 * the scope is its own store; `storeId` is the store the path names, which a store credential
 * must own (403 otherwise, as before people existed).
 */
export function allow(p: Principal, route: RouteKey, storeId?: string): Scope {
  const a: Access = ACCESS[route];
  // A scope that matches no row (no tenant has an empty id): a public route reads no tenant data.
  if (a.who === 'public') return { tenantId: '', stores: [] };
  if (a.who === 'admin') {
    if (p.kind !== 'admin') throw forbidden('this route needs the admin token (platform operator)');
    return ALL;
  }
  if (a.who === 'store' || (p.kind === 'store' && a.store)) {
    if (storeId === undefined) throw forbidden('this route is not for a store token');
    const s = requireStore(p, storeId);
    return { tenantId: s.tenantId, stores: [s.storeId] };
  }
  return requireRole(p, a.roles);
}
