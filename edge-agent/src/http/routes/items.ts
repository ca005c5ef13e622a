import { Type } from 'typebox';
import type { AgentContext } from '../../context.js';
import { allow, EVERYONE, MANAGERS, STAFF } from '../auth.js';
import { HttpProblem } from '../problem.js';
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
          { gtin: Gtin, qty: Type.Integer({ minimum: 1, maximum: 100000 }) },
          { additionalProperties: false },
        ),
        {
          maxItems: 20,
        },
      ),
    ),
    price: Type.Object(
      {
        amount: Type.String({
          pattern: '^\\d{1,12}(\\.\\d{1,4})?$',
          description: 'decimal string, e.g. "2.49"',
        }),
        currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' }),
      },
      { additionalProperties: false },
    ),
    unit: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
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

export async function itemRoutes(app: App, ctx: AgentContext): Promise<void> {
  app.put(
    '/items/:sku',
    {
      preHandler: allow(...MANAGERS),
      schema: {
        summary: 'Create or replace a local catalog entry',
        params: Type.Object({ sku: Type.String({ minLength: 1, maxLength: 128 }) }),
        body: ItemBody,
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
      (body.packs ?? []).forEach((p, i) => {
        if (!gtinCheckDigitOk(p.gtin))
          errors.push({ path: `/packs/${i}/gtin`, message: `check digit of ${p.gtin} is wrong` });
      });
      if (errors.length) {
        throw new HttpProblem(
          400,
          'Invalid request',
          errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          { errors },
          'validation',
        );
      }
      const item = { sku, ...body };
      const previousPrice = ctx.db.transaction(() => {
        const prev = ctx.catalog.get(sku)?.price ?? null;
        ctx.catalog.put(item, 'local', ctx.clock());
        return prev;
      })();
      // previousPrice lets listeners (shelf labels on price change) tell a new price from a re-save.
      ctx.events.emit('item', { ...item, previousPrice });
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
      },
    },
    async (req) => {
      const parsed = ctx.parseCode(req.query.code);
      const hit = ctx.catalog.resolve(req.query.code);
      const item = hit ? ctx.catalog.get(hit.sku) : null;
      return { item: item ? { ...item, packQty: hit?.packQty ?? 1 } : null, parsed };
    },
  );

  app.get(
    '/items/:sku',
    {
      preHandler: allow(...EVERYONE),
      schema: { params: Type.Object({ sku: Type.String({ minLength: 1 }) }) },
    },
    async (req) => {
      const item = ctx.catalog.get(req.params.sku);
      if (!item) throw new HttpProblem(404, 'Not found', `no item with sku '${req.params.sku}'`);
      return item;
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
      },
    },
    async (req) => ({ items: ctx.catalog.list({ q: req.query.q, limit: req.query.limit }) }),
  );
}
