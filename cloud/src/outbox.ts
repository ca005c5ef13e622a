import { randomUUID } from 'node:crypto';
import type { PoolConnection } from './db.js';

export const WEBHOOK_EVENTS = [
  'movements.applied',
  'reservation.changed',
  'store.stale',
  // Fleet (issue 17, docs/fleet.md): a store's recorded status changed.
  'store.offline',
  'store.online',
  'replenishment.proposed',
  'delivery.received',
  'transfer.shipped',
  'transfer.received',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface EventEnvelope {
  id: string;
  type: WebhookEvent;
  tenantId: string;
  createdAt: string;
  data: unknown;
}

/**
 * Writes one delivery row per subscribed webhook in the caller's transaction (transactional
 * outbox): the event exists exactly when the change that caused it committed. `data` may be a
 * function so large payloads are only built when someone subscribed.
 */
export async function enqueueEvent(
  conn: PoolConnection,
  tenantId: string,
  type: WebhookEvent,
  data: unknown | (() => unknown),
): Promise<void> {
  const webhooks = await subscribedWebhooks(conn, tenantId, type);
  if (webhooks.length === 0) return;
  const envelope: EventEnvelope = {
    id: randomUUID(),
    type,
    tenantId,
    createdAt: new Date().toISOString(),
    data: typeof data === 'function' ? data() : data,
  };
  const payload = JSON.stringify(envelope);
  await conn.query(
    'INSERT INTO webhook_deliveries (webhook_id, tenant_id, event_id, event, payload) VALUES ?',
    [webhooks.map((w) => [w, tenantId, envelope.id, type, payload])],
  );
}

/** Ids of the webhooks subscribed to `type` for this tenant (or for every tenant). */
async function subscribedWebhooks(
  db: Pick<PoolConnection, 'query'>,
  tenantId: string,
  type: WebhookEvent,
): Promise<string[]> {
  const [subs] = await db.query(
    `SELECT w.id FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id
      WHERE s.event = ? AND (w.tenant_id = ? OR w.tenant_id IS NULL)`,
    [type, tenantId],
  );
  return (subs as Array<{ id: string }>).map((r) => r.id);
}
