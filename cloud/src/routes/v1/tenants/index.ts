// Tenants (admin).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { createTenant } from '../../../admin.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool } = fastify;

  fastify.post(
    '/tenants',
    {
      schema: {
        summary: 'Create a tenant (admin)',
        tags: ['admin'],
        security: bearer,
        body: Type.Object({ id: Id, name: Type.String({ minLength: 1, maxLength: 255 }) }),
        response: {
          201: Type.Object({ id: Type.String(), name: Type.String() }),
          ...problems([...EVERY_V1_ROUTE, 409, 413], { 409: 'the tenant exists' }),
        },
      },
    },
    async (request, reply) => {
      allow(await fastify.authenticate(request), 'POST /v1/tenants');
      await createTenant(pool, request.body);
      return reply.code(201).send(request.body);
    },
  );
};

export default plugin;
