// Reorder rules and replenishment runs (CONTRACT.md v2 "Deliveries, transfers, replenishment";
// docs/replenishment.md). Buyers (and hq-admin, and the admin token) only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PROBLEM_CODES } from '@store-edge/protocol';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { READERS, requireRole, type Scope } from '../../../auth.js';
import type { Pool } from '../../../db.js';
import { cloudProblem, notFound } from '../../../problem.js';
import { approveRun, getRun, listRuns } from '../../../replenishment/approve.js';
import { listRules, MAX_RULES_PER_PUT, putRules } from '../../../replenishment/rules.js';
import { runReplenishment, tenantOfStores } from '../../../replenishment/run.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

export interface ReplenishmentRoutesOptions {
  /** A store whose last applied batch is older than this is held back (default 120). */
  maxLagMinutes?: number;
  /** The clock lag and lease times are read from (default the system clock). */
  now?: () => Date;
}

/** Units bound for rules (a pack is at most 100,000 units: protocol LIMITS.packQty). */
const Units = Type.Integer({ minimum: 0, maximum: 1_000_000 });

const RuleSchema = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 128 }),
    min: Units,
    max: Units,
    multiple: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'default 1' })),
    leadDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
  },
  { additionalProperties: false },
);

const StoredRuleSchema = Type.Object({
  sku: Type.String(),
  min: Type.Integer(),
  max: Type.Integer(),
  multiple: Type.Integer(),
  leadDays: Type.Union([Type.Integer(), Type.Null()]),
});

const ProposalSchema = Type.Object({
  storeId: Type.String(),
  sku: Type.String(),
  qty: Type.Integer({ minimum: 1 }),
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  onOrder: Type.Integer(),
  inTransit: Type.Integer(),
});

const HeldBackSchema = Type.Object({ storeId: Type.String(), reason: Type.String() });

const RunSchema = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  storesTotal: Type.Integer(),
  storesDone: Type.Integer(),
  proposals: Type.Array(ProposalSchema),
  heldBack: Type.Array(HeldBackSchema),
});

const RunId = Type.String({ format: 'uuid' });
const StoreIds = Type.Array(Id, { minItems: 1, maxItems: 10_000 });
const BUYERS = ['buyer'] as const;

/** The tenant a run is for: the person's, or (admin token) the body's or the named stores'. */
async function runTenant(
  pool: Pool,
  scope: Scope,
  body: { tenantId?: string; storeIds?: string[] },
): Promise<string> {
  if (scope.tenantId !== null) {
    if (body.tenantId !== undefined && body.tenantId !== scope.tenantId)
      throw notFound(`no tenant '${body.tenantId}'`);
    return scope.tenantId;
  }
  if (body.tenantId !== undefined) return body.tenantId;
  if (body.storeIds) return tenantOfStores(pool, body.storeIds);
  throw cloudProblem(PROBLEM_CODES.validation, 'which tenant?', {
    errors: [
      { path: '/tenantId', message: 'required with the admin token unless storeIds names the stores' },
    ],
  });
}

