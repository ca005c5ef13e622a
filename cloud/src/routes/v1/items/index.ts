// The catalog: items and their prices (admin); changes reach the tenant's stores via the feed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MovementFields, NetContentSchema, PackSchema, PriceSchema } from '@store-edge/protocol';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { putItem } from '../../../admin.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool, notifier } = fastify;

  fastify.put(
    '/items/:sku',
    {
      schema: {
        summary: 'Catalog entry and price (merchandiser); reaches the tenant stores via the change feed',
        tags: ['catalog'],
        security: bearer,
        params: Type.Object({ sku: MovementFields.sku }),
        body: Type.Object(
          {
            tenantId: Id,
            name: Type.String({ minLength: 1, maxLength: 255 }),
            gtins: Type.Array(Type.String({ pattern: '^[0-9]{8,14}$' }), { maxItems: 100 }),
            packs: Type.Optional(Type.Array(PackSchema, { maxItems: 100 })),
            price: PriceSchema,
            netContent: Type.Optional(NetContentSchema),
            moveGtins: Type.Optional(
              Type.Boolean({ description: 'take GTINs that belong to another sku away from it' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ sku: Type.String(), changed: Type.Boolean() }),
          ...problems([...EVERY_V1_ROUTE, 404, 409, 413], {
            404: 'the tenant does not exist (or is not yours)',
            409: '`code: gtin-conflict`: a GTIN belongs to another sku (`sku`, `errors[]` name it); send `moveGtins: true` to move it',
          }),
        },
      },
    },
    async (request) => {
      const scope = allow(await fastify.authenticate(request), 'PUT /v1/items/:sku');
      const result = await putItem(pool, request.params.sku, request.body, scope);
      if (result.changed) notifier.notify(request.body.tenantId);
      return { sku: request.params.sku, ...result };
    },
  );
};

export default plugin;
