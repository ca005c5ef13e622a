import type { AgentContext } from '../../context.js';
import { outboxSummary } from '../../ledger/outbox.js';
import { allow, EVERYONE } from '../auth.js';
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
      schema: { summary: 'Replication to the cloud: backlog, lag, last error' },
    },
    async () => replicationStatus(ctx),
  );
}