/** Every member of these bodies is optional: a request without a body means `{}`. */
async function emptyBodyIsEmptyObject(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

const plugin: FastifyPluginAsyncTypebox<ReplenishmentRoutesOptions> = async (fastify, opts) => {
  const { pool, notifier } = fastify;
  const now = opts.now ?? (() => new Date());
  const maxLagMinutes = opts.maxLagMinutes ?? 120;

  fastify.put(
    '/stores/:storeId/reorder-rules',
    {
      schema: {
        summary: "Replace the listed skus' reorder rules of a store (buyer)",
        tags: ['replenishment'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        body: Type.Object(
          { rules: Type.Array(RuleSchema, { minItems: 1, maxItems: MAX_RULES_PER_PUT }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ storeId: Type.String(), replaced: Type.Integer() }),
          ...problems([...EVERY_V1_ROUTE, 404, 413], { 404: 'no such store (or not yours)' }),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), BUYERS);
      const replaced = await putRules(pool, scope, request.params.storeId, request.body.rules);
      return { storeId: request.params.storeId, replaced };
    },
  );

  fastify.get(
    '/stores/:storeId/reorder-rules',
    {
      schema: {
        summary: "A store's reorder rules in sku order, a page at a time (tenant roles)",
        tags: ['replenishment'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        querystring: Type.Object({
          afterSku: Type.Optional(Type.String({ maxLength: 128 })),
          limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
        }),
        response: {
          200: Type.Object({
            storeId: Type.String(),
            rules: Type.Array(StoredRuleSchema),
            nextAfterSku: Type.Union([Type.String(), Type.Null()], {
              description: 'pass as afterSku for the next page; null on the last',
            }),
          }),
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'no such store (or not yours)' }),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      const page = await listRules(
        pool,
        scope,
        request.params.storeId,
        request.query.afterSku,
        request.query.limit,
      );
      return { storeId: request.params.storeId, ...page };
    },
  );

  fastify.post(
    '/replenishment/runs',
    {
      preValidation: emptyBodyIsEmptyObject,
      schema: {
        summary: "Run replenishment for a tenant's stores (buyer): proposals and stores held back",
        description:
          'One run at a time per tenant across replicas: while one runs, another answers 409 `run-in-progress` naming it. ' +
          'Stores whose last applied batch is older than STORE_EDGE_REPLENISH_MAX_LAG_MINUTES, or that never replicated, are held back.',
        tags: ['replenishment'],
        security: bearer,
        body: Type.Object(
          {
            storeIds: Type.Optional(StoreIds),
            tenantId: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
        response: {
          201: RunSchema,
          ...problems([...EVERY_V1_ROUTE, 404, 409], {
            404: 'a named store or tenant does not exist (or is not yours)',
            409: '`code: run-in-progress`: another run of this tenant holds the lease (`runId`, `retryAfter`)',
          }),
        },
      },
    },
    async (request, reply) => {
      const scope = requireRole(await fastify.authenticate(request), BUYERS);
      const body = request.body;
      const tenantId = await runTenant(pool, scope, body);
      try {
        const summary = await runReplenishment(pool, {
          tenantId,
          ...(body.storeIds ? { storeIds: [...new Set(body.storeIds)] } : {}),
          scope,
          now,
          maxLagMinutes,
        });
        return reply.code(201).send(await getRun(pool, scope, summary.id));
      } catch (err) {
        const retryAfter = (err as { extra?: { retryAfter?: unknown } }).extra?.retryAfter;
        if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
        throw err;
      }
    },
  );

  fastify.get(
    '/replenishment/runs',
    {
      schema: {
        summary: 'Replenishment runs, newest first, without their proposals (tenant roles)',
        tags: ['replenishment'],
        security: bearer,
        querystring: Type.Object({
          tenantId: Type.Optional(Id),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
        }),
        response: {
          200: Type.Object({
            runs: Type.Array(
              Type.Object({
                id: Type.String(),
                tenantId: Type.String(),
                status: RunSchema.properties.status,
                startedAt: Type.String({ format: 'date-time' }),
                finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
                storesTotal: Type.Integer(),
                storesDone: Type.Integer(),
                proposals: Type.Integer({ description: 'proposal lines' }),
              }),
            ),
          }),
          ...problems(EVERY_V1_ROUTE),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      return { runs: await listRuns(pool, scope, request.query.tenantId, request.query.limit) };
    },
  );

  fastify.get(
    '/replenishment/runs/:id',
    {
      schema: {
        summary:
          'A replenishment run: status, proposals in (store, sku) order, stores held back (tenant roles)',
        tags: ['replenishment'],
        security: bearer,
        params: Type.Object({ id: RunId }),
        querystring: Type.Object({ storeId: Type.Optional(Id) }),
        response: {
          200: RunSchema,
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'no such run (or not yours)' }),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      return getRun(pool, scope, request.params.id, request.query.storeId);
    },
  );

  fastify.post(
    '/replenishment/runs/:id/approve',
    {
      preValidation: emptyBodyIsEmptyObject,
      schema: {
        summary:
          'Approve a run (buyer): one purchase delivery per store; approving twice creates nothing new',
        tags: ['replenishment'],
        security: bearer,
        params: Type.Object({ id: RunId }),
        body: Type.Object({ storeIds: Type.Optional(StoreIds) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            runId: Type.String(),
            deliveries: Type.Array(
              Type.Object({
                storeId: Type.String(),
                id: Type.String({ description: 'the delivery id: R-<runId>-<storeId>' }),
                status: Type.Union([Type.Literal('created'), Type.Literal('existed')]),
                lines: Type.Integer(),
              }),
            ),
          }),
          ...problems([...EVERY_V1_ROUTE, 404, 409], {
            404: 'no such run (or not yours)',
            409: '`code: run-not-done`: the run is still running or failed',
          }),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), BUYERS);
      const result = await approveRun(pool, scope, request.params.id, request.body.storeIds, now());
      if (result.deliveries.some((d) => d.status === 'created')) notifier.notify(result.tenantId);
      return { runId: result.runId, deliveries: result.deliveries };
    },
  );
};

export default plugin;
