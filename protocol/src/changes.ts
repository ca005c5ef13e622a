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
// The string first: Fastify's Ajv coerces types inside a union, so with the number first "5.00"
// was taken as the number 5 and reached the stores as "5". A JSON number is coerced to its
// shortest text (1.5 → "1.5"), the same text `decimalAmount` reads from it.
export const AmountSchema = Type.Union(
  [
    Type.String({ pattern: AMOUNT_PATTERN, description: 'decimal string, e.g. "2.49"' }),
    Type.Number({ minimum: 0, maximum: 9_999_999_999.9999 }),
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

export const NET_CONTENT_UNITS = ['g', 'kg', 'ml', 'l', 'cm', 'm', 'piece'] as const;
export type NetContentUnit = (typeof NET_CONTENT_UNITS)[number];

/** An item's net content, from which labels show the unit price (Directive 98/6/EC Art. 3). */
export const NetContentSchema = Type.Object(
  {
    amount: AmountSchema,
    unit: Type.Enum([...NET_CONTENT_UNITS], { type: 'string' }),
  },
  { additionalProperties: false },
);
export type NetContent = Static<typeof NetContentSchema>;

/** `kind: 'item'`: catalog entry (without price). */
export const ItemChangeSchema = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  gtins: Type.Array(Type.String()),
  packs: Type.Array(PackSchema),
  /** Net content for the unit price (issue 19); absent on items that have none. */
  netContent: Type.Optional(NetContentSchema),
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

// ---- Prices over time (issue 19) ----
/**
 * Prices over time (CONTRACT.md v2): an effective moment is ISO 8601 with an offset (one instant
 * everywhere) or a local date-time without offset, read in each store's own time zone
 * (`STORE_EDGE_TIMEZONE`), so "tomorrow 06:00" is 06:00 in Berlin and in New York alike.
 */
export const LOCAL_DATE_TIME_PATTERN =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,3})?)?$';
export const OFFSET_DATE_TIME_PATTERN =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})$';

export const EffectiveAtSchema = Type.String({
  pattern: `(${LOCAL_DATE_TIME_PATTERN})|(${OFFSET_DATE_TIME_PATTERN})`,
  maxLength: 40,
  description:
    "ISO 8601 with an offset (`2027-03-28T06:00:00+02:00`), or a local date-time without offset (`2027-03-28T06:00`) read in each store's time zone",
});

const LOCAL = new RegExp(LOCAL_DATE_TIME_PATTERN);
const OFFSET = new RegExp(OFFSET_DATE_TIME_PATTERN);

/** The parts of a local date-time, or null when the text is none or names no calendar date. */
export function parseLocalDateTime(
  text: string,
): { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number } | null {
  if (!LOCAL.test(text)) return null;
  const [date = '', time = ''] = text.split('T');
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [hm, frac = '0'] = time.split('.');
  const [h, mi, s = 0] = (hm ?? '').split(':').map(Number) as [number, number, number?];
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return null;
  return { y, mo, d, h, mi, s, ms };
}

/** What an effectiveAt says: an instant (it has an offset), a local date-time, or nothing valid. */
export function effectiveAtProblem(text: string): string | null {
  if (OFFSET.test(text)) {
    return Number.isNaN(Date.parse(text)) ? 'not a valid date-time' : null;
  }
  if (LOCAL.test(text)) return parseLocalDateTime(text) ? null : 'not a calendar date-time';
  return 'ISO 8601 with an offset, or a local date-time YYYY-MM-DDTHH:mm[:ss]';
}

export function hasOffset(text: string): boolean {
  return OFFSET.test(text);
}

/** Lines per `price-change` feed entry: a batch of 100,000 goes down as 1,000 entries. */
export const PRICE_CHANGE_LINES_PER_ENTRY = 100;
/** Skus one promotion may name. */
export const PROMOTION_MAX_SKUS = 10_000;
export const PRICE_CHANGE_ID = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

/**
 * `kind: 'price-change'`: part of a head-office regular price change (its `lines` are at most
 * {@link PRICE_CHANGE_LINES_PER_ENTRY} of its skus). The store keeps (id, sku) → price, effective
 * at `effectiveAt`; applying it twice is harmless.
 */
export const PriceChangeEntrySchema = Type.Object({
  id: PRICE_CHANGE_ID,
  effectiveAt: EffectiveAtSchema,
  lines: Type.Array(
    Type.Object({
      sku: Type.String({ minLength: 1, maxLength: LIMITS.sku }),
      amount: Type.String(),
      currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    }),
    { maxItems: PRICE_CHANGE_LINES_PER_ENTRY },
  ),
});
export type PriceChangeEntry = Static<typeof PriceChangeEntrySchema>;

// Branches without additionalProperties: false: Fastify's Ajv (removeAdditional) would strip
// members while trying the first branch of the union; the cloud rebuilds the rule from the named
// members only, so an extra member goes nowhere.
export const PromotionRuleSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('percent'),
    // At most 2 decimals (checked by the cloud: multipleOf 0.01 misjudges floats such as 33.33).
    value: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
  }),
  Type.Object({ kind: Type.Literal('amount'), value: AmountSchema }),
  Type.Object({ kind: Type.Literal('fixed'), amount: AmountSchema }),
  Type.Object({
    kind: Type.Literal('multi-buy'),
    qty: Type.Integer({ minimum: 2, maximum: 1000 }),
    amount: AmountSchema,
  }),
]);
export type PromotionRule = Static<typeof PromotionRuleSchema>;

/**
 * `kind: 'promotion'`: the full current state of one promotion for this store (a PUT again
 * replaces it). Amounts in the rule are decimal strings by the time they are on the feed.
 */
export const PromotionChangeSchema = Type.Object({
  id: PRICE_CHANGE_ID,
  name: Type.String({ maxLength: 255 }),
  startsAt: EffectiveAtSchema,
  endsAt: EffectiveAtSchema,
  skus: Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.sku }), { maxItems: PROMOTION_MAX_SKUS }),
  rule: PromotionRuleSchema,
});
export type PromotionChange = Static<typeof PromotionChangeSchema>;

export const ChangeSchema = Type.Union([
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('item'), data: ItemChangeSchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('price'), data: PriceChangeSchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('reservation'), data: ReservationSchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('delivery'), data: DeliveryChangeSchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('price-change'), data: PriceChangeEntrySchema }),
  Type.Object({ cursor: Type.Integer(), kind: Type.Literal('promotion'), data: PromotionChangeSchema }),
]);
export type Change = Static<typeof ChangeSchema>;
export type ChangeKind = Change['kind'];

export const ChangeFeedSchema = Type.Object({
  changes: Type.Array(ChangeSchema),
  cursor: Type.Integer({ minimum: 0, description: 'Pass as `after` next time' }),
});
export type ChangeFeed = Static<typeof ChangeFeedSchema>;
