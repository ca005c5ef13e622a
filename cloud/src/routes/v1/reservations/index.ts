// Reservations (admin asks, the store answers through its replicated movements).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ReservationSchema } from '@store-edge/protocol';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { createReservation, getReservation } from '../../../reservations.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool, notifier } = fastify;

  fastify.post(
    '/reservations',
    {
      schema: {
        summary: 'Ask a store to reserve stock (buyer); the store accepts or rejects',
        tags: ['reservations'],
        security: bearer,
        body: Type.Object({
          storeId: Id,
          sku: Type.String({ minLength: 1, maxLength: 128 }),
          qty: Type.Integer({ minimum: 1 }),
          ref: Type.String({ minLength: 1, maxLength: 128 }),
        }),
        response: {
          201: ReservationSchema,
          ...problems([...EVERY_V1_ROUTE, 404, 413], { 404: 'the store does not exist' }),
        },
      },
    },
    async (request, reply) => {
      const scope = allow(await fastify.authenticate(request), 'POST /v1/reservations');
      const { tenantId, ...res } = await createReservation(pool, request.body, scope);
      notifier.notify(tenantId);
      return reply.code(201).send(res);
    },
  );

  fastify.get(
    '/reservations/:id',
    {
      schema: {
        summary: 'A reservation and its status (any tenant role, within its stores)',
        tags: ['reservations'],
        security: bearer,
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: {
          200: ReservationSchema,
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'no such reservation' }),
        },
      },
    },
    async (request) => {
      const scope = allow(await fastify.authenticate(request), 'GET /v1/reservations/:id');
      return getReservation(pool, request.params.id, scope);
    },
  );
};

export default plugin;
