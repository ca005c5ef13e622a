import {
  decimalAmount,
  LIMITS,
  MovementFields,
  NetContentSchema,
  PriceSchema,
  sameAmount,
} from '@store-edge/protocol';
import { type Static, Type } from 'typebox';
import type { AgentContext } from '../../context.js';
import { EdgeError, ErrorCode } from '../../errors.js';
import { type CatalogItem, toGtin14 } from '../../ledger/catalog.js';
import { allow, EVERYONE, MANAGERS, STAFF } from '../auth.js';
import { ItemInForceResponse, ItemResponse, Nullable, Open, problems, SECURED } from '../schemas.js';
import type { App } from '../server.js';

const Gtin = Type.String({
  pattern: '^(\\d{8}|\\d{12}|\\d{13}|\\d{14})$',
  description: 'GTIN-8, -12, -13 or -14',
});
export const ItemBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    gtins: Type.Array(Gtin, { maxItems: 50 }),
    packs: Type.Optional(
      Type.Array(
        Type.Object(
          { gtin: Gtin, qty: Type.Integer({ minimum: 1, maximum: LIMITS.packQty }) },
          { additionalProperties: false },
        ),
        {
          maxItems: 20,
        },
      ),
    ),
    // The cloud's PUT /v1/items takes the same price (protocol AmountSchema): a JSON number or a
    // decimal string, kept exact.
    price: PriceSchema,
    unit: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
    /** Net content for the unit price on shelf labels (CONTRACT.md v2 "Prices over time"). */
    netContent: Type.Optional(NetContentSchema),
    /** Take GTINs that belong to another sku away from it (CONTRACT.md); without it: 409. */
    moveGtins: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** GS1 mod-10 check digit over all but the last digit (GS1 General Specifications §7.9.1). */
