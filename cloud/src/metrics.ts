import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'store_edge_cloud_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    batches: new Counter({
      name: 'store_edge_cloud_replication_batches_total',
      help: 'Replication batches by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    movements: new Counter({
      name: 'store_edge_cloud_movements_applied_total',
      help: 'Movements newly applied',
      registers: [registry],
    }),
    txRetries: new Counter({
      name: 'store_edge_cloud_transaction_retries_total',
      help: 'Transactions rolled back and run again, by reason: conflict (InnoDB deadlock or Galera certification failure, 1213), lock-timeout (1205), not-ready (Galera node outside the primary component, 1047/1053), connection-lost (node or proxy gone)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'store_edge_cloud_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'store_edge_cloud_rate_limited_total',
      help: 'Requests answered 429, by the limit that refused them: store (one credential) or tenant',
      labelNames: ['limit'],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
