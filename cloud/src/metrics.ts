import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

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
    admissionWait: new Histogram({
      name: 'store_edge_cloud_replication_admission_wait_seconds',
      help: 'How long admitted replication batches waited for an ingest slot (0 for most; refused batches are counted in replication_batches_total{outcome="shed"})',
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
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
    // Fleet (issue 17, docs/fleet.md): per tenant, never per store (a label per store would make
    // a series per store and status). Every replica's sweeper sets them from the same database,
    // so aggregate across replicas with max(), not sum().
    fleetStores: new Gauge({
      name: 'store_edge_cloud_fleet_stores',
      help: 'Stores by status (online, offline, unknown = never reported), per tenant',
      labelNames: ['tenant', 'status'],
      registers: [registry],
    }),
    fleetPending: new Gauge({
      name: 'store_edge_cloud_fleet_backlog_pending',
      help: "Movements waiting to replicate at the tenant's stores, as their latest health reports say",
      labelNames: ['tenant'],
      registers: [registry],
    }),
    fleetOldestPending: new Gauge({
      name: 'store_edge_cloud_fleet_oldest_pending_seconds',
      help: "Age of the oldest movement waiting to replicate at any of the tenant's stores (their latest reports); 0 when none waits",
      labelNames: ['tenant'],
      registers: [registry],
    }),
    fleetDevicesInError: new Gauge({
      name: 'store_edge_cloud_fleet_devices_in_error',
      help: "Devices reporting an error (a printer out of paper, a failed scanner) at the tenant's stores",
      labelNames: ['tenant'],
      registers: [registry],
    }),
    fleetTransitions: new Counter({
      name: 'store_edge_cloud_fleet_transitions_total',
      help: 'Store status transitions recorded by this replica',
      labelNames: ['status'],
      registers: [registry],
    }),
    healthReports: new Counter({
      name: 'store_edge_cloud_health_reports_total',
      help: 'Store health reports taken',
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
