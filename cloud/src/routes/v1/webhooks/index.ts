// Webhook subscriptions (admin); deliveries go out from webhooks.ts's dispatcher.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { WEBHOOK_EVENTS } from '../../../outbox.js';
import { createWebhook } from '../../../webhooks.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool } = fastify;

  fastify.post(
    '/webhooks',
    {
      schema: {
        summary:
          'Subscribe a URL to events (hq-admin: its tenant; admin: any or all); deliveries are signed with HMAC-SHA256',
        tags: ['webhooks'],
        security: bearer,
        body: Type.Object({
          url: Type.String({ format: 'uri', pattern: '^https?://' }),
          secret: Type.String({ minLength: 16, maxLength: 255 }),
          events: Type.Array(Type.Enum([...WEBHOOK_EVENTS], { type: 'string' }), { minItems: 1 }),
          tenantId: Type.Optional(Id),
        }),
        response: {
          201: Type.Object({ id: Type.String() }),
          ...problems([...EVERY_V1_ROUTE, 404, 413], { 404: 'the tenant does not exist' }),
        },
      },
    },
    async (request, reply) => {
      const scope = allow(await fastify.authenticate(request), 'POST /v1/webhooks');
      return reply.code(201).send(await createWebhook(pool, request.body, scope));
    },
  );
};

export default plugin;
