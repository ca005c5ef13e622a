import { Counter, Histogram, type Registry } from 'prom-client';

/** Scanner metrics, on the agent's registry. */
export class ScanMetrics {
  readonly scans;
  readonly latency;

  constructor(registry: Registry) {
    this.scans = new Counter({
      name: 'store_edge_scans_total',
      help: 'Scans by outcome: movement, lookup, counted, quarantined, debounced',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'store_edge_scan_to_movement_seconds',
      help: 'From the scanner delivering a code to its movement being durable in the ledger',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
  }
}
