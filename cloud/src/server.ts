import pino, { type Logger } from 'pino';
import { buildApp, type CloudApp } from './app.js';
import type { CloudConfig } from './config.js';
import { consoleSettings } from './console/index.js';
import { createPool, type Pool } from './db.js';
import { FleetSweeper } from './fleet/sweeper.js';
import { createMetrics } from './metrics.js';
import { migrate, redact } from './migrate.js';
import { WebhookDispatcher } from './webhooks.js';

export interface CloudServiceOptions {
  config: CloudConfig;
  migrate?: boolean;
  logger?: Logger;
}

/** One stateless cloud replica: HTTP API, webhook dispatcher, pool. */
export class CloudService {
  #pool: Pool | null = null;
  #app: CloudApp | null = null;
  #dispatcher: WebhookDispatcher | null = null;
  #sweeper: FleetSweeper | null = null;
  readonly log: Logger;

  constructor(private readonly opts: CloudServiceOptions) {
    this.log = opts.logger ?? pino({ name: 'store-edge-cloud', level: opts.config.logLevel });
  }

  get app(): CloudApp {
    if (!this.#app) throw new Error('not started');
    return this.#app;
  }

  /** Port actually listened on (useful with port 0). */
  port = 0;

  async start(): Promise<void> {
    const { config } = this.opts;
    if (this.opts.migrate !== false) {
      const { applied, database } = await migrate(config.mysqlUrl);
      this.log.info({ applied, database }, applied.length ? 'migrations applied' : 'schema up to date');
    }
    const metrics = createMetrics();
    const pool = createPool({
      url: config.mysqlUrl,
      connectionLimit: config.poolSize,
      onRetry: (reason) => metrics.txRetries.labels(reason).inc(),
    });
    this.#pool = pool;
    this.#app = await buildApp({
      pool,
      adminToken: config.adminToken,
      logger: this.log,
      metrics,
      feedPollIntervalMs: config.feedPollIntervalMs,
      ingestAdmission: {
        maxInFlight: config.ingestMaxInFlight,
        maxWaiting: config.ingestMaxWaiting,
        maxWaitMs: config.ingestMaxWaitMs,
      },
      console: consoleSettings(config.oidc, process.env),
      offlineAfterSeconds: config.offlineAfterSeconds,
      replenishment: { maxLagMinutes: config.replenishMaxLagMinutes },
      oidc: config.oidc,
      rateLimits: { perStore: config.rateLimitPerStore, perTenant: config.rateLimitPerTenant },
    });
    this.#sweeper = new FleetSweeper({
      pool,
      log: this.log,
      metrics,
      clock: { now: () => new Date(), offlineAfterSeconds: config.offlineAfterSeconds },
    });
    this.#dispatcher = new WebhookDispatcher({
      pool,
      log: this.log,
      intervalMs: config.webhookIntervalMs,
      baseBackoffMs: config.webhookBaseBackoffMs,
      maxBackoffMs: config.webhookMaxBackoffMs,
      maxAttempts: config.webhookMaxAttempts,
      ratePerTenant: config.webhookRatePerTenant,
      staleAfterSeconds: config.staleAfterSeconds,
      onDelivered: (ok) => metrics.webhookDeliveries.labels(ok ? 'ok' : 'failed').inc(),
    });
    await this.#app.listen({ port: config.port, host: config.host });
    const addr = this.#app.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : config.port;
    this.#dispatcher.start();
    this.#sweeper.start();
    this.log.info({ port: this.port, mysql: redact(config.mysqlUrl) }, 'store-edge cloud listening');
  }

  async stop(): Promise<void> {
    await this.#sweeper?.stop();
    await this.#dispatcher?.stop();
    await this.#app?.close();
    await this.#pool?.end();
    this.#dispatcher = null;
    this.#sweeper = null;
    this.#app = null;
    this.#pool = null;
  }
}
