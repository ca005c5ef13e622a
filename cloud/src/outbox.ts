import { randomUUID } from 'node:crypto';
import type { PoolConnection } from './db.js';

export const WEBHOOK_EVENTS = ['movements.applied', 'reservation.changed', 'store.stale'] as const;
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
 * outbox): the event exists exactly when the change that caused it committed.
 */
export async function enqueueEvent(
  conn: PoolConnection,
  tenantId: string,
  type: WebhookEvent,
  data: unknown,
): Promise<void> {
  const envelope: EventEnvelope = {
    id: randomUUID(),
    type,
    tenantId,
    createdAt: new Date().toISOString(),
    data,
  };
  await conn.query(
    `INSERT INTO webhook_deliveries (webhook_id, tenant_id, event_id, event, payload)
     SELECT w.id, ?, ?, ?, ? FROM webhook_subscriptions s JOIN webhooks w ON w.id = s.webhook_id
      WHERE s.event = ? AND (w.tenant_id = ? OR w.tenant_id IS NULL)`,
    [tenantId, envelope.id, type, JSON.stringify(envelope), type, tenantId],
  );
}
