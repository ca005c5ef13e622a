import { LIMITS, MovementFields } from '@store-edge/protocol';
import { Type } from 'typebox';
import type { AgentContext } from '../context.js';
import { EdgeError, ErrorCode } from '../errors.js';
import { allow, EVERYONE, MANAGERS, STAFF } from '../http/auth.js';
import { MovementResultResponse, Nullable, Open, problems, SECURED } from '../http/schemas.js';
import type { App } from '../http/server.js';
import type { DeliveryStore } from './store.js';
import type { Transfers } from './transfers.js';
import type { DeliveryUplink } from './uplink.js';

/** A delivery or transfer id: the movements' `ref` (protocol LIMITS.ref), no spaces at either end. */
const RefId = Type.String({ minLength: 1, maxLength: LIMITS.ref, pattern: '^\\S(?:.*\\S)?$' });
const StoreId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

const LineResponse = Open({
  sku: Type.String(),
  expected: Type.Integer(),
  received: Type.Integer(),
  damaged: Type.Integer(),
  short: Type.Integer(),
  over: Type.Integer(),
});

const ReceiptResponse = Open({
  deliveryId: Type.String(),
  closedAt: Type.String(),
  closedBy: Type.String(),
  asOfSeq: Type.Integer({ description: 'the ledger seq the receipt sums the movements up to' }),
  lines: Type.Array(LineResponse),
  reported: Type.Optional(Type.Boolean({ description: 'the cloud has acknowledged it' })),
});

export const DeliveryResponse = Open(
  {
    id: Type.String(),
    storeId: Type.String(),
    kind: Type.Union([Type.Literal('purchase'), Type.Literal('transfer')]),
    status: Type.Union([Type.Literal('open'), Type.Literal('receiving'), Type.Literal('closed')]),
    fromStoreId: Nullable(Type.String()),
    supplier: Nullable(Type.String()),
    expectedAt: Nullable(Type.String()),
    arrivedAt: Type.String({ description: 'when the change feed brought it to the store' }),
    lines: Type.Array(LineResponse, {
      description: 'received/damaged derived from the movements with ref = id; frozen at the close',
    }),
    damages: Type.Array(Open({ sku: Type.String(), qty: Type.Integer(), reason: Type.String() })),
    receipt: Nullable(ReceiptResponse),
    receivingInto: Type.Optional(
      Type.Array(Type.String(), {
        description: "scanners that receive into it ('*': every receive scanner)",
      }),
    ),
  },
  'an expected delivery with what arrived against it (CONTRACT.md v2)',
);

const TransferResponse = Open({
  id: Type.String(),
  fromStoreId: Type.String(),
  toStoreId: Type.String(),
  location: Type.String(),
  lines: Type.Array(Open({ sku: Type.String(), qty: Type.Integer() })),
  createdAt: Type.String(),
  createdBy: Type.String(),
  status: Type.Union([Type.Literal('shipping'), Type.Literal('shipped')]),
  reported: Type.Boolean({ description: 'the cloud has the shipment (and made the destination delivery)' }),
  lastError: Nullable(Type.String({ description: 'why the cloud has not taken it yet, if it refused' })),
});

const Id = Type.Object({ id: RefId });

