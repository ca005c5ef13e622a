// Prices over time (CONTRACT.md v2 "Prices over time", docs/prices.md): regular price changes
// with an effective moment and promotions, sent to the stores ahead of time through the feed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AmountSchema,
  EffectiveAtSchema,
  LIMITS,
  PRICE_CHANGE_ID,
  PROMOTION_MAX_SKUS,
  PromotionRuleSchema,
} from '@store-edge/protocol';
import { Type } from 'typebox';
import { READERS, requireRole } from '../../../auth.js';
import { createPriceChange, priceChangeStatus, putPromotion } from '../../../prices/store.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

/** Lines one POST may carry: a larger batch is sent as several price changes. */
export const MAX_PRICE_CHANGE_LINES = 20_000;
const Sku = Type.String({ minLength: 1, maxLength: LIMITS.sku });
const StoreIds = Type.Array(Id, { minItems: 1, maxItems: 10_000 });

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool, notifier } = fastify;

  fastify.post(
    '/price-changes',
    {
      schema: {
        summary: 'A regular price change with an effective moment (merchandiser)',
        tags: ['prices'],
        security: bearer,
        body: Type.Object(
          {
            id: PRICE_CHANGE_ID,
            tenantId: Id,
            effectiveAt: EffectiveAtSchema,
            storeIds: Type.Optional(StoreIds),
            changes: Type.Array(
              Type.Object(
                { sku: Sku, amount: AmountSchema, currency: Type.String({ pattern: '^[A-Z]{3}$' }) },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: MAX_PRICE_CHANGE_LINES },
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: PriceChangeAnswer('the same id with the same content was posted before: nothing new'),
          201: PriceChangeAnswer('created; on its way to the stores'),
          ...problems([...EVERY_V1_ROUTE, 404, 409, 413], {
            404: 'the tenant does not exist (or is not yours)',
            409: 'a price change with this id exists with other content',
          }),
        },
      },
    },
    async (request, reply) => {
      const scope = requireRole(await fastify.authenticate(request), ['merchandiser']);
      const r = await createPriceChange(pool, scope, request.body);
      if (r.created) notifier.notify(request.body.tenantId);
      return reply.code(r.created ? 201 : 200).send({ id: r.id, stores: r.stores, lines: r.lines });
    },
  );

  fastify.get(
    '/price-changes/:id',
    {
      schema: {
        summary: 'Which stores received a price change and printed its labels',
        tags: ['prices'],
        security: bearer,
        params: Type.Object({ id: PRICE_CHANGE_ID }),
        response: {
          200: Type.Object({
            id: Type.String(),
            effectiveAt: Type.String(),
            stores: Type.Array(
              Type.Object({
                storeId: Type.String(),
                receivedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
                labelsPrintedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
              }),
            ),
          }),
          ...problems([...EVERY_V1_ROUTE, 404]),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      return priceChangeStatus(pool, scope, request.params.id);
    },
  );

  fastify.put(
    '/promotions/:id',
    {
      schema: {
        summary: 'Create or replace a promotion (merchandiser)',
        tags: ['prices'],
        security: bearer,
        params: Type.Object({ id: PRICE_CHANGE_ID }),
        body: Type.Object(
          {
            tenantId: Id,
            name: Type.String({ minLength: 1, maxLength: 255 }),
            startsAt: EffectiveAtSchema,
            endsAt: EffectiveAtSchema,
            storeIds: Type.Optional(StoreIds),
            skus: Type.Array(Sku, { minItems: 1, maxItems: PROMOTION_MAX_SKUS }),
            rule: PromotionRuleSchema,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ id: Type.String(), changed: Type.Boolean() }),
          ...problems([...EVERY_V1_ROUTE, 404, 413], { 404: 'the tenant does not exist (or is not yours)' }),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), ['merchandiser']);
      const r = await putPromotion(pool, scope, request.params.id, request.body);
      if (r.changed) notifier.notify(request.body.tenantId);
      return r;
    },
  );
};

function PriceChangeAnswer(description: string) {
  return Type.Object(
    {
      id: Type.String(),
      stores: Type.Integer({ description: 'stores it goes to' }),
      lines: Type.Integer(),
    },
    { description },
  );
}

export default plugin;