export function gtinCheckDigitOk(gtin: string): boolean {
  const digits = gtin.split('').map(Number);
  const check = digits.pop();
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

/** GTINs of `item` (units and packs) that another sku holds, with their place in the body. */
function gtinOwners(
  item: { sku: string; gtins: string[]; packs?: Array<{ gtin: string }> },
  ownerOf: (gtin: string) => string | null,
): Array<{ path: string; gtin: string; sku: string }> {
  const out: Array<{ path: string; gtin: string; sku: string }> = [];
  const check = (gtin: string, path: string) => {
    const owner = ownerOf(gtin);
    if (owner !== null && owner !== item.sku) out.push({ path, gtin, sku: owner });
  };
  item.gtins.forEach((g, i) => {
    check(g, `/gtins/${i}`);
  });
  (item.packs ?? []).forEach((p, i) => {
    check(p.gtin, `/packs/${i}/gtin`);
  });
  return out;
}

/**
 * The item as a shopper meets it at `at`: `price` is the price in force (scheduled regular price
 * with the best promotion, prices/), `regularPrice`, `promotion`, `lowestPrice30d` and
 * `nextChange` beside it. Without the prices feature the catalog's price stands.
 */
function inForce(ctx: AgentContext, item: CatalogItem, at: Date): Static<typeof ItemInForceResponse> {
  const p = ctx.prices?.at(item.sku, at);
  if (!p)
    return {
      ...item,
      regularPrice: item.price ?? null,
      promotion: null,
      lowestPrice30d: null,
      nextChange: null,
    };
  return {
    ...item,
    price: p.price,
    regularPrice: p.regularPrice,
    promotion: p.promotion,
    lowestPrice30d: p.lowestPrice30d,
    nextChange: p.nextChange,
  };
}

export async function itemRoutes(app: App, ctx: AgentContext): Promise<void> {
  app.put(
    '/items/:sku',
    {
      preHandler: allow(...MANAGERS),
      schema: {
        summary: 'Create or replace a local catalog entry',
        // The sku movements will carry: the protocol's own field schema.
        params: Type.Object({ sku: MovementFields.sku }),
        body: ItemBody,
        response: { 200: ItemResponse, ...problems(400, ...SECURED, 409) },
      },
    },
    async (req) => {
      const { sku } = req.params;
      const body = req.body;
      const errors: Array<{ path: string; message: string }> = [];
      body.gtins.forEach((g, i) => {
        if (!gtinCheckDigitOk(g))
          errors.push({ path: `/gtins/${i}`, message: `check digit of ${g} is wrong` });
      });
      const units = new Set(body.gtins.map((g) => toGtin14(g) ?? g));
      (body.packs ?? []).forEach((p, i) => {
        if (!gtinCheckDigitOk(p.gtin))
          errors.push({ path: `/packs/${i}/gtin`, message: `check digit of ${p.gtin} is wrong` });
        if (units.has(toGtin14(p.gtin) ?? p.gtin))
          errors.push({ path: `/packs/${i}/gtin`, message: `${p.gtin} is also a unit GTIN of this item` });
      });
      if (errors.length) {
        throw new EdgeError(
          ErrorCode.Request_Invalid,
          errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          {
            extra: { errors },
          },
        );
      }
      const { moveGtins, netContent: rawNet, ...fields } = body;
      const amount = decimalAmount(fields.price.amount);
      if (amount === null) {
        throw new EdgeError(
          ErrorCode.Request_Invalid,
          '/price/amount: at most 10 integer and 4 fractional digits (a float such as 0.30000000000000004 is not a price)',
          {
            extra: {
              errors: [{ path: '/price/amount', message: 'at most 10 integer and 4 fractional digits' }],
            },
          },
        );
      }
      let netContent: CatalogItem['netContent'];
      if (rawNet) {
        const n = decimalAmount(rawNet.amount);
        if (n === null || n === '0' || /^0(\.0+)?$/.test(n))
          throw new EdgeError(ErrorCode.Request_Invalid, '/netContent/amount: a positive decimal', {
            extra: {
              errors: [
                { path: '/netContent/amount', message: 'a positive decimal, at most 4 fractional digits' },
              ],
            },
          });
        netContent = { amount: n, unit: rawNet.unit };
      }
      const item: CatalogItem = {
        sku,
        ...fields,
        price: { amount, currency: fields.price.currency },
        ...(netContent ? { netContent } : {}),
      };
      const { previousPrice, moved } = ctx.db.transaction(() => {
        // CONTRACT.md: a GTIN of another sku is refused (409 naming it) unless moveGtins says so;
        // a silent move would make scans book the wrong item.
        if (!moveGtins) {
          const taken = gtinOwners(item, ctx.catalog.ownerOf.bind(ctx.catalog));
          const first = taken[0];
          if (first) {
            throw new EdgeError(
              ErrorCode.Catalog_GtinConflict,
              taken.map((t) => `${t.path}: ${t.gtin} belongs to sku '${t.sku}'`).join('; ') +
                '; send moveGtins: true to move it to this item',
              {
                extra: {
                  sku: first.sku,
                  errors: taken.map((t) => ({ path: t.path, message: `belongs to sku '${t.sku}'` })),
                },
              },
            );
          }
        }
        const prev = ctx.catalog.get(sku)?.price ?? null;
        const losers = ctx.catalog.put(item, 'local', ctx.clock());
        return { previousPrice: prev, moved: losers };
      })();
      ctx.events.emit('item', { ...item, previousPrice });
      for (const other of moved) ctx.events.emit('item', { sku: other, kind: 'item' });
      // A new item or a re-save at the same price is not a price change (no shelf label).
      if (
        previousPrice &&
        !(sameAmount(previousPrice.amount, amount) && previousPrice.currency === fields.price.currency)
      )
        ctx.events.emit('price.changed', { skus: [sku], source: 'local' });
      return item;
    },
  );

  app.get(
    '/items/lookup',
    {
      preHandler: allow(...EVERYONE),
      schema: {
        summary: 'Decode any barcode, GS1 string, Digital Link or EPC and find the item',
        querystring: Type.Object({ code: Type.String({ minLength: 1, maxLength: 2048 }) }),
        response: {
          200: Type.Object({
            item: Nullable(
              Open({
                ...ItemResponse.properties,
                packQty: Type.Integer({ description: 'units one scan of the code is' }),
              }),
            ),
            parsed: Open({}, 'what the code says: its kind and decoded parts'),
          }),
          ...problems(400, ...SECURED),
        },
      },
    },
    async (req) => {
      const parsed = ctx.parseCode(req.query.code);
      const hit = ctx.catalog.resolve(req.query.code);
      const item = hit ? ctx.catalog.get(hit.sku) : null;
      return {
        item: item ? { ...inForce(ctx, item, ctx.clock()), packQty: hit?.packQty ?? 1 } : null,
        parsed,
      };
    },
  );

  app.get(
    '/items/:sku',
    {
      preHandler: allow(...EVERYONE),
      schema: {
        summary: 'A catalog item with its price in force at `at` (default now)',
        params: Type.Object({ sku: Type.String({ minLength: 1 }) }),
        querystring: Type.Object({
          at: Type.Optional(
            Type.String({
              format: 'date-time',
              description: 'the instant (ISO 8601 with an offset); default now',
            }),
          ),
        }),
        response: { 200: ItemInForceResponse, ...problems(400, ...SECURED, 404) },
      },
    },
    async (req) => {
      const item = ctx.catalog.get(req.params.sku);
      if (!item) throw new EdgeError(ErrorCode.Catalog_ItemNotFound, `no item with sku '${req.params.sku}'`);
      const at = req.query.at === undefined ? ctx.clock() : new Date(req.query.at);
      if (Number.isNaN(at.getTime()))
        throw new EdgeError(ErrorCode.Request_Invalid, '/at: not a date-time', {
          extra: { errors: [{ path: '/at', message: 'ISO 8601 date-time with an offset' }] },
        });
      return inForce(ctx, item, at);
    },
  );

  app.get(
    '/items',
    {
      preHandler: allow(...STAFF),
      schema: {
        summary: 'Search the catalog by sku, name or barcode',
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 256 })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(ItemResponse) }), ...problems(400, ...SECURED) },
      },
    },
    async (req) => {
      const now = ctx.clock();
      return {
        items: ctx.catalog.list({ q: req.query.q, limit: req.query.limit }).map((i) => inForce(ctx, i, now)),
      };
    },
  );
}
