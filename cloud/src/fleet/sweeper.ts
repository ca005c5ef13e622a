import type { Logger } from 'pino';
import type { Pool } from '../db.js';
import type { Metrics } from '../metrics.js';
import { pruneBacklog } from './backlog.js';
import { tenantFigures } from './queries.js';
import type { FleetClock } from './status.js';
import { markOffline, silentStores } from './transitions.js';

export interface SweeperOptions {
  pool: Pool;
  log: Logger;
  metrics: Metrics;
  clock: FleetClock;
  /** How often a pass runs (default: a third of the window, at most 10 s). */
  intervalMs?: number;
  /** Stores marked offline per pass at most (the rest in the next pass). */
  batch?: number;
}

/** Backlog points are pruned at most this often (their retention is a day and a week). */
const PRUNE_EVERY_MS = 60_000;

/**
 * Records stores going silent: each pass marks offline the stores recorded online whose last
 * report is older than the window (markOffline: a conditional UPDATE, so with several replicas
 * sweeping each transition and its `store.offline` event is recorded once), refreshes the
 * per-tenant gauges and prunes old backlog points. Coming back online is recorded by the report
 * itself (recordHealth), not here. What the API shows never waits for a pass: it compares
 * last-seen with the clock when it answers.
 */
export class FleetSweeper {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;
  #lastPrune = Number.NEGATIVE_INFINITY;
  /** Tenants whose gauges were set, so a tenant gone from the database is cleared. */
  #tenants = new Set<string>();

  constructor(private readonly opts: SweeperOptions) {}

  get intervalMs(): number {
    return (
      this.opts.intervalMs ??
      Math.max(200, Math.min(10_000, (this.opts.clock.offlineAfterSeconds * 1000) / 3))
    );
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.opts.log.warn({ err }, 'fleet sweep failed'))
        .finally(() => this.#schedule());
    }, this.intervalMs);
  }

  /** One pass; answers how many stores this pass marked offline. */
  async runOnce(): Promise<number> {
    const { pool, clock, metrics } = this.opts;
    let marked = 0;
    for (const store of await silentStores(pool, clock, this.opts.batch ?? 500)) {
      if (await markOffline(pool, store, clock)) {
        marked++;
        metrics.fleetTransitions.labels('offline').inc();
        this.opts.log.info({ storeId: store.storeId, tenantId: store.tenantId }, 'store offline');
      }
    }
    const now = clock.now().getTime();
    if (now - this.#lastPrune >= PRUNE_EVERY_MS) {
      this.#lastPrune = now;
      await pruneBacklog(pool, clock.now());
    }
    await this.#refreshGauges();
    return marked;
  }

  async #refreshGauges(): Promise<void> {
    const { metrics } = this.opts;
    const figures = await tenantFigures(this.opts.pool, this.opts.clock);
    const seen = new Set<string>();
    for (const f of figures) {
      seen.add(f.tenantId);
      metrics.fleetStores.labels(f.tenantId, 'online').set(f.online);
      metrics.fleetStores.labels(f.tenantId, 'offline').set(f.offline);
      metrics.fleetStores.labels(f.tenantId, 'unknown').set(f.unknown);
      metrics.fleetPending.labels(f.tenantId).set(f.pending);
      metrics.fleetOldestPending.labels(f.tenantId).set(f.oldestPendingSeconds);
      metrics.fleetDevicesInError.labels(f.tenantId).set(f.devicesInError);
    }
    for (const t of this.#tenants) {
      if (seen.has(t)) continue;
      for (const s of ['online', 'offline', 'unknown']) metrics.fleetStores.remove(t, s);
      metrics.fleetPending.remove(t);
      metrics.fleetOldestPending.remove(t);
      metrics.fleetDevicesInError.remove(t);
    }
    this.#tenants = seen;
  }
}
