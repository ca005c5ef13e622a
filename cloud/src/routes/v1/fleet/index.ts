// Fleet (CONTRACT.md v2 "Fleet", docs/fleet.md): stores report their health; head office reads
// the fleet, one store's health and its backlog history.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AT_PATTERN,
  DEVICE_HEALTH_STATUSES,
  HealthAckSchema,
  HealthReportSchema,
  parseInstant,
} from '@store-edge/protocol';
import { Type } from 'typebox';
import { inScope, READERS, requireRole, requireStore } from '../../../auth.js';
import { backlogPoints, type FleetClock, fleet, recordHealth, storeHealth } from '../../../fleet/index.js';
import { cloudProblem, notFound } from '../../../problem.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

export interface FleetRoutesOptions {
  /** The injected clock and the offline window. */
  fleetClock: FleetClock;
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const StoreStatus = Type.Enum(['online', 'offline', 'unknown'], { type: 'string' });

const FleetSchema = Type.Object({
  stores: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      status: StoreStatus,
      lastSeenAt: Nullable(Type.String()),
      pending: Nullable(Type.Integer()),
      oldestPendingAt: Nullable(Type.String()),
      devicesInError: Nullable(Type.Integer()),
      agentVersion: Nullable(Type.String()),
    }),
  ),
});

const StoreHealthSchema = Type.Object({
  storeId: Type.String(),
  name: Type.String(),
  status: StoreStatus,
  lastSeenAt: Nullable(Type.String()),
  statusSince: Nullable(Type.String()),
  agentVersion: Nullable(Type.String()),
  sentAt: Nullable(Type.String({ description: "The store's clock when it sent the latest report" })),
  backlog: Nullable(Type.Object({ pending: Type.Integer(), oldestPendingAt: Nullable(Type.String()) })),
  devices: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String(),
      status: Type.Enum([...DEVICE_HEALTH_STATUSES], { type: 'string' }),
      detail: Nullable(Type.String()),
    }),
  ),
  devicesLeftOut: Type.Integer(),
  devicesInError: Type.Integer(),
  diskFreeBytes: Nullable(Type.Integer()),
  clockOffsetMs: Nullable(Type.Integer({ description: 'Store clock minus cloud clock' })),
  transitions: Type.Array(
    Type.Object({
      status: Type.Enum(['online', 'offline'], { type: 'string' }),
      previous: Type.String(),
      at: Type.String(),
    }),
    { description: 'The latest online/offline transitions, newest first (at most 20)' },
  ),
});

const BacklogSchema = Type.Object({
  points: Type.Array(
    Type.Object({ at: Type.String(), pending: Type.Integer(), oldestPendingAt: Nullable(Type.String()) }),
  ),
});

const plugin: FastifyPluginAsyncTypebox<FleetRoutesOptions> = async (fastify, opts) => {
  const { pool, metrics } = fastify;
  const clock = opts.fleetClock;

  fastify.post(
    '/stores/:storeId/health',
    {
      schema: {
        summary: "A store's health report (that store's token)",
        description:
          'Agent version, backlog, devices with status (printers with their ~HS state), disk free, clock ' +
          'offset. Answers the cloud clock, from which the store measures its offset for the next report.',
        tags: ['fleet'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        body: HealthReportSchema,
        response: { 200: HealthAckSchema, ...problems([...EVERY_V1_ROUTE, 413]) },
      },
      preValidation: async (request) => {
        // The token before the body: another store's token is 403 whatever it sends.
        requireStore(await fastify.authenticate(request), (request.params as { storeId: string }).storeId);
      },
    },
    async (request) => {
      const store = requireStore(await fastify.authenticate(request), request.params.storeId);
      const now = clock.now();
      await recordHealth(pool, store, request.body, now, {
        onRetry: (_err, _attempt, reason) => metrics.txRetries.labels(reason).inc(),
      });
      metrics.healthReports.inc();
      return { receivedAt: now.toISOString() };
    },
  );

  fastify.get(
    '/fleet',
    {
      schema: {
        summary: 'Every store in scope with its status, last seen, backlog and devices in error',
        description:
          '`unknown`: never heard from; `offline`: silent longer than STORE_EDGE_OFFLINE_AFTER_SECONDS. ' +
          'Scoped to the caller (tenant and stores); the admin token sees every tenant, or one with `tenantId`.',
        tags: ['fleet'],
        security: bearer,
        querystring: Type.Object({ tenantId: Type.Optional(Id) }),
        response: {
          200: FleetSchema,
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'the tenant named is not yours' }),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      // Naming another tenant is asking for its resource: 404, as if it did not exist (access.test.ts).
      if (request.query.tenantId !== undefined && !inScope(scope, request.query.tenantId, null))
        throw notFound(`tenant '${request.query.tenantId}' does not exist`);
      const filter = request.query.tenantId === undefined ? {} : { tenantId: request.query.tenantId };
      return { stores: await fleet(pool, scope, clock, filter) };
    },
  );

  fastify.get(
    '/stores/:storeId/health',
    {
      schema: {
        summary: "A store's latest health report and recent online/offline transitions",
        tags: ['fleet'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        response: {
          200: StoreHealthSchema,
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'no such store in your scope' }),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      const view = await storeHealth(pool, scope, request.params.storeId, clock);
      if (!view) throw notFound(`store '${request.params.storeId}' does not exist`);
      return view;
    },
  );

  fastify.get(
    '/stores/:storeId/backlog',
    {
      schema: {
        summary: "A store's backlog over time (the console's chart)",
        description:
          'Points of the highest pending and earliest oldest-pending per bucket: 1 minute for the last day, ' +
          '15 minutes before (kept 7 days). `since` defaults to a day ago.',
        tags: ['fleet'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        querystring: Type.Object({
          since: Type.Optional(Type.String({ pattern: AT_PATTERN, maxLength: 40 })),
        }),
        response: {
          200: BacklogSchema,
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'no such store in your scope' }),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      let since = new Date(clock.now().getTime() - 24 * 3600 * 1000);
      if (request.query.since !== undefined) {
        const parsed = parseInstant(request.query.since);
        if (!parsed.ok) {
          throw cloudProblem('validation', `invalid querystring: since ${parsed.message}`, {
            errors: [{ path: '/querystring/since', message: parsed.message }],
          });
        }
        since = new Date(parsed.ms);
      }
      const points = await backlogPoints(pool, scope, request.params.storeId, since, clock);
      if (!points) throw notFound(`store '${request.params.storeId}' does not exist`);
      return { points };
    },
  );
};

export default plugin;
