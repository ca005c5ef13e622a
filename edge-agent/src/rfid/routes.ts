import { Type } from 'typebox';
import type { AgentContext } from '../context.js';
import { EdgeError, ErrorCode } from '../errors.js';
import { allow, EVERYONE, MANAGERS, STAFF } from '../http/auth.js';
import { Nullable, Open, problems, RfidCountResponse, SECURED } from '../http/schemas.js';
import type { App } from '../http/server.js';
import type { CycleCounts } from './counts.js';
import type { RfidPipeline } from './pipeline.js';

const CountId = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** /api/v1/rfid: tags present now and cycle counts (CONTRACT.md "Edge HTTP API"). */
export function rfidRoutes(pipeline: RfidPipeline, counts: CycleCounts) {
  return async (app: App, _ctx: AgentContext): Promise<void> => {
    app.get(
      '/rfid/tags',
      {
        preHandler: allow(...EVERYONE),
        schema: {
          summary: 'Tags present now (after smoothing), decoded, with their sku',
          querystring: Type.Object({
            zone: Type.Optional(Type.String({ minLength: 1 })),
            limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000 }),
          }),
          response: {
            200: Type.Object({
              total: Type.Integer({ description: 'tags present, before the limit' }),
              tags: Type.Array(
                Open({
                  epc: Type.String(),
                  scheme: Type.String(),
                  gtin: Nullable(Type.String()),
                  serial: Nullable(Type.String()),
                  uri: Nullable(Type.String()),
                  sku: Nullable(Type.String()),
                  zone: Type.String(),
                  firstSeenAt: Type.String(),
                  lastSeenAt: Type.String(),
                  reads: Type.Integer(),
                }),
              ),
            }),
            ...problems(400, ...SECURED),
          },
        },
      },
      async (req) => {
        const all = pipeline.present(req.query.zone);
        return {
          total: all.length,
          tags: all.slice(0, req.query.limit).map((t) => ({
            epc: t.epc,
            scheme: t.scheme,
            gtin: t.gtin,
            serial: t.serial,
            uri: t.uri,
            sku: t.sku,
            zone: t.zone,
            firstSeenAt: t.firstSeenAt.toISOString(),
            lastSeenAt: t.lastSeenAt.toISOString(),
            reads: t.reads,
          })),
        };
      },
    );

    app.post(
      '/rfid/counts',
      {
        preHandler: allow(...MANAGERS),
        schema: {
          summary:
            'Starts a cycle count of one zone (= stock location); a snapshot at the current ledger seq',
          body: Type.Object({ zone: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
          response: { 201: RfidCountResponse, ...problems(400, ...SECURED, 409, 422) },
        },
      },
      async (req, reply) => {
        const view = counts.start(req.body.zone, req.caller?.username ?? 'unknown');
        return reply.code(201).send(view);
      },
    );

    app.get(
      '/rfid/counts',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'Cycle counts, newest first',
          querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }),
          response: {
            200: Type.Object({ counts: Type.Array(RfidCountResponse) }),
            ...problems(400, ...SECURED),
          },
        },
      },
      async (req) => ({ counts: counts.list(req.query.limit) }),
    );

    app.get(
      '/rfid/counts/:id',
      {
        preHandler: allow(...STAFF),
        schema: {
          summary: 'A cycle count and, once finished, its variance per sku',
          params: CountId,
          response: { 200: RfidCountResponse, ...problems(400, ...SECURED, 404) },
        },
      },
      async (req) => {
        const view = counts.get(req.params.id);
        if (!view) throw new EdgeError(ErrorCode.Rfid_CountNotFound, `no count ${req.params.id}`);
        return view;
      },
    );

    app.post(
      '/rfid/counts/:id/finish',
      {
        preHandler: allow(...MANAGERS),
        schema: {
          summary: 'Ends a count: per-sku expected vs counted, and count movements where they differ',
          params: CountId,
          response: { 200: RfidCountResponse, ...problems(400, ...SECURED, 404, 409, 422, 503, 507) },
        },
      },
      async (req) => counts.finish(req.params.id, req.caller?.username ?? 'unknown'),
    );
  };
}
