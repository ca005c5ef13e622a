// Stores and their tokens (admin).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { createStore, rotateStoreToken } from '../../../admin.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool } = fastify;

  fastify.post(
    '/stores',
    {
      schema: {
        summary: 'Create a store (admin); answers its token once',
        tags: ['admin'],
        security: bearer,
        body: Type.Object({ id: Id, tenantId: Id, name: Type.String({ minLength: 1, maxLength: 255 }) }),
        response: {
          201: Type.Object({
            id: Type.String(),
            tenantId: Type.String(),
            name: Type.String(),
            token: Type.String(),
          }),
          ...problems([...EVERY_V1_ROUTE, 404, 409, 413], {
            404: 'the tenant does not exist',
            409: 'the store exists',
          }),
        },
      },
    },
    async (request, reply) => {
      allow(await fastify.authenticate(request), 'POST /v1/stores');
      return reply.code(201).send(await createStore(pool, request.body));
    },
  );

  fastify.post(
    '/stores/:storeId/token/rotate',
    {
      schema: {
        summary: "Revoke the store's tokens and issue a new one (admin, hq-admin of its tenant)",
        tags: ['admin'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        response: {
          200: Type.Object({ storeId: Type.String(), token: Type.String() }),
          ...problems([...EVERY_V1_ROUTE, 404], {
            404: 'the store does not exist (or is not in your tenant)',
          }),
        },
      },
    },
    async (request) => {
      const scope = allow(await fastify.authenticate(request), 'POST /v1/stores/:storeId/token/rotate');
      return rotateStoreToken(pool, request.params.storeId, scope);
    },
  );
};

export default plugin;
