// Deliveries, receipts and transfers (CONTRACT.md v2 "Deliveries, transfers, replenishment";
// docs/deliveries.md): head office makes expected deliveries; stores send their receipts and
// shipped transfers, each applied once.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AT_PATTERN, LIMITS, MovementFields } from '@store-edge/protocol';
import { Type } from 'typebox';
import { READERS, requireRole, requireStore } from '../../../auth.js';
import {
  applyReceipt,
  applyTransfer,
  createDelivery,
  getDelivery,
  listDeliveries,
  listTransfers,
  transferView,
} from '../../../deliveries/index.js';
import { notFound } from '../../../problem.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

/** A delivery or transfer id: the movements' `ref` at the store. */
const RefId = Type.String({ minLength: 1, maxLength: LIMITS.ref, pattern: '^\\S(?:.*\\S)?$' });
const Count = Type.Integer({ minimum: 0 });

const Line = Type.Object({
  sku: Type.String(),
  expected: Count,
  received: Count,
  damaged: Count,
  short: Count,
  over: Count,
});

const Delivery = Type.Object(
  {
    id: Type.String(),
    storeId: Type.String(),
    kind: Type.Union([Type.Literal('purchase'), Type.Literal('transfer')]),
    status: Type.Union([Type.Literal('open'), Type.Literal('receiving'), Type.Literal('closed')]),
    fromStoreId: Type.Union([Type.String(), Type.Null()]),
    supplier: Type.Union([Type.String(), Type.Null()]),
    expectedAt: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    closedAt: Type.Union([Type.String(), Type.Null()]),
    lines: Type.Array(Line, {
      description:
        "received/damaged: sums of the store's replicated movements with ref = id; once closed, as of the receipt",
    }),
  },
  { additionalProperties: true },
);

const Transfer = Type.Object(
  {
    id: Type.String(),
    fromStoreId: Type.String(),
    toStoreId: Type.String(),
    status: Type.Union([Type.Literal('in-transit'), Type.Literal('received')]),
    shippedAt: Type.String(),
    receivedAt: Type.Union([Type.String(), Type.Null()]),
    ageSeconds: Type.Integer({ description: 'since the shipment' }),
    lines: Type.Array(
      Type.Object({ sku: Type.String(), shipped: Count, received: Count, short: Count, inTransit: Count }),
    ),
  },
  { additionalProperties: true },
);

