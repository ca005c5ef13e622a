import {
  canonicalId,
  LIMITS,
  MovementFields,
  normaliseInstant as normaliseAt,
  parseInstant,
} from '@store-edge/protocol';
import { type Static, Type } from 'typebox';
import type { Role } from '../../auth/users.js';
import type { AgentContext } from '../../context.js';
import { EdgeError, ErrorCode } from '../../errors.js';
import { API_MOVEMENT_TYPES, type MovementType } from '../../ledger/types.js';
import { literals } from '../../util/schema.js';
import { allow, EVERYONE, STAFF } from '../auth.js';
import { MovementResponse, Nullable, Open, problems, SECURED } from '../schemas.js';
import type { App } from '../server.js';

const MAX_BATCH = 1000;

/** Largest |qty| one API movement states; a case GTIN multiplies it (bounded by LIMITS.qty). */
const API_QTY = 1_000_000_000;

// Shape checks here, built from the replication protocol's own field schemas, so anything
// accepted here the cloud accepts too; meaning (sku known, stock available) in the ledger.
export const MovementBody = Type.Object(
  {
    id: MovementFields.id,
    type: literals(API_MOVEMENT_TYPES),
    sku: Type.Optional(MovementFields.sku),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    location: Type.Optional(MovementFields.location),
    qty: Type.Integer({ minimum: -API_QTY, maximum: API_QTY }),
    ref: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.ref })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.reason })),
    at: Type.Optional(MovementFields.at),
  },
  { additionalProperties: false },
);
export type MovementBodyT = Static<typeof MovementBody>;

const MovementBatch = Type.Object(
  { movements: Type.Array(MovementBody, { minItems: 1 }) },
  { additionalProperties: false },
);

/** Who may post which movement types. Associates scan and sell; stock corrections need a manager. */
const MANAGER_ONLY: ReadonlySet<MovementType> = new Set(['adjust', 'damage', 'count']);
/** A `device` books goods in, out and between stores; nothing that corrects stock (CONTRACT.md roles). */
const DEVICE_TYPES: ReadonlySet<MovementType> = new Set([
  'receive',
  'sale',
  'return',
  'transfer_out',
  'transfer_in',
]);
function mayPost(role: Role, type: MovementType): boolean {
  if (role === 'admin' || role === 'manager') return true;
  if (role === 'device') return DEVICE_TYPES.has(type);
  return !MANAGER_ONLY.has(type);
}

/** Checks a movement's meaning that the schema cannot express; returns [path, message] problems. */
export function semanticProblems(m: MovementBodyT, path: string): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  if (m.sku === undefined && m.code === undefined) out.push({ path, message: 'needs a sku or a code' });
  if (m.sku !== undefined && m.code !== undefined)
    out.push({ path: `${path}/code`, message: 'give a sku or a code, not both' });
  if (m.type === 'adjust') {
    if (m.qty === 0) out.push({ path: `${path}/qty`, message: 'an adjust moves a non-zero quantity' });
    if (!m.reason) out.push({ path: `${path}/reason`, message: 'an adjust needs a reason' });
  } else if (m.type === 'count') {
    if (m.qty < 0) out.push({ path: `${path}/qty`, message: 'a count states the counted total: 0 or more' });
  } else if (m.qty <= 0) {
    out.push({ path: `${path}/qty`, message: `must be greater than 0 for ${m.type}` });
  }
  if (['transfer_out', 'transfer_in', 'reserve', 'release', 'ship'].includes(m.type) && !m.ref) {
    out.push({ path: `${path}/ref`, message: `a ${m.type} needs a ref` });
  }
  if (m.at !== undefined) {
    // The protocol's reading of a time (protocol/src/time.ts): one the cloud can store, or a 400 now.
    const t = parseInstant(m.at);
    if (!t.ok) out.push({ path: `${path}/at`, message: t.message });
  }
  return out;
}

/**
 * A case GTIN stands for `packQty` units: the movement's wire qty is `qty * packQty`, which must
 * fit the protocol's bound, or the cloud would refuse the record for good. Only a large qty can
 * overflow (packs hold at most LIMITS.packQty units), so only those look the code up here; the
 * ledger checks again against the catalog it commits with.
 */
function packQtyProblem(
  m: MovementBodyT,
  path: string,
  resolve: (code: string) => { packQty: number } | null,
): { path: string; message: string } | null {
  if (m.code === undefined || Math.abs(m.qty) * LIMITS.packQty <= LIMITS.qty) return null;
  const pack = resolve(m.code)?.packQty ?? 1;
  const units = Math.abs(m.qty) * pack;
  if (units <= LIMITS.qty) return null;
  return {
    path: `${path}/qty`,
    message: `${m.qty} × ${pack} units per pack of ${m.code} is ${m.qty * pack}; at most ${LIMITS.qty} units per movement`,
  };
}

