import { type Static, Type } from 'typebox';
import { canonicalId, MOVEMENT_ID_PATTERN } from './ids.js';
import { parseInstant } from './time.js';

/**
 * Movement types (ARCHITECTURE.md "Ledger model"), plus `reject`: the store's answer declining a
 * cloud reservation. `reject` carries `ref` = reservation id and the requested `qty`, and has no
 * stock effect. It travels as an ordinary ledger record so that the answer replicates in `seq`
 * order and exactly once, like every other movement.
 *
 * `void` (qty 0, no stock effect) takes the place of a record the cloud refused for good, when
 * the store's operator withdraws it (docs/operations.md "A record the cloud refuses"): the seq
 * stays gapless, the original is kept in the edge's quarantine.
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
  'void',
] as const;
export type MovementType = (typeof MOVEMENT_TYPES)[number];

export const MovementTypeSchema = Type.Enum([...MOVEMENT_TYPES], {
  type: 'string',
  description: 'What happened to the stock',
});

/**
 * Longest accepted identifiers (characters) and the largest quantity; the cloud's MySQL columns
 * are sized to match (VARCHAR(n) counts characters, `qty` is INT). The edge checks every value
 * it will ship against these before it accepts it: its API, its settings (scanner `location`,
 * RFID `zone`) and the quantity a case GTIN multiplies to.
 */
export const LIMITS = {
  sku: 128,
  location: 64,
  ref: 128,
  reason: 255,
  source: 128,
  actor: 128,
  /** |qty| on the wire, after a case GTIN's pack size is applied. */
  qty: 2_000_000_000,
  /** Units one pack (case) GTIN may stand for. */
  packQty: 100_000,
} as const;

/**
 * RFC 3339 §5.6 date-time: `T` (or `t`, or a space, §5.6 NOTE) between date and time, a `Z`
 * or a numeric offset, up to 9 fractional digits. What the pattern cannot say (the calendar,
 * leap seconds, the range MySQL's DATETIME holds) `instantProblem()` says.
 */
export const AT_PATTERN =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$';

/**
 * No whitespace at either end of a sku or location: MySQL compares VARCHARs with PAD SPACE
 * (utf8mb4_bin included), so `backroom` and `backroom ` would be one stock row in the cloud and
 * two at the edge.
 */
export const TRIMMED = '^\\S(?:[\\s\\S]*\\S)?$';

/**
 * The fields of a movement, one schema each, so the edge API's body (which takes `code` besides
 * `sku`, and leaves `location` and `at` optional) is built from the very same pieces as the
 * wire record: whatever the edge accepts, the cloud accepts.
 */
export const MovementFields = {
  id: Type.String({
    pattern: MOVEMENT_ID_PATTERN,
    maxLength: 45,
    description: 'UUID chosen by the client (any case, bare or urn:uuid:); idempotency key',
  }),
  type: MovementTypeSchema,
  sku: Type.String({ minLength: 1, maxLength: LIMITS.sku, pattern: TRIMMED }),
  location: Type.String({ minLength: 1, maxLength: LIMITS.location, pattern: TRIMMED }),
  qty: Type.Integer({ minimum: -LIMITS.qty, maximum: LIMITS.qty }),
  at: Type.String({
    pattern: AT_PATTERN,
    maxLength: 40,
    description: 'When it happened: RFC 3339 date-time with Z or an offset; kept to the millisecond, in UTC',
  }),
  ref: Type.String({ maxLength: LIMITS.ref, description: 'Reservation id, order, transfer, ...' }),
  reason: Type.String({ maxLength: LIMITS.reason }),
  source: Type.String({ maxLength: LIMITS.source, description: 'Device or workflow' }),
  actor: Type.String({ maxLength: LIMITS.actor, description: 'Who (audit)' }),
} as const;

/**
 * One immutable ledger movement as it travels edge → cloud and back (pull-back page).
 * `id` is the edge's idempotency key. `qty` is an integer: > 0 for every type except `adjust`
 * (signed delta) and `count` (the counted total, ≥ 0).
 */
export const MovementSchema = Type.Object(
  {
    id: MovementFields.id,
    type: MovementFields.type,
    sku: MovementFields.sku,
    location: MovementFields.location,
    qty: MovementFields.qty,
    at: MovementFields.at,
    ref: Type.Optional(MovementFields.ref),
    reason: Type.Optional(MovementFields.reason),
    source: Type.Optional(MovementFields.source),
    actor: Type.Optional(MovementFields.actor),
  },
  { additionalProperties: false },
);
export type Movement = Static<typeof MovementSchema>;

/** Problems with a movement that a JSON schema cannot express (sign rules of `qty`). */
export function movementQtyProblem(m: Pick<Movement, 'type' | 'qty'>): string | null {
  if (m.type === 'adjust') return m.qty === 0 ? 'adjust needs a non-zero qty' : null;
  if (m.type === 'void') return m.qty === 0 ? null : 'void carries qty 0';
  if (m.type === 'count') return m.qty < 0 ? 'count states the counted total (>= 0)' : null;
  return m.qty > 0 ? null : `${m.type} needs qty > 0`;
}

/**
 * Everything the schema cannot check about a movement that already passed `MovementSchema`,
 * as JSON-pointer paths relative to the movement (`/qty`, `/at`, `/id`). Cloud ingest refuses a
 * record with any of these (400 `validation`); the edge checks the same before it accepts one.
 */
export function movementProblems(
  m: Pick<Movement, 'id' | 'type' | 'qty' | 'at'>,
): Array<{ path: string; message: string }> {
  return checkMovement(m).problems;
}

/**
 * `movementProblems`, with the id and time in their normalised forms when they are valid (the
 * cloud's ingest reads each field once: it checks a thousand records per batch).
 */
export function checkMovement(m: Pick<Movement, 'id' | 'type' | 'qty' | 'at'>): {
  problems: Array<{ path: string; message: string }>;
  id: string | null;
  at: string | null;
} {
  const problems: Array<{ path: string; message: string }> = [];
  const id = canonicalId(m.id);
  if (id === null) problems.push({ path: '/id', message: 'must be a UUID' });
  const q = movementQtyProblem(m);
  if (q) problems.push({ path: '/qty', message: q });
  const t = parseInstant(m.at);
  if (!t.ok) problems.push({ path: '/at', message: t.message });
  return { problems, id, at: t.ok ? t.at : null };
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
