import type { AgentCore } from '../context.js';
import type { CloudClient } from '../replication/cloud-client.js';

interface UplinkRow {
  kind: 'receipt' | 'transfer';
  id: string;
  payload: string;
  after_seq: number;
  attempts: number;
}

export interface UplinkStatus {
  pending: number;
  lastError: string | null;
}

const PATH: Record<UplinkRow['kind'], string> = { receipt: 'receipts', transfer: 'transfers' };

/**
 * Sends receipts and shipped transfers to the cloud, each until the cloud acknowledges it
 * (`PUT /v1/stores/{storeId}/receipts/{id}`, `/transfers/{id}`). The record is durable before
 * the close or the shipment answers, and (kind, id) is the cloud's idempotency key: however often
 * a crash or a lost answer makes it send again, the cloud applies it once. It is sent only after
 * the cloud acknowledged the movements up to its `after_seq`, so it never precedes what it sums.
 */
export class DeliveryUplink {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private lastError: string | null = null;
  /** Backoff per record after a failure (ms), doubling to a minute. */
  private readonly backoff = new Map<string, { until: number; ms: number }>();

  constructor(
    private readonly core: AgentCore,
    private readonly client: CloudClient,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Something was queued: send now rather than at the next tick. */
  kick(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  status(): UplinkStatus {
    const pending =
      this.core.db
        .prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM delivery_uplink WHERE acked_at IS NULL')
        .get()?.n ?? 0;
    return { pending, lastError: this.lastError };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass()
        .catch((err: unknown) => {
          this.core.log.error({ err }, 'delivery uplink pass failed');
        })
        .finally(() => {
          this.running = null;
          this.schedule(this.intervalMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** One pass over what is due: each record the cloud already holds the movements of. */
  async pass(): Promise<void> {
    const { db } = this.core;
    const acked =
      db.prepare<[], { acked_seq: number }>('SELECT acked_seq FROM replication_state WHERE id = 1').get()
        ?.acked_seq ?? 0;
    const due = db
      .prepare<[number], UplinkRow>(
        `SELECT kind, id, payload, after_seq, attempts FROM delivery_uplink
          WHERE acked_at IS NULL AND after_seq <= ? ORDER BY created_at, kind, id LIMIT 100`,
      )
      .all(acked);
    const now = Date.now();
    for (const row of due) {
      if (this.stopped) return;
      const key = `${row.kind}\0${row.id}`;
      const wait = this.backoff.get(key);
      if (wait && wait.until > now) continue;
      let error: string | null = null;
      try {
        const answer = await this.client.putStoreRecord(
          `/${PATH[row.kind]}/${encodeURIComponent(row.id)}`,
          JSON.parse(row.payload),
        );
        if (answer.status >= 200 && answer.status < 300) {
          db.prepare(
            'UPDATE delivery_uplink SET acked_at = ?, attempts = attempts + 1, last_error = NULL WHERE kind = ? AND id = ?',
          ).run(this.core.clock().toISOString(), row.kind, row.id);
          this.backoff.delete(key);
          continue;
        }
        error = `HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      // Kept and tried again: a refusal (an unknown destination store) stays visible with its reason.
      this.lastError = `${row.kind} ${row.id}: ${error}`;
      db.prepare(
        'UPDATE delivery_uplink SET attempts = attempts + 1, last_error = ? WHERE kind = ? AND id = ?',
      ).run(error, row.kind, row.id);
      const ms = Math.min(60_000, (wait?.ms ?? 500) * 2);
      this.backoff.set(key, { until: Date.now() + ms, ms });
      this.core.log.warn({ kind: row.kind, id: row.id, error }, 'delivery uplink record not accepted yet');
    }
  }
}
