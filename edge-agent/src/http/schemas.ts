import { type TProperties, Type } from 'typebox';
import { EDGE_ERRORS, PROBLEM_TYPE_BASE } from '../errors.js';

// Response schemas of the edge API: what `/docs` shows, and what Fastify serializes replies with.
// Fastify drops the members a response schema does not name, so every object here is open
// (`additionalProperties: true`): the named members are documented and typed, nothing a client
// already reads can disappear from a reply because a schema forgot it.

/** An object whose named members are documented; further members pass through as they are. */
export const Open = <P extends TProperties>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** Any JSON value (serialized as it is). */
export const Json = Type.Unknown();

const problemTypes = [...new Set(Object.values(EDGE_ERRORS).map((e) => PROBLEM_TYPE_BASE + e.type))].sort();

/** RFC 9457 problem details: the body of every error (docs/errors.md). */
export const ProblemSchema = Open(
  {
    type: Type.String({ description: `one of the types in docs/errors.md: ${problemTypes.join(', ')}` }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(Open({ path: Type.String({ description: 'JSON pointer' }), message: Type.String() })),
    ),
  },
  'RFC 9457 problem details; further members per type, see docs/errors.md',
);

/** Problem responses for the given statuses, plus any 5xx (the agent failed). */
export function problems(...statuses: number[]): Record<string, typeof ProblemSchema> {
  const out: Record<string, typeof ProblemSchema> = { '5xx': ProblemSchema };
  for (const s of statuses) out[String(s)] = ProblemSchema;
  return out;
}

/** The errors of a route behind the login: no or a bad token (401), a role that may not (403). */
export const SECURED = [401, 403] as const;

export const PriceResponse = Open({
  amount: Type.Union([Type.String(), Type.Number()], { description: 'decimal string or number, as stored' }),
  currency: Type.String(),
});

export const ItemResponse = Open({
  sku: Type.String(),
  name: Type.String(),
  gtins: Type.Array(Type.String()),
  packs: Type.Optional(Type.Array(Open({ gtin: Type.String(), qty: Type.Integer() }))),
  price: Type.Optional(PriceResponse),
  unit: Type.Optional(Type.String()),
});

const PriceOut = Type.Object({ amount: Type.String(), currency: Type.String() });

/** GET /items/{sku}?at= (CONTRACT.md v2 "Prices over time"): the item with its price in force. */
export const ItemInForceResponse = Open({
  ...ItemResponse.properties,
  netContent: Type.Optional(Open({ amount: Type.String(), unit: Type.String() })),
  regularPrice: Nullable(PriceResponse),
  promotion: Nullable(
    Open({
      id: Type.String(),
      name: Type.String(),
      rule: Open(
        { kind: Type.String() },
        'percent {value}, amount {value}, fixed {amount}, multi-buy {qty, amount}',
      ),
      startsAt: Type.String(),
      endsAt: Type.String(),
    }),
  ),
  lowestPrice30d: Nullable(PriceOut),
  nextChange: Nullable(Type.Object({ amount: Type.String(), effectiveAt: Type.String() })),
});

export const MovementResponse = Open({
  seq: Type.Integer(),
  id: Type.String(),
  type: Type.String(),
  sku: Type.String(),
  location: Type.String(),
  qty: Type.Integer(),
  deltaOnHand: Type.Integer(),
  deltaReserved: Type.Integer(),
  at: Type.String(),
  ref: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  code: Nullable(Type.String()),
  source: Type.String(),
  actor: Type.String(),
  flags: Nullable(Type.String()),
  recordedAt: Type.String(),
});

export const MovementResultResponse = Open({
  id: Type.String(),
  seq: Type.Integer(),
  status: Type.Union([Type.Literal('created'), Type.Literal('duplicate')]),
});

export const DeviceResponse = Open(
  {
    id: Type.String(),
    kind: Type.String(),
    config: Open({}, 'the device settings, passwords left out'),
    status: Type.String(),
    lastSeenAt: Nullable(Type.String()),
    lastError: Nullable(Type.String()),
    details: Type.Optional(Open({}, 'kind-specific live details')),
  },
  'a device with its live status',
);

export const PrintJobResponse = Open({
  id: Type.String(),
  printerId: Type.String(),
  template: Type.String(),
  items: Type.Array(Json),
  labels: Type.Integer(),
  status: Type.String(),
  source: Type.String(),
  actor: Nullable(Type.String()),
  error: Nullable(Type.String()),
  attempts: Type.Integer(),
  reprintOf: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  printedAt: Nullable(Type.String()),
});

export const RfidCountResponse = Open({
  id: Type.String(),
  zone: Type.String(),
  location: Type.String(),
  status: Type.String(),
  startSeq: Type.Integer(),
  startedAt: Type.String(),
  startedBy: Type.String(),
  finishedAt: Nullable(Type.String()),
  finishedBy: Nullable(Type.String()),
  tagsSeen: Type.Integer(),
  result: Nullable(
    Open({
      asOfSeq: Type.Integer(),
      lines: Type.Array(
        Open({
          sku: Type.String(),
          expected: Type.Integer(),
          counted: Type.Integer(),
          difference: Type.Integer(),
          movedSince: Type.Integer(),
          booked: Nullable(Type.Integer()),
          movementIds: Type.Array(Type.String()),
        }),
      ),
      unresolved: Type.Array(Json),
      unresolvedCount: Type.Integer(),
      movedIn: Type.Integer(),
    }),
  ),
});

export const ScanCountResponse = Open({
  id: Type.String(),
  deviceId: Type.String(),
  location: Type.String(),
  startSeq: Type.Integer(),
  startedAt: Type.String(),
  lines: Type.Array(Open({ sku: Type.String(), counted: Type.Integer(), scans: Type.Integer() })),
});

export const ScanCountReportResponse = Open({
  id: Type.String(),
  deviceId: Type.String(),
  location: Type.String(),
  startSeq: Type.Integer(),
  lines: Type.Array(
    Open({
      sku: Type.String(),
      expected: Type.Integer(),
      counted: Type.Integer(),
      difference: Type.Integer(),
      movedSince: Type.Integer(),
      booked: Type.Integer(),
      movement: MovementResultResponse,
    }),
  ),
});

/** A 204 answer: no body (the reply sends nothing; Fastify leaves the body out). */
export const NoContent = Type.Unknown({ description: 'no content' });
