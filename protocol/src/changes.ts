import { type Static, Type } from 'typebox';
import { LIMITS } from './movement.js';

/**
 * Change feed cloud → edge: `GET /v1/stores/{storeId}/changes?after=&waitSeconds=`.
 * Cursors are opaque to the edge but increase monotonically; start with `after=0`, then pass the
 * answer's `cursor`. With nothing new the cloud holds the request up to `waitSeconds` (≤ 30) and
 * answers `{changes: [], cursor: after}`. Applying a change twice must be harmless: each carries
 * the full current state of the thing it names.
 */
export const MAX_WAIT_SECONDS = 30;

/**
 * A price amount: a JSON number or a decimal string (`1.29` or `"1.29"`), kept exact. The
 * cloud stores DECIMAL(14,4), so at most 10 integer and 4 fractional digits. A JSON number is
 * read back through its shortest round-trip text (ECMA-262 Number::toString), which for
 * numbers of at most 15 significant digits (all that fit the bound) is the decimal the client
 * wrote; a float artefact such as 0.1 + 0.2 = 0.30000000000000004 has more than 4 decimals
 * and is refused, never rounded.
 */
export const AMOUNT_PATTERN = '^[0-9]{1,10}(\\.[0-9]{1,4})?$';
export const AmountSchema = Type.Union(
  [
    Type.Number({ minimum: 0, maximum: 9_999_999_999.9999 }),
    Type.String({ pattern: AMOUNT_PATTERN, description: 'decimal string, e.g. "2.49"' }),
  ],
  { description: 'a JSON number or a decimal string; at most 10 integer and 4 fractional digits' },
);

const AMOUNT = new RegExp(AMOUNT_PATTERN);

/** The exact decimal text of an amount, or null when it is not one (see AmountSchema). */
export function decimalAmount(amount: number | string): string | null {
  const text = typeof amount === 'number' ? (Number.isFinite(amount) ? String(amount) : '') : amount;
  return AMOUNT.test(text) ? text : null;
}

/** Two amounts are the same price: compared as decimals ("1.5" = "1.50" = 1.5), never as floats. */
export function sameAmount(a: number | string, b: number | string): boolean {
  const norm = (x: number | string): string | null => {
    const d = decimalAmount(x);
    if (d === null) return null;
    const [int = '0', frac = ''] = d.split('.');
    return `${int.replace(/^0+(?=\d)/, '')}.${frac.replace(/0+$/, '')}`;
  };
  const na = norm(a);
  return na !== null && na === norm(b);
}

export const PriceSchema = Type.Object(
  {
    amount: AmountSchema,
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' }),
  },
  { additionalProperties: false },
);
export type Price = Static<typeof PriceSchema>;

export const PackSchema = Type.Object(
  {
    gtin: Type.String({ pattern: '^[0-9]{8,14}$' }),
    qty: Type.Integer({ minimum: 1, maximum: LIMITS.packQty, description: 'units the case stands for' }),
  },
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

export const DELIVERY_KINDS = ['purchase', 'transfer'] as const;
export const DELIVERY_STATUSES = ['open', 'receiving', 'closed'] as const;

/**
 * `kind: 'delivery'`: an expected delivery for this store (purchase order / ASN, or the inbound
 * side of a transfer), in units, sent ahead of the truck so the store can receive it offline.
 * Movements with `ref` = `id` count toward it at the store.
 */
export const DeliveryChangeSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: LIMITS.ref }),
  storeId: Type.String(),
  kind: Type.Enum([...DELIVERY_KINDS], { type: 'string' }),
  fromStoreId: Type.Optional(Type.String()),
  supplier: Type.Optional(Type.String({ maxLength: 128 })),
  expectedAt: Type.Optional(Type.String({ format: 'date-time' })),
  lines: Type.Array(
    Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1, maximum: LIMITS.qty }) }),
  ),
});
export type DeliveryChange = Static<typeof DeliveryChangeSchema>;

export const ChangeSchema = Type.Union([
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('item'), data: ItemChangeSchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('price'), data: PriceChangeSchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('reservation'), data: ReservationSchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('delivery'), data: DeliveryChangeSchema }),
]);
export type Change = Static<typeof ChangeSchema>;
export type ChangeKind = Change['kind'];

export const ChangeFeedSchema = Type.Object({
  changes: Type.Array(ChangeSchema),
  cursor: Type.Integer({ minimum: 0, description: 'Pass as `after` next time' }),
});
export type ChangeFeed = Static<typeof ChangeFeedSchema>;