const StoreRecord = Type.Object({ status: Type.Union([Type.Literal('created'), Type.Literal('duplicate')]) });

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool, notifier } = fastify;

  fastify.post(
    '/deliveries',
    {
      schema: {
        summary: "An expected delivery (PO/ASN) in units; reaches the store's change feed",
        tags: ['deliveries'],
        security: bearer,
        body: Type.Object(
          {
            id: RefId,
            storeId: Id,
            kind: Type.Optional(Type.Literal('purchase')),
            supplier: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            expectedAt: Type.Optional(Type.String({ pattern: AT_PATTERN, maxLength: 40 })),
            lines: Type.Array(
              Type.Object(
                {
                  sku: Type.Optional(MovementFields.sku),
                  gtin: Type.Optional(
                    Type.String({
                      pattern: '^[0-9]{8,14}$',
                      description: 'a unit or case GTIN of the catalog',
                    }),
                  ),
                  qty: Type.Integer({
                    minimum: 1,
                    maximum: LIMITS.qty,
                    description: 'units, or cases of a case GTIN',
                  }),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 1000 },
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Delivery,
          200: Delivery,
          ...problems([...EVERY_V1_ROUTE, 404, 409, 413], {
            404: 'no such store (or not in your scope)',
            409: '`code: delivery-exists`: the id exists in the tenant with other content',
          }),
        },
      },
    },
    async (request, reply) => {
      const scope = requireRole(await fastify.authenticate(request), ['buyer']);
      const { view, created, tenantId } = await createDelivery(pool, scope, request.body);
      if (created) notifier.notify(tenantId);
      return reply.code(created ? 201 : 200).send(view);
    },
  );

  fastify.get(
    '/deliveries',
    {
      schema: {
        summary: 'Deliveries, oldest expected first (head-office console)',
        tags: ['deliveries'],
        security: bearer,
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([Type.Literal('open'), Type.Literal('receiving'), Type.Literal('closed')]),
          ),
          storeId: Type.Optional(Id),
          kind: Type.Optional(Type.Union([Type.Literal('purchase'), Type.Literal('transfer')])),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        }),
        response: {
          200: Type.Object({ deliveries: Type.Array(Delivery) }),
          ...problems([...EVERY_V1_ROUTE]),
        },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      return { deliveries: await listDeliveries(pool, scope, request.query) };
    },
  );

  fastify.get(
    '/deliveries/:id',
    {
      schema: {
        summary: 'A delivery: expected, received, damaged, short and over per line',
        tags: ['deliveries'],
        security: bearer,
        params: Type.Object({ id: RefId }),
        response: { 200: Delivery, ...problems([...EVERY_V1_ROUTE, 404], { 404: 'no such delivery' }) },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      return getDelivery(pool, scope, request.params.id);
    },
  );

  fastify.put(
    '/stores/:storeId/receipts/:deliveryId',
    {
      schema: {
        summary: "A store's receipt of a delivery (its close); applied once, a resend answers duplicate",
        tags: ['deliveries'],
        security: bearer,
        params: Type.Object({ storeId: Id, deliveryId: RefId }),
        body: Type.Object(
          {
            deliveryId: Type.Optional(RefId),
            closedAt: Type.String({ pattern: AT_PATTERN, maxLength: 40 }),
            closedBy: Type.String({ minLength: 1, maxLength: LIMITS.actor }),
            asOfSeq: Type.Integer({
              minimum: 0,
              description: "the store's movements up to this seq are summed",
            }),
            lines: Type.Array(Line, { maxItems: 10_000 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ status: StoreRecord.properties.status, delivery: Delivery }),
          ...problems([...EVERY_V1_ROUTE, 404, 409, 413], {
            404: 'the store has no such delivery',
            409: '`code: record-ahead`: the movements up to `asOfSeq` are not applied yet; send again later',
          }),
        },
      },
    },
    async (request) => {
      const store = requireStore(await fastify.authenticate(request), request.params.storeId);
      return applyReceipt(pool, store, request.params.deliveryId, request.body);
    },
  );

  fastify.put(
    '/stores/:storeId/transfers/:id',
    {
      schema: {
        summary:
          "A store's shipped transfer; makes the destination's delivery of kind transfer (same id) once",
        tags: ['transfers'],
        security: bearer,
        params: Type.Object({ storeId: Id, id: RefId }),
        body: Type.Object(
          {
            toStoreId: Id,
            shippedAt: Type.String({ pattern: AT_PATTERN, maxLength: 40 }),
            asOfSeq: Type.Integer({ minimum: 0 }),
            lines: Type.Array(
              Type.Object(
                { sku: MovementFields.sku, qty: Type.Integer({ minimum: 1, maximum: LIMITS.qty }) },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 500 },
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: StoreRecord,
          ...problems([...EVERY_V1_ROUTE, 404, 409, 413], {
            404: 'the destination store does not exist in this tenant',
            409: '`code: delivery-exists` (the id is taken) or `record-ahead` (send again later)',
          }),
        },
      },
    },
    async (request) => {
      const store = requireStore(await fastify.authenticate(request), request.params.storeId);
      const out = await applyTransfer(pool, store, request.params.id, request.body);
      if (out.status === 'created') notifier.notify(store.tenantId);
      return out;
    },
  );

  fastify.get(
    '/transfers',
    {
      schema: {
        summary:
          'Transfers oldest shipment first, with their age (status=in-transit: the aged in-transit list)',
        tags: ['transfers'],
        security: bearer,
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('in-transit'), Type.Literal('received')])),
          storeId: Type.Optional(Id),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        }),
        response: { 200: Type.Object({ transfers: Type.Array(Transfer) }), ...problems([...EVERY_V1_ROUTE]) },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      return { transfers: await listTransfers(pool, scope, request.query) };
    },
  );

  fastify.get(
    '/transfers/:id',
    {
      schema: {
        summary: 'A transfer: shipped, received, short and in transit per sku',
        tags: ['transfers'],
        security: bearer,
        params: Type.Object({ id: RefId }),
        response: { 200: Transfer, ...problems([...EVERY_V1_ROUTE, 404], { 404: 'no such transfer' }) },
      },
    },
    async (request) => {
      const scope = requireRole(await fastify.authenticate(request), READERS);
      const t = await transferView(pool, scope, request.params.id);
      if (!t) throw notFound(`no transfer '${request.params.id}'`);
      return t;
    },
  );
};

export default plugin;
