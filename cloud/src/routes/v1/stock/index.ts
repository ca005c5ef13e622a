// Cross-store stock (admin).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { stockBySku } from '../../../admin.js';
import { inScope } from '../../../auth.js';
import { notFound } from '../../../problem.js';
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
        summary:
          'Stock of one sku in every store the caller may see (any tenant role; a `stores` claim narrows it)',
        tags: ['stock'],
        security: bearer,
        querystring: Type.Object({ sku: Type.String({ minLength: 1 }), tenantId: Type.Optional(Id) }),
        response: {
          200: Type.Object({ sku: Type.String(), stores: Type.Array(StockRowSchema) }),
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'the tenant named is not yours' }),
        },
      },
    },
    async (request) => {
      const scope = allow(await fastify.authenticate(request), 'GET /v1/stock');
      const { tenantId } = request.query;
      // Naming another tenant is asking for its resource: 404, as if it did not exist.
      if (tenantId !== undefined && !inScope(scope, tenantId, null))
        throw notFound(`tenant '${tenantId}' does not exist`);
      return {
        sku: request.query.sku,
        stores: await stockBySku(pool, request.query.sku, request.query.tenantId, scope),
      };
    },
  );
};

export default plugin;
