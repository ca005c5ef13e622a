import { createHmac, randomUUID } from 'node:crypto';
import { backoffDelay } from '@store-edge/protocol';
import type { Logger } from 'pino';
import { type Scope, scopeWhere } from './auth.js';
import type { Pool } from './db.js';
import { withTransaction } from './db.js';
import { enqueueEvent, WEBHOOK_EVENTS, type WebhookEvent } from './outbox.js';
import { notFound } from './problem.js';
import { TokenBuckets } from './rate-limit.js';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const SIGNATURE_HEADER = 'store-edge-signature';
/** The event id; a receiver that sees it twice (ack lost) can drop the repeat. */
export const EVENT_ID_HEADER = 'store-edge-event-id';

export function signPayload(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** Receiver-side check, exported for tests and for integrators' reference. */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  now = Date.now(),
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(now / 1000 - t) > toleranceSeconds || !parts.v1) return false;
  const expected = signPayload(secret, t, body).split('v1=')[1] ?? '';
  return expected.length === parts.v1.length && expected === parts.v1;
}

export function isWebhookEvent(s: string): s is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(s);
}

export async function createWebhook(
  pool: Pool,
  input: { url: string; secret: string; events: WebhookEvent[]; tenantId?: string },
  scope: Scope = { tenantId: null, stores: null },
): Promise<{ id: string }> {
  const id = randomUUID();
  // A person subscribes for their own tenant (all tenants is the admin token's alone).
  const tenantId = input.tenantId ?? scope.tenantId ?? undefined;
  await withTransaction(pool, async (conn) => {
    if (tenantId) {
      const w = scopeWhere(scope, 'id', null);
      const [t] = await conn.query(`SELECT id FROM tenants WHERE id = ?${w.sql}`, [tenantId, ...w.params]);
      if ((t as unknown[]).length === 0) throw notFound(`tenant '${tenantId}' does not exist`);
    }
    await conn.query('INSERT INTO webhooks (id, tenant_id, url, secret, events) VALUES (?, ?, ?, ?, ?)', [
      id,
      tenantId ?? null,
      input.url,
      input.secret,
      input.events.join(','),
    ]);
    await conn.query('INSERT INTO webhook_subscriptions (webhook_id, event) VALUES ?', [
      [...new Set(input.events)].map((e) => [id, e]),
    ]);
  });
  return { id };
}

export interface DispatcherOptions {
  pool: Pool;
  log: Logger;
  /** Poll period of the outbox (ms). */
  intervalMs: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  maxAttempts: number;
  /** Deliveries per second per tenant (token bucket, per replica). */
  ratePerTenant: number;
  /** A store silent this long gets one `store.stale` event (0 turns the check off). */
  staleAfterSeconds: number;
  fetchTimeoutMs?: number;
  onDelivered?: (ok: boolean) => void;
}

interface DeliveryRow {
  id: number;
  tenant_id: string;
  event_id: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
}

/**
 * Delivers the outbox. Each pass leases due rows (an UPDATE ... LIMIT with a random lease token,
 * portable to MySQL and MariaDB), so replicas never deliver the same row at once; an expired
 * lease (crashed replica) makes the row due again. At-least-once on the wire, with the event id
 * in a header for receivers to drop repeats; once acknowledged (2xx) a row is never sent again.
 */
export class WebhookDispatcher {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;
  #lastStaleCheck = 0;
  readonly #buckets: TokenBuckets;

