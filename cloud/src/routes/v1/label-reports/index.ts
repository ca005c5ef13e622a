// Printed-label reports from stores (issue 19): which head-office price changes' shelf labels a
// store has printed. Read back by GET /v1/price-changes/{id} (stores[].labelsPrintedAt).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PRICE_CHANGE_ID } from '@store-edge/protocol';
import { Type } from 'typebox';
import { requireStore } from '../../../auth.js';
import { toSqlDateTime } from '../../../db.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

/** Ids per report: the agent sends larger sets in chunks of this size. */
export const MAX_REPORT_IDS = 500;

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool } = fastify;

  fastify.post(
    '/stores/:storeId/label-reports',
    {
      schema: {
        summary: "A store's labels for these price changes are printed (that store's token; idempotent)",
        tags: ['prices'],
        security: bearer,
        params: Type.Object({ storeId: Id }),
        body: Type.Object(
          {
            priceChangeIds: Type.Array(PRICE_CHANGE_ID, { minItems: 1, maxItems: MAX_REPORT_IDS }),
            printedAt: Type.String({
              pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
              description: 'when the last label printed (RFC 3339 with offset)',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            /** Price changes now recorded as printed at this store (first report wins). */
            recorded: Type.Array(Type.String()),
            /** Ids this store has no row for (not a price change for it, or not sent to it yet). */
            unknown: Type.Array(Type.String()),
          }),
          ...problems(EVERY_V1_ROUTE),
        },
      },
    },
    async (request) => {
      const store = requireStore(await fastify.authenticate(request), request.params.storeId);
      const ids = [...new Set(request.body.priceChangeIds)];
      const printedAt = toSqlDateTime(request.body.printedAt);
      // COALESCE: a repeated report (the store's answer got lost) keeps the first time, so a
      // retry is harmless; the store's own rows only, so one store cannot mark another's.
      await pool.query(
        `UPDATE price_change_stores SET labels_printed_at = COALESCE(labels_printed_at, ?)
          WHERE tenant_id = ? AND store_id = ? AND price_change_id IN (?)`,
        [printedAt, store.tenantId, store.storeId, ids],
      );
      const [rows] = await pool.query(
        `SELECT price_change_id FROM price_change_stores
          WHERE tenant_id = ? AND store_id = ? AND price_change_id IN (?)`,
        [store.tenantId, store.storeId, ids],
      );
      const known = new Set((rows as Array<{ price_change_id: string }>).map((r) => r.price_change_id));
      return { recorded: ids.filter((i) => known.has(i)), unknown: ids.filter((i) => !known.has(i)) };
    },
  );
};

export default plugin;
