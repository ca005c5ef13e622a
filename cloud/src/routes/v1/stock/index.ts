// Cross-store stock (admin).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { stockBySku } from '../../../admin.js';
import { requireAdmin } from '../../../auth.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

const StockRowSchema = Type.Object({
  tenantId: Type.String(),
  storeId: Type.String(),
  sku: Type.String(),
  location: Type.String(),
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer(),
});

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool } = fastify;

  fastify.get(
    '/stock',
    {
      schema: {
        summary: 'Stock of one sku in every store (admin)',
        tags: ['stock'],
        security: bearer,
        querystring: Type.Object({ sku: Type.String({ minLength: 1 }), tenantId: Type.Optional(Id) }),
        response: {
          200: Type.Object({ sku: Type.String(), stores: Type.Array(StockRowSchema) }),
          ...problems(EVERY_V1_ROUTE),
        },
      },
    },
    async (request) => {
      requireAdmin(await fastify.authenticate(request));
      return {
        sku: request.query.sku,
        stores: await stockBySku(pool, request.query.sku, request.query.tenantId),
      };
    },
  );
};

export default plugin;
