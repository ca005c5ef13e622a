// Fair request limits on /v1 (issue 17): per store credential and per tenant, so one tenant's
// flood (ten stores catching up a backlog at once) is answered 429 early and cheaply, before
// its bodies are read, and the capacity behind it (the ingest slots of routes/v1/replication,
// the MySQL pool) stays available to the other tenants' stores.
//
// Counting is @fastify/rate-limit's (fixed one-second windows in a bounded LRU, per replica:
// across N replicas a tenant gets up to N × the limit; set it with the replica count in mind).
// This file picks the keys from the authenticated principal and writes the answer fields.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth.js';
import { cloudProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A /v1 route anyone may call without a token (e.g. what the console needs before sign-in):
     * the authenticate-and-count hook below skips it; it must not read tenant data.
     */
    public?: boolean;
  }
}

export interface RequestLimits {
  /** Requests per second per store credential (0: no limit). */
  perStore?: number;
  /** Requests per second per tenant: its stores, people and integrations together (0: no limit). */
  perTenant?: number;
}

/** Keys remembered at most (stores and tenants); the least recently used is forgotten first. */
const MAX_KEYS = 50_000;
const WINDOW_MS = 1000;

type Check = ReturnType<FastifyInstance['createRateLimit']>;
type Outcome = Awaited<ReturnType<Check>>;

/** The principal's limit keys: a store counts toward itself and its tenant; the admin token toward none. */
function keysOf(p: Principal): { store: string | null; tenant: string | null } {
  if (p.kind === 'store') return { store: `store:${p.storeId}`, tenant: `tenant:${p.tenantId}` };
  if (p.kind === 'person') return { store: null, tenant: `tenant:${p.tenantId}` };
  return { store: null, tenant: null };
}

/**
 * The answer fields of draft-ietf-httpapi-ratelimit-headers: the structured `RateLimit-Policy`
 * and `RateLimit` of the current draft (quota `q`, window `w`, remaining `r`, reset `t`), and
 * the older `RateLimit-Limit` / `-Remaining` / `-Reset` that clients of draft 07 read.
 */
function writeFields(reply: FastifyReply, name: string, o: Extract<Outcome, { isAllowed: false }>): void {
  const remaining = Math.max(0, o.remaining);
  const reset = Math.max(0, o.ttlInSeconds);
  reply.header('ratelimit-policy', `"${name}";q=${o.max};w=${Math.round(o.timeWindow / 1000)}`);
  reply.header('ratelimit', `"${name}";r=${remaining};t=${reset}`);
  reply.header('ratelimit-limit', String(o.max));
  reply.header('ratelimit-remaining', String(remaining));
  reply.header('ratelimit-reset', String(reset));
}

/**
 * Adds an onRequest hook to every route of `app` (the /v1 plugin): authenticate (401 before
 * anything else), then count the request against the store credential and its tenant. Over a
 * limit: 429 `rate-limited` with `Retry-After` (RFC 9110 §10.2.3; RFC 6585 §4) in whole seconds.
 */
export async function installRequestLimits(app: FastifyInstance, limits: RequestLimits): Promise<void> {
  const perStore = limits.perStore ?? 0;
  const perTenant = limits.perTenant ?? 0;
  await app.register(rateLimit, { global: false, cache: MAX_KEYS });
  const key = (name: 'store' | 'tenant') => (req: FastifyRequest) => {
    const p = req.principal;
    return (p && keysOf(p)[name]) ?? 'none';
  };
  const storeCheck =
    perStore > 0
      ? app.createRateLimit({ max: perStore, timeWindow: WINDOW_MS, keyGenerator: key('store') })
      : null;
  const tenantCheck =
    perTenant > 0
      ? app.createRateLimit({ max: perTenant, timeWindow: WINDOW_MS, keyGenerator: key('tenant') })
      : null;

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.public === true) return;
    const p = await app.authenticate(request);
    const keys = keysOf(p);
    // The store's own limit first: a store over it is refused without spending its tenant's.
    const checks: Array<[string, Check]> = [];
    if (keys.store && storeCheck) checks.push(['store', storeCheck]);
    if (keys.tenant && tenantCheck) checks.push(['tenant', tenantCheck]);
    let tightest: { name: string; o: Extract<Outcome, { isAllowed: false }> } | null = null;
    for (const [name, check] of checks) {
      const o = await check(request);
      if (o.isAllowed) continue;
      if (o.isExceeded) {
        writeFields(reply, name, o);
        reply.header('retry-after', String(Math.max(1, o.ttlInSeconds)));
        app.metrics.rateLimited.labels(name).inc();
        throw cloudProblem(
          'rate-limited',
          `this ${name === 'store' ? 'store credential' : 'tenant'} sent more than ${o.max} requests in ${o.timeWindow / 1000} s; send again after ${Math.max(1, o.ttlInSeconds)} s`,
          { limit: name },
        );
      }
      if (!tightest || o.remaining < tightest.o.remaining) tightest = { name, o };
    }
    if (tightest) writeFields(reply, tightest.name, tightest.o);
  });
}
