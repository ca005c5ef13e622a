import { type Static, Type } from 'typebox';

/**
 * Change feed cloud → edge: `GET /v1/stores/{storeId}/changes?after=&waitSeconds=`.
 * Cursors are opaque to the edge but increase monotonically; start with `after=0`, then pass the
 * answer's `cursor`. With nothing new the cloud holds the request up to `waitSeconds` (≤ 30) and
 * answers `{changes: [], cursor: after}`. Applying a change twice must be harmless: each carries
 * the full current state of the thing it names.
 */
export const MAX_WAIT_SECONDS = 30;

export const PriceSchema = Type.Object(
  {
    amount: Type.Number({ minimum: 0 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' }),
  },
  { additionalProperties: false },
);
export type Price = Static<typeof PriceSchema>;

export const PackSchema = Type.Object(
  { gtin: Type.String({ pattern: '^[0-9]{8,14}$' }), qty: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

/** `kind: 'item'`: catalog entry (without price). */
export const ItemChangeSchema = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  gtins: Type.Array(Type.String()),
  packs: Type.Array(PackSchema),
});
export type ItemChange = Static<typeof ItemChangeSchema>;

/** `kind: 'price'`. */
export const PriceChangeSchema = Type.Object({ sku: Type.String(), price: PriceSchema });
export type PriceChange = Static<typeof PriceChangeSchema>;

export const RESERVATION_STATUSES = ['requested', 'accepted', 'rejected', 'fulfilled', 'released'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/**
 * `kind: 'reservation'` (buy online, pick up in store). A `requested` reservation asks the store
 * to answer with a movement whose `ref` is the reservation `id`:
 * `reserve` (accepted) or `reject` (rejected, no stock effect); later `ship` (fulfilled) or
 * `release` (released).
 */
export const ReservationSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  storeId: Type.String(),
  sku: Type.String(),
  qty: Type.Integer({ minimum: 1 }),
  ref: Type.String({ description: 'Order reference shown to staff' }),
  status: Type.Enum([...RESERVATION_STATUSES], { type: 'string' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Reservation = Static<typeof ReservationSchema>;

export const ChangeSchema = Type.Union([
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('item'), data: ItemChangeSchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('price'), data: PriceChangeSchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('reservation'), data: ReservationSchema }),
]);
export type Change = Static<typeof ChangeSchema>;
export type ChangeKind = Change['kind'];

export const ChangeFeedSchema = Type.Object({
  changes: Type.Array(ChangeSchema),
  cursor: Type.Integer({ minimum: 0, description: 'Pass as `after` next time' }),
});
export type ChangeFeed = Static<typeof ChangeFeedSchema>;
