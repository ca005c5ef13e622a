import { LIMITS } from '@store-edge/protocol';
import { type Static, Type } from 'typebox';
import type { Role } from '../../auth/users.js';
import type { AgentContext } from '../../context.js';
import { API_MOVEMENT_TYPES, type MovementType } from '../../ledger/types.js';
import { literals } from '../../util/schema.js';
import { allow, EVERYONE, STAFF } from '../auth.js';
import { HttpProblem } from '../problem.js';
import type { App } from '../server.js';

const MAX_BATCH = 1000;

// Shape checks here; meaning (qty sign per type, sku known, stock available) in the ledger.
export const MovementBody = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'idempotency key chosen by the client' }),
    type: literals(API_MOVEMENT_TYPES),
    // Lengths follow the replication protocol, so anything accepted here the cloud accepts too.
    sku: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.sku })),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    location: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.location })),
    qty: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 }),
    ref: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.ref })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.reason })),
    at: Type.Optional(Type.String({ format: 'date-time' })),
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
  return out;
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
          throw new HttpProblem(
            413,
            'Payload too large',
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
        if (!mayPost(principal.role, m.type)) {
          errors.push({
            path: `${path}/type`,
            message: `role '${principal.role}' may not post ${m.type} movements`,
          });
        }
        const first = seen.get(m.id);
        if (first !== undefined)
          errors.push({ path: `${path}/id`, message: `same id as /movements/${first}` });
        seen.set(m.id, i);
      });
      if (errors.some((e) => e.message.startsWith('role '))) {
        throw new HttpProblem(403, 'Forbidden', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
          errors,
        });
      }
      if (errors.length > 0) {
        throw new HttpProblem(
          400,
          'Invalid request',
          errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          { errors },
          'validation',
        );
      }
      const refusal = ctx.disk.refusal();
      if (refusal) throw new HttpProblem(507, 'Insufficient storage', refusal);
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
      },
    },
    async (req) => ({ entries: ctx.quarantine.list(req.query.limit) }),
  );
}
