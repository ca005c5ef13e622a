import { Type } from 'typebox';
import { allow, STAFF } from '../http/auth.js';
import { Nullable, Open, problems, SECURED } from '../http/schemas.js';
import type { RoutePlugin } from '../http/server.js';

/** GET /api/v1/sale-prices: the price recorded for each sale and return, in seq order. */
export const salePriceRoutes: RoutePlugin = (app, ctx) => {
  app.get(
    '/sale-prices',
    {
      preHandler: allow(...STAFF),
      schema: {
        summary: 'The price in force recorded for sales and returns (docs/prices.md)',
        querystring: Type.Object({
          afterSeq: Type.Integer({ minimum: 0, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: {
          200: Type.Object({
            sales: Type.Array(
              Open({
                seq: Type.Integer(),
                movementId: Type.String(),
                sku: Type.String(),
                qty: Type.Integer(),
                at: Type.String(),
                price: Type.Object({ amount: Type.String(), currency: Type.String() }),
                regularAmount: Type.String(),
                lineAmount: Type.String({ description: 'what qty units cost (a multi-buy per bundle)' }),
                promotionId: Nullable(Type.String()),
              }),
            ),
            nextAfterSeq: Type.Integer(),
          }),
          ...problems(400, ...SECURED),
        },
      },
    },
    async (req) => {
      const rows = ctx.db
        .prepare<
          [number, number],
          {
            seq: number;
            movement_id: string;
            sku: string;
            qty: number;
            at: string;
            amount: string;
            currency: string;
            regular_amount: string;
            line_amount: string;
            promotion_id: string | null;
          }
        >('SELECT * FROM sale_prices WHERE seq > ? ORDER BY seq LIMIT ?')
        .all(req.query.afterSeq, req.query.limit);
      return {
        sales: rows.map((r) => ({
          seq: r.seq,
          movementId: r.movement_id,
          sku: r.sku,
          qty: r.qty,
          at: r.at,
          price: { amount: r.amount, currency: r.currency },
          regularAmount: r.regular_amount,
          lineAmount: r.line_amount,
          promotionId: r.promotion_id,
        })),
        nextAfterSeq: rows.at(-1)?.seq ?? req.query.afterSeq,
      };
    },
  );
};
