import { type Static, Type } from 'typebox';

/**
 * Movement types (ARCHITECTURE.md "Ledger model"), plus `reject`: the store's answer declining a
 * cloud reservation. `reject` carries `ref` = reservation id and the requested `qty`, and has no
 * stock effect. It travels as an ordinary ledger record so that the answer replicates in `seq`
 * order and exactly once, like every other movement.
 */
export const MOVEMENT_TYPES = [
  'receive',
  'sale',
  'return',
  'adjust',
  'transfer_out',
  'transfer_in',
  'count',
  'reserve',
  'release',
  'ship',
  'damage',
  'reject',
] as const;
export type MovementType = (typeof MOVEMENT_TYPES)[number];

export const MovementTypeSchema = Type.Enum([...MOVEMENT_TYPES], {
  type: 'string',
  description: 'What happened to the stock',
});

/** Longest accepted identifiers; the cloud's MySQL columns are sized to match. */
export const LIMITS = {
  sku: 128,
  location: 64,
  ref: 128,
  reason: 255,
  source: 128,
  actor: 128,
} as const;

/**
 * One immutable ledger movement as it travels edge → cloud and back (pull-back page).
 * `id` is the edge's idempotency key. `qty` is an integer: > 0 for every type except `adjust`
 * (signed delta) and `count` (the counted total, ≥ 0).
 */
export const MovementSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'UUID chosen by the edge; idempotency key' }),
    type: MovementTypeSchema,
    sku: Type.String({ minLength: 1, maxLength: LIMITS.sku }),
    location: Type.String({ minLength: 1, maxLength: LIMITS.location }),
    qty: Type.Integer({ minimum: -2_000_000_000, maximum: 2_000_000_000 }),
    at: Type.String({ format: 'date-time', description: 'When it happened (ISO 8601)' }),
    ref: Type.Optional(
      Type.String({ maxLength: LIMITS.ref, description: 'Reservation id, order, transfer, ...' }),
    ),
    reason: Type.Optional(Type.String({ maxLength: LIMITS.reason })),
    source: Type.Optional(Type.String({ maxLength: LIMITS.source, description: 'Device or workflow' })),
    actor: Type.Optional(Type.String({ maxLength: LIMITS.actor, description: 'Who (audit)' })),
  },
  { additionalProperties: false },
);
export type Movement = Static<typeof MovementSchema>;

/** Problems with a movement that a JSON schema cannot express (sign rules of `qty`). */
export function movementQtyProblem(m: Pick<Movement, 'type' | 'qty'>): string | null {
  if (m.type === 'adjust') return m.qty === 0 ? 'adjust needs a non-zero qty' : null;
  if (m.type === 'count') return m.qty < 0 ? 'count states the counted total (>= 0)' : null;
  return m.qty > 0 ? null : `${m.type} needs qty > 0`;
}

/** Effect of one movement on a stock projection row (on hand, reserved). */
export interface StockEffect {
  /** `count` sets on hand absolutely; later movements add on top. */
  setOnHand?: number;
  onHand: number;
  reserved: number;
}

export function stockEffect(m: Pick<Movement, 'type' | 'qty'>): StockEffect {
  switch (m.type) {
    case 'receive':
    case 'return':
    case 'transfer_in':
    case 'adjust':
      return { onHand: m.qty, reserved: 0 };
    case 'sale':
    case 'transfer_out':
    case 'damage':
      return { onHand: -m.qty, reserved: 0 };
    case 'count':
      return { setOnHand: m.qty, onHand: 0, reserved: 0 };
    case 'reserve':
      return { onHand: 0, reserved: m.qty };
    case 'release':
      return { onHand: 0, reserved: -m.qty };
    case 'ship':
      // Picked for the customer: leaves the shelf and the reservation at once.
      return { onHand: -m.qty, reserved: -m.qty };
    default:
      // `reject` (and nothing else) leaves stock alone.
      return { onHand: 0, reserved: 0 };
  }
}
