// Reading the catalog (the head-office console's catalog page): any tenant role, in its tenant.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { allow } from '../../../access.js';
import { inScope, scopeWhere } from '../../../auth.js';
import { notFound } from '../../../problem.js';
import { bearer, EVERY_V1_ROUTE, Id, problems } from '../schemas.js';

const ItemSchema = Type.Object({
  tenantId: Type.String(),
  sku: Type.String(),
  name: Type.String(),
  gtins: Type.Array(Type.String()),
  packs: Type.Array(Type.Object({ gtin: Type.String(), qty: Type.Integer() })),
  price: Type.Object({ amount: Type.String(), currency: Type.String() }),
  updatedAt: Type.String({ format: 'date-time' }),
});

interface ItemRow {
  tenant_id: string;
  sku: string;
  name: string;
  gtins: string;
  packs: string;
  amount: string;
  price_currency: string;
  updated_at: Date;
}

/** The page cursor: the last row's (tenant, sku), opaque to the caller. */
const encodeCursor = (tenantId: string, sku: string) =>
  Buffer.from(JSON.stringify([tenantId, sku])).toString('base64url');

function decodeCursor(after: string): [string, string] | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
    return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string'
      ? [v[0], v[1]]
      : null;
  } catch {
    return null;
  }
}

/** Stored DECIMAL(14,4) text without the padding zeros beyond the cents ("1.2900" → "1.29"). */
function amountText(stored: string): string {
  if (!stored.includes('.')) return stored;
  const [int, frac = ''] = stored.split('.');
  const trimmed = frac.replace(/0+$/, '').padEnd(2, '0');
  return `${int}.${trimmed}`;
}

const parseList = (text: string): unknown[] => {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
};

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { pool } = fastify;

  fastify.get(
    '/items',
    {
      schema: {
        summary:
          "The catalog with prices, a page at a time in sku order (any tenant role, its tenant's items)",
        tags: ['catalog'],
        security: bearer,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 128, description: 'part of the sku or the name' })),
          tenantId: Type.Optional(Id),
          after: Type.Optional(Type.String({ maxLength: 512, description: '`next` of the previous page' })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(ItemSchema),
            next: Type.Union([Type.String(), Type.Null()], {
              description: 'pass as `after`; null on the last page',
            }),
          }),
          ...problems([...EVERY_V1_ROUTE, 404], { 404: 'the tenant named is not yours' }),
        },
      },
    },
    async (request) => {
      const scope = allow(await fastify.authenticate(request), 'GET /v1/items');
      const { q, tenantId, after, limit } = request.query;
      // Naming another tenant is asking for its resource: 404, as if it did not exist.
      if (tenantId !== undefined && !inScope(scope, tenantId, null))
        throw notFound(`tenant '${tenantId}' does not exist`);
      // The tenant is in the WHERE clause (scopeWhere), never filtered after reading.
      const where = scopeWhere(scope, 'tenant_id', null);
      let sql = where.sql;
      const params: unknown[] = [...where.params];
      if (tenantId) {
        sql += ' AND tenant_id = ?';
        params.push(tenantId);
      }
      if (q) {
        const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        sql += ' AND (sku LIKE ? OR name LIKE ?)';
        params.push(like, like);
      }
      const cursor = after ? decodeCursor(after) : null;
      if (cursor) {
        sql += ' AND (tenant_id, sku) > (?, ?)';
        params.push(cursor[0], cursor[1]);
      }
      const [rows] = await pool.query(
        `SELECT tenant_id, sku, name, gtins, packs, CAST(price_amount AS CHAR) AS amount, price_currency, updated_at
           FROM items WHERE TRUE${sql} ORDER BY tenant_id, sku LIMIT ?`,
        [...params, limit + 1],
      );
      const list = rows as ItemRow[];
      const page = list.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({
          tenantId: r.tenant_id,
          sku: r.sku,
          name: r.name,
          gtins: parseList(r.gtins).filter((g): g is string => typeof g === 'string'),
          packs: parseList(r.packs).filter(
            (p): p is { gtin: string; qty: number } =>
              typeof p === 'object' && p !== null && 'gtin' in p && 'qty' in p,
          ),
          price: { amount: amountText(r.amount), currency: r.price_currency },
          updatedAt: r.updated_at.toISOString(),
        })),
        next: list.length > limit && last ? encodeCursor(last.tenant_id, last.sku) : null,
      };
    },
  );
};

export default plugin;