/** /api/v1/deliveries and /api/v1/transfers (CONTRACT.md v2 "Deliveries, transfers, replenishment"). */
export function deliveryRoutes(
  store: DeliveryStore,
  transfers: Transfers,
  uplink: () => DeliveryUplink | null,
) {
  const view = (id: string) => {
    const v = store.get(id);
    if (!v) throw new EdgeError(ErrorCode.Deliveries_NotFound, `no delivery '${id}'`);
    return {
      ...v,
      receipt: v.receipt ? { ...v.receipt, reported: store.reported(id) } : null,
      receivingInto: store.targets(id),
    };
  };
  return async (app: App, ctx: AgentContext): Promise<void> => {
    app.get(
      '/deliveries',
      {
        preHandler: allow(...EVERYONE),
        schema: {
          summary: 'Expected deliveries at this store, oldest expected first',
          querystring: Type.Object({
            status: Type.Optional(
              Type.Union([Type.Literal('open'), Type.Literal('receiving'), Type.Literal('closed')]),
            ),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          }),
          response: {
            200: Type.Object({ deliveries: Type.Array(DeliveryResponse) }),
            ...problems(400, ...SECURED),
          },
        },
      },
      async (req) => ({ deliveries: store.list(req.query.status, req.query.limit) }),
    );

    app.get(
      '/deliveries/:id',
      {
        preHandler: allow(...EVERYONE),
        schema: {
          summary: 'A delivery: expected vs received, damaged, short and over per line, live',
          params: Id,
          response: { 200: DeliveryResponse, ...problems(400, ...SECURED, 404) },
        },
      },
      async (req) => view(req.params.id),
    );

    app.post(
      '/deliveries/:id/close',
      {
        preHandler: allow(...MANAGERS),
        schema: {
          summary:
            'Closes a delivery into its receipt (sent to the cloud exactly once); again: the same receipt',
          params: Id,
          response: { 200: DeliveryResponse, ...problems(400, ...SECURED, 404) },
        },
      },
      async (req) => {
        const { created } = store.close(req.params.id, req.caller?.username ?? 'unknown');
        if (created) uplink()?.kick();
        return view(req.params.id);
      },
    );

    app.post(
      '/deliveries/:id/select',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary:
            "Receive scanners book into this delivery (one scanner, or every one: deviceId '*' or left out)",
          params: Id,
          body: Type.Object(
            { deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) },
            { additionalProperties: false },
          ),
          response: { 200: DeliveryResponse, ...problems(400, ...SECURED, 404, 409) },
        },
      },
      async (req) => {
        const deviceId = req.body.deviceId ?? '*';
        // Only scanners that exist: the choices a client can store stay as few as the devices.
        if (deviceId !== '*' && !ctx.devices.get(deviceId))
          throw new EdgeError(ErrorCode.Request_Invalid, `no device '${deviceId}'`, { path: '/deviceId' });
        store.setTarget(deviceId, req.params.id);
        return view(req.params.id);
      },
    );

    app.delete(
      '/deliveries/:id/select',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'Scanners no longer book into this delivery by choice (they follow what is expected)',
          params: Id,
          querystring: Type.Object({
            deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          }),
          response: { 200: DeliveryResponse, ...problems(400, ...SECURED, 404) },
        },
      },
      async (req) => {
        const v = view(req.params.id);
        for (const d of v.receivingInto)
          if (req.query.deviceId === undefined || req.query.deviceId === d) store.setTarget(d, null);
        return view(req.params.id);
      },
    );

    app.post(
      '/transfers',
      {
        preHandler: allow(...MANAGERS),
        schema: {
          summary:
            'Ships a transfer to another store: transfer_out movements with ref = id; the cloud makes the destination delivery',
          body: Type.Object(
            {
              id: RefId,
              toStoreId: StoreId,
              location: Type.Optional(MovementFields.location),
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
            201: Type.Object({ transfer: TransferResponse, movements: Type.Array(MovementResultResponse) }),
            200: Type.Object({ transfer: TransferResponse, movements: Type.Array(MovementResultResponse) }),
            ...problems(400, ...SECURED, 409, 422, 503, 507),
          },
        },
      },
      async (req, reply) => {
        const out = await transfers.ship(req.body, req.caller?.username ?? 'unknown');
        uplink()?.kick();
        const fresh = out.movements.some((m) => m.status === 'created');
        return reply.code(fresh ? 201 : 200).send(out);
      },
    );

    app.get(
      '/transfers/:id',
      {
        preHandler: allow(...EVERYONE),
        schema: {
          summary: 'A transfer this store shipped',
          params: Id,
          response: { 200: TransferResponse, ...problems(400, ...SECURED, 404) },
        },
      },
      async (req) => {
        const t = transfers.get(req.params.id);
        if (!t) throw new EdgeError(ErrorCode.Deliveries_TransferNotFound, `no transfer '${req.params.id}'`);
        return t;
      },
    );
  };
}
