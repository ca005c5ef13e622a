import { Type } from 'typebox';
import type { AgentContext } from '../../context.js';
import { EdgeError, ErrorCode } from '../../errors.js';
import { outboxSummary } from '../../ledger/outbox.js';
import { allow, EVERYONE, MANAGERS } from '../auth.js';
import { Nullable, Open, problems, SECURED } from '../schemas.js';
import type { App } from '../server.js';

export interface ReplicationStatus {
  storeId: string;
  cloudConfigured: boolean;
  online: boolean;
  pending: number;
  oldestPendingAt: string | null;
  lastSeq: number;
  lastAckedSeq: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  diskFreeBytes: number;
  [extra: string]: unknown;
}

/** Replication status from the ledger itself, plus what the shipper (when running) knows. */
export async function replicationStatus(ctx: AgentContext): Promise<ReplicationStatus> {
  const outbox = outboxSummary(ctx.db);
  const state = ctx.db
    .prepare('SELECT acked_seq, last_success_at, last_error FROM replication_state WHERE id = 1')
    .get() as { acked_seq: number; last_success_at: string | null; last_error: string | null };
  const live = ctx.replication?.status() ?? {};
  return {
    storeId: ctx.settings.storeId,
    cloudConfigured: Boolean(ctx.settings.cloud.url),
    online: false,
    pending: outbox.pending,
    oldestPendingAt: outbox.oldestAt,
    lastSeq: ctx.ledger.lastSeq,
    lastAckedSeq: state.acked_seq,
    lastSuccessAt: state.last_success_at,
    lastError: state.last_error,
    diskFreeBytes: await ctx.disk.check(),
    diskWarning: ctx.disk.warning,
    ...live,
  };
}

export async function replicationRoutes(app: App, ctx: AgentContext): Promise<void> {
  app.get(
    '/replication',
    {
      preHandler: allow(...EVERYONE),
      schema: {
        summary: 'Replication to the cloud: backlog, lag, last error',
        response: {
          200: Open(
            {
              storeId: Type.String(),
              cloudConfigured: Type.Boolean(),
              online: Type.Boolean(),
              pending: Type.Integer(),
              oldestPendingAt: Nullable(Type.String()),
              lastSeq: Type.Integer(),
              lastAckedSeq: Type.Integer(),
              lastSuccessAt: Nullable(Type.String()),
              lastError: Nullable(Type.String()),
              diskFreeBytes: Type.Number(),
            },
            "plus the shipper's live state (state, refused, alarm, lag, …) while a cloud is configured",
          ),
          ...problems(...SECURED),
        },
      },
    },
    async () => replicationStatus(ctx),
  );

  app.post(
    '/replication/records/:seq/void',
    {
      preHandler: allow(...MANAGERS),
      schema: {
        summary:
          'Withdraw a record the cloud refuses for good: it becomes a void movement (no stock effect), the original goes to the quarantine, shipping resumes',
        params: Type.Object({ seq: Type.Integer({ minimum: 1 }) }),
        body: Type.Optional(
          Type.Object(
            { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: Open({
            seq: Type.Integer(),
            id: Type.String(),
            quarantineId: Nullable(
              Type.Integer({ description: 'GET /quarantine keeps the original record' }),
            ),
            original: Type.Unknown({ description: 'the record as it was on the wire' }),
            voided: Type.Boolean({ description: 'false when it was already void (the call is idempotent)' }),
          }),
          ...problems(400, ...SECURED, 404, 409),
        },
      },
    },
    async (req) => {
      const repair = ctx.replication?.voidRecord;
      if (!repair) {
        throw new EdgeError(
          ErrorCode.Replication_NoCloud,
          'no cloud is configured: nothing is being replicated',
        );
      }
      const seq = req.params.seq;
      const refused = ctx.replication?.status().refused as { seq: number; reason: string } | null | undefined;
      const reason =
        req.body?.reason ??
        (refused?.seq === seq ? `refused by the cloud: ${refused.reason}` : 'withdrawn by operator');
      const r = await repair(seq, reason, req.caller?.username ?? 'unknown');
      if ('error' in r) throw new EdgeError(r.error.code, r.error.message);
      return r;
    },
  );
}