  constructor(private readonly opts: DispatcherOptions) {
    this.#buckets = new TokenBuckets(opts.ratePerTenant);
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .catch((err) => this.opts.log.warn({ err }, 'webhook pass failed'))
        .finally(() => this.#schedule());
    }, this.opts.intervalMs);
  }

  async runOnce(): Promise<void> {
    // The stale scan reads the stores table; a fraction of the threshold is often enough.
    const staleEvery = Math.min(30_000, this.opts.staleAfterSeconds * 250);
    if (this.opts.staleAfterSeconds > 0 && Date.now() - this.#lastStaleCheck >= staleEvery) {
      this.#lastStaleCheck = Date.now();
      await this.#checkStale();
    }
    const lease = randomUUID();
    const { pool } = this.opts;
    await pool.query(
      `UPDATE webhook_deliveries SET lease_token = ?, lease_until = NOW(6) + INTERVAL 60 SECOND
        WHERE status = 'pending' AND next_attempt_at <= NOW(6) AND (lease_until IS NULL OR lease_until < NOW(6))
        ORDER BY id LIMIT 50`,
      [lease],
    );
    const [rows] = await pool.query(
      `SELECT d.id, d.tenant_id, d.event_id, d.payload, d.attempts, w.url, w.secret
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.lease_token = ? ORDER BY d.id`,
      [lease],
    );
    await Promise.all((rows as DeliveryRow[]).map((row) => this.#deliver(row, lease)));
  }

  async #deliver(row: DeliveryRow, lease: string): Promise<void> {
    const { pool } = this.opts;
    if (!this.#buckets.take(row.tenant_id)) {
      // Over the tenant's rate: try again in a second without counting an attempt.
      await pool.query(
        `UPDATE webhook_deliveries SET lease_token = NULL, lease_until = NULL,
           next_attempt_at = NOW(6) + INTERVAL 1 SECOND WHERE id = ? AND lease_token = ?`,
        [row.id, lease],
      );
      return;
    }
    const ts = Math.floor(Date.now() / 1000);
    let error: string | null = null;
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signPayload(row.secret, ts, row.payload),
          [EVENT_ID_HEADER]: row.event_id,
        },
        body: row.payload,
        signal: AbortSignal.timeout(this.opts.fetchTimeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    this.opts.onDelivered?.(error === null);
    if (error === null) {
      await pool.query(
        `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = NOW(6), attempts = attempts + 1,
           lease_token = NULL, lease_until = NULL, last_error = NULL WHERE id = ? AND lease_token = ?`,
        [row.id, lease],
      );
      return;
    }
    const attempts = row.attempts + 1;
    // No jitter: the next attempt is stored and shown per delivery, and deliveries that fall due
    // together still leave at the tenant's delivery rate (TokenBuckets), not all at once.
    const backoff = backoffDelay(
      { baseMs: this.opts.baseBackoffMs, capMs: this.opts.maxBackoffMs, jitter: 'none' },
      attempts - 1,
    );
    const status = attempts >= this.opts.maxAttempts ? 'failed' : 'pending';
    await pool.query(
      `UPDATE webhook_deliveries SET status = ?, attempts = ?, last_error = ?, lease_token = NULL, lease_until = NULL,
         next_attempt_at = NOW(6) + INTERVAL ? MICROSECOND WHERE id = ? AND lease_token = ?`,
      [status, attempts, error.slice(0, 1000), Math.round(backoff * 1000), row.id, lease],
    );
  }

  /** One `store.stale` event per silence: the flag is claimed with a conditional UPDATE. */
  async #checkStale(): Promise<void> {
    const { pool, staleAfterSeconds } = this.opts;
    const [rows] = await pool.query(
      `SELECT id, tenant_id, last_replicated_at, applied_seq FROM stores
        WHERE stale_notified = 0 AND COALESCE(last_replicated_at, created_at) < NOW(6) - INTERVAL ? SECOND
        LIMIT 100`,
      [staleAfterSeconds],
    );
    for (const s of rows as Array<{
      id: string;
      tenant_id: string;
      last_replicated_at: Date | null;
      applied_seq: number;
    }>) {
      await withTransaction(pool, async (conn) => {
        const [res] = await conn.query(
          `UPDATE stores SET stale_notified = 1 WHERE id = ? AND stale_notified = 0
             AND COALESCE(last_replicated_at, created_at) < NOW(6) - INTERVAL ? SECOND`,
          [s.id, staleAfterSeconds],
        );
        if ((res as { affectedRows: number }).affectedRows !== 1) return;
        await enqueueEvent(conn, s.tenant_id, 'store.stale', {
          storeId: s.id,
          lastReplicatedAt: s.last_replicated_at ? s.last_replicated_at.toISOString() : null,
          appliedSeq: Number(s.applied_seq),
          staleAfterSeconds,
        });
      });
    }
  }
}
