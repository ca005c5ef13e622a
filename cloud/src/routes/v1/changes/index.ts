// The change feed cloud → edge (long poll): catalog, prices, reservations for that store.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ChangeFeedSchema, MAX_WAIT_SECONDS } from '@store-edge/protocol';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { requireStore } from '../../../auth.js';
import { readChanges } from '../../../changes.js';
import { ReceiptTracker } from '../../../prices/store.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool, notifier, closing } = fastify;
  const receipts = new ReceiptTracker(pool);

  fastify.get(
    '/stores/:storeId/changes',
    {
      schema: {
        summary: 'Change feed for that store (long poll)',
        tags: ['changes'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        querystring: Type.Object({
          after: Type.Integer({ minimum: 0, default: 0 }),
          waitSeconds: Type.Integer({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 500 }),
        }),
        response: { 200: ChangeFeedSchema, ...problems(EVERY_V1_ROUTE) },
      },
    },
    async (request, reply) => {
      const p = await fastify.authenticate(request);
      allow(p, 'GET /v1/stores/:storeId/changes', request.params.storeId);
      const store = requireStore(p, request.params.storeId);
      // Everything up to `after` is applied at the store: its price changes are received.
      await receipts.polled(store.storeId, request.query.after);
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      return readChanges(pool, notifier, store.tenantId, store.storeId, {
        after: request.query.after,
        waitSeconds: request.query.waitSeconds,
        limit: request.query.limit,
        signal: AbortSignal.any([gone.signal, closing]),
      });
    },
  );
};

export default plugin;
