import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The agent's Prometheus metrics, on a registry of its own (several agents can share a process in tests). */
export class Metrics {
  readonly registry = new Registry();
  readonly movementsTotal = new Counter({
    name: 'store_edge_movements_total',
    help: 'Movements recorded in the ledger, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly movementRequests = new Counter({
    name: 'store_edge_movement_requests_total',
    help: 'Movement batches received, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly commitBatchSize = new Histogram({
    name: 'store_edge_group_commit_movements',
    help: 'Movements per durable group commit',
    buckets: [1, 10, 100, 500, 1000, 5000, 20000],
    registers: [this.registry],
  });
  readonly quarantined = new Counter({
    name: 'store_edge_quarantined_total',
    help: 'Inputs that could not become movements, kept in quarantine, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly outboxPending = new Gauge({
    name: 'store_edge_outbox_pending',
    help: 'Movements not yet acknowledged by the cloud',
    registers: [this.registry],
  });
  readonly replicationRefusedSeq = new Gauge({
    name: 'store_edge_replication_refused_seq',
    help: 'Seq of the record the cloud refuses for good (shipping stops before it); 0 when none',
    registers: [this.registry],
  });
  readonly replicationProtocolErrors = new Counter({
    name: 'store_edge_replication_protocol_errors_total',
    help: 'Cloud answers that contradict what was sent (e.g. appliedSeq above the highest seq sent); nothing is pruned',
    registers: [this.registry],
  });
  readonly replicationPaced = new Counter({
    name: 'store_edge_replication_paced_total',
    help: 'Batches the cloud answered 429 or 503 with Retry-After; the shipper waited what it asked',
    registers: [this.registry],
  });
  readonly diskFree = new Gauge({
    name: 'store_edge_disk_free_bytes',
    help: 'Free bytes under the data dir',
    registers: [this.registry],
  });
  readonly loginFailures = new Counter({
    name: 'store_edge_login_failures_total',
    help: 'Failed login attempts',
    registers: [this.registry],
  });
  readonly loginsRefused = new Counter({
    name: 'store_edge_logins_refused_total',
    help: 'Logins refused without checking the password (user or address locked out), by way in',
    labelNames: ['via'] as const,
    registers: [this.registry],
  });
  readonly mqttDropped = new Counter({
    name: 'store_edge_mqtt_connections_dropped_total',
    help: 'MQTT connections the broker closed, by reason (packet_too_large, connect_timeout, not_connect, malformed)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly eventStreams = new Gauge({
    name: 'store_edge_event_streams',
    help: 'Open server-sent event streams (GET /api/v1/events)',
    registers: [this.registry],
  });
  readonly eventStreamsRefused = new Counter({
    name: 'store_edge_event_streams_refused_total',
    help: 'Event streams refused at a cap, by cap (total: 503, user: 429)',
    labelNames: ['cap'] as const,
    registers: [this.registry],
  });
  readonly eventStreamsDropped = new Counter({
    name: 'store_edge_event_streams_dropped_total',
    help: 'Event streams the agent closed, by reason (slow: the reader fell behind; revoked: the session ended)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'store_edge_' });
  }
}
