// Reading prices over time for the head-office console (issue 19): scheduled price changes with
// their readiness counts, a change's lines, promotions, and label readiness per store. Any tenant
// role reads its tenant; a person scoped to some stores counts only those.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PRICE_CHANGE_ID, PromotionRuleSchema } from '@store-edge/protocol';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { inScope, type Scope } from '../../../auth.js';
import {
  labelReadiness,
  listPriceChanges,
  listPromotions,
  PRICE_CHANGE_LIST_MAX,
  priceChangeLines,
} from '../../../prices/lists.js';
import { notFound } from '../../../problem.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

const Status = (dflt: 'all' | 'scheduled') =>
  Type.Union([Type.Literal('scheduled'), Type.Literal('effective'), Type.Literal('all')], {
    default: dflt,
    description:
      '`scheduled`: its effective moment is still ahead at some store (a local date-time counts as ahead until it has passed in UTC−12); `effective`: passed everywhere',
  });

const Summary = Type.Object({
  id: Type.String(),
  tenantId: Type.String(),
  effectiveAt: Type.String(),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('effective')]),
  createdAt: Type.String({ format: 'date-time' }),
  lines: Type.Integer(),
  stores: Type.Integer({ description: 'stores in your scope it goes to' }),
  received: Type.Integer({ description: 'of those, stores that have received it' }),
  printed: Type.Integer({ description: 'of those, stores that have printed its labels' }),
});

/** Naming another tenant is asking for its resource: 404, as if it did not exist. */
function checkTenant(scope: Scope, tenantId: string | undefined): void {
  if (tenantId !== undefined && !inScope(scope, tenantId, null))
    throw notFound(`tenant '${tenantId}' does not exist`);
}

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool } = fastify;

  fastify.get(
    '/price-changes',
    {
      schema: {
        summary: 'Price changes, newest first, with how many stores received them and printed their labels',
        tags: ['prices'],
        security: bearer,
        querystring: Type.Object({
          tenantId: Type.Optional(Id),
          status: Status('all'),
          limit: Type.Integer({ minimum: 1, maximum: PRICE_CHANGE_LIST_MAX, default: 100 }),
        }),
        response: {
          200: Type.Object({ priceChanges: Type.Array(Summary) }),
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'the tenant named is not yours' }),
        },
      },
    },
    async (request) => {
      const scope = allow(await fastify.authenticate(request), 'GET /v1/price-changes');
      const { tenantId, status, limit } = request.query;
      checkTenant(scope, tenantId);
      return {
        priceChanges: await listPriceChanges(pool, scope, {
          ...(tenantId !== undefined ? { tenantId } : {}),
          status,
          limit,
        }),
      };
    },
  );

  fastify.get(
    '/price-changes/:id/lines',
    {
      schema: {
        summary: "A price change's lines in sku order (amounts as exact decimal strings)",
        tags: ['prices'],
        security: bearer,
        params: Type.Object({ id: PRICE_CHANGE_ID }),
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }) }),
        response: {
          200: Type.Object({
            id: Type.String(),
            effectiveAt: Type.String(),
            lineCount: Type.Integer(),
            lines: Type.Array(
              Type.Object({ sku: Type.String(), amount: Type.String(), currency: Type.String() }),
            ),
          }),
          ...problems([...EVERY_V1_ROUTE, 404]),
        },
      },
    },
    async (request) => {
      const scope = allow(await fastify.authenticate(request), 'GET /v1/price-changes/:id/lines');
      const tenantCond = scope.tenantId === null ? '' : ' AND tenant_id = ?';
      const [rows] = await pool.query(
        `SELECT tenant_id, effective_at, line_count FROM price_changes WHERE id = ?${tenantCond}
          ORDER BY tenant_id LIMIT 1`,
        scope.tenantId === null ? [request.params.id] : [request.params.id, scope.tenantId],
      );
      const pc = (rows as Array<{ tenant_id: string; effective_at: string; line_count: number }>)[0];
      if (!pc) throw notFound(`no price change '${request.params.id}'`);
      return {
        id: request.params.id,
        effectiveAt: pc.effective_at,
        lineCount: Number(pc.line_count),
        lines: await priceChangeLines(pool, pc.tenant_id, request.params.id, request.query.limit),
      };
    },
  );

  fastify.get(
    '/promotions',
    {
      schema: {
        summary: "The tenant's promotions, latest start first",
        tags: ['prices'],
        security: bearer,
        querystring: Type.Object({
          tenantId: Type.Optional(Id),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 200 }),
        }),
        response: {
          200: Type.Object({
            promotions: Type.Array(
              Type.Object({
                id: Type.String(),
                tenantId: Type.String(),
                name: Type.String(),
                startsAt: Type.String(),
                endsAt: Type.String(),
                storeIds: Type.Union([Type.Array(Type.String()), Type.Null()], {
                  description: 'null: every store',
                }),
                skus: Type.Array(Type.String()),
                rule: PromotionRuleSchema,
                updatedAt: Type.String({ format: 'date-time' }),
              }),
            ),
          }),
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'the tenant named is not yours' }),
        },
      },
    },
    async (request) => {
      const scope = allow(await fastify.authenticate(request), 'GET /v1/promotions');
      const { tenantId, limit } = request.query;
      checkTenant(scope, tenantId);
      const promotions = await listPromotions(pool, scope, {
        ...(tenantId !== undefined ? { tenantId } : {}),
        limit,
      });
      // The stored rule was checked on the way in (PUT): it is one of the four kinds.
      return { promotions: promotions as Array<(typeof promotions)[number] & { rule: never }> };
    },
  );

  fastify.get(
    '/label-readiness',
    {
      schema: {
        summary: 'Per store: of the scheduled price changes, how many it has received and printed labels for',
        tags: ['prices'],
        security: bearer,
        // The default is what is still ahead: labels matter before the moment, not after.
        querystring: Type.Object({ tenantId: Type.Optional(Id), status: Status('scheduled') }),
        response: {
          200: Type.Object({
            priceChanges: Type.Integer({ description: 'price changes counted' }),
            stores: Type.Array(
              Type.Object({
                storeId: Type.String(),
                name: Type.String(),
                priceChanges: Type.Integer(),
                received: Type.Integer(),
                printed: Type.Integer(),
                nextUnprintedAt: Type.Union([Type.String(), Type.Null()], {
                  description: 'the earliest effectiveAt among those not printed yet',
                }),
              }),
            ),
          }),
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'the tenant named is not yours' }),
        },
      },
    },
    async (request) => {
      const scope = allow(await fastify.authenticate(request), 'GET /v1/label-readiness');
      const { tenantId } = request.query;
      checkTenant(scope, tenantId);
      const { status } = request.query;
      const changes = await listPriceChanges(pool, scope, {
        ...(tenantId !== undefined ? { tenantId } : {}),
        status,
        limit: PRICE_CHANGE_LIST_MAX,
      });
      return { priceChanges: changes.length, stores: await labelReadiness(pool, scope, changes) };
    },
  );
};

export default plugin;