export async function movementRoutes(app: App, ctx: AgentContext): Promise<void> {
  app.post(
    '/movements',
    {
      preHandler: allow(...EVERYONE),
      // 413 for too many movements, before the schema walks a huge array.
      preValidation: async (req) => {
        const body = req.body as { movements?: unknown } | null;
        if (body && Array.isArray(body.movements) && body.movements.length > MAX_BATCH) {
          throw new EdgeError(
            ErrorCode.Ledger_BatchTooLarge,
            `a batch holds at most ${MAX_BATCH} movements; this one has ${body.movements.length}`,
          );
        }
      },
      schema: {
        summary: 'Append movements atomically; answered once the commit is durable',
        body: MovementBatch,
        response: {
          200: Type.Object({
            results: Type.Array(
              Type.Object({
                id: Type.String(),
                seq: Type.Integer(),
                status: Type.Union([Type.Literal('created'), Type.Literal('duplicate')]),
              }),
            ),
          }),
          ...problems(400, ...SECURED, 409, 413, 415, 422, 503, 507),
        },
      },
    },
    async (req) => {
      const principal = req.caller!;
      const { movements } = req.body;
      const errors: Array<{ path: string; message: string }> = [];
      const seen = new Map<string, number>();
      movements.forEach((m, i) => {
        const path = `/movements/${i}`;
        errors.push(...semanticProblems(m, path));
        const pack = packQtyProblem(m, path, (code) => ctx.catalog.resolve(code));
        if (pack) errors.push(pack);
        if (!mayPost(principal.role, m.type)) {
          errors.push({
            path: `${path}/type`,
            message: `role '${principal.role}' may not post ${m.type} movements`,
          });
        }
        // Upper case and urn:uuid: forms name the same movement (protocol/src/ids.ts).
        const key = canonicalId(m.id) ?? m.id;
        const first = seen.get(key);
        if (first !== undefined)
          errors.push({ path: `${path}/id`, message: `same id as /movements/${first}` });
        seen.set(key, i);
      });
      if (errors.some((e) => e.message.startsWith('role '))) {
        throw new EdgeError(
          ErrorCode.Ledger_TypeForbidden,
          errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          {
            extra: { errors },
          },
        );
      }
      if (errors.length > 0) {
        throw new EdgeError(
          ErrorCode.Request_Invalid,
          errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          {
            extra: { errors },
          },
        );
      }
      // Times are kept as the protocol normalises them (UTC, milliseconds), so the ledger ships
      // exactly what the cloud stores, and text order is time order.
      for (const m of movements) if (m.at !== undefined) m.at = normaliseAt(m.at);
      const refusal = ctx.disk.refusal();
      if (refusal) throw new EdgeError(ErrorCode.Ledger_DiskLow, refusal);
      const source = principal.role === 'device' ? `device:${principal.username}` : 'api';
      try {
        const results = await ctx.writer.submit(movements, { source, actor: principal.username });
        ctx.metrics.movementRequests.inc({ outcome: 'ok' });
        return { results };
      } catch (err) {
        ctx.metrics.movementRequests.inc({ outcome: 'refused' });
        throw err;
      }
    },
  );

  app.get(
    '/movements',
    {
      preHandler: allow(...STAFF, 'device'),
      schema: {
        summary: 'Movements in ledger order',
        querystring: Type.Object({
          afterSeq: Type.Integer({ minimum: 0, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          sku: Type.Optional(Type.String()),
          location: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            movements: Type.Array(MovementResponse),
            nextAfterSeq: Type.Integer({ description: 'pass as afterSeq for the next page' }),
          }),
          ...problems(400, ...SECURED),
        },
      },
    },
    async (req) => {
      const { afterSeq, limit, sku, location } = req.query;
      const movements = ctx.ledger.movements(afterSeq, limit, { sku, location });
      const last = movements[movements.length - 1];
      return { movements, nextAfterSeq: last ? last.seq : afterSeq };
    },
  );

  app.get(
    '/stock',
    {
      preHandler: allow(...EVERYONE),
      schema: {
        summary: 'Stock per sku and location: on hand, reserved, available',
        querystring: Type.Object({
          sku: Type.Optional(Type.String()),
          location: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Open({
                sku: Type.String(),
                location: Type.String(),
                onHand: Type.Integer(),
                reserved: Type.Integer(),
                available: Type.Integer(),
              }),
            ),
          }),
          ...problems(400, ...SECURED),
        },
      },
    },
    async (req) => ({ items: ctx.ledger.stock(req.query) }),
  );

  app.get(
    '/quarantine',
    {
      preHandler: allow(...STAFF),
      schema: {
        summary: 'Input that could not become a movement, newest first',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }),
        response: {
          200: Type.Object({
            entries: Type.Array(
              Open({
                id: Type.Integer(),
                at: Type.String(),
                source: Type.String(),
                deviceId: Nullable(Type.String()),
                raw: Type.String(),
                reason: Type.String(),
              }),
            ),
          }),
          ...problems(400, ...SECURED),
        },
      },
    },
    async (req) => ({ entries: ctx.quarantine.list(req.query.limit) }),
  );
}
