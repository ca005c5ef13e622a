import type { LoginLimiter } from './auth/login-limiter.js';
import type { Users } from './auth/users.js';
import type { Settings } from './config/settings.js';
import type { Db } from './db/database.js';
import type { DeviceRegistry } from './devices/registry.js';
import type { EventBus } from './events.js';
import type { Catalog } from './ledger/catalog.js';
import type { MovementWriter } from './ledger/group-commit.js';
import type { Ledger } from './ledger/ledger.js';
import type { Quarantine } from './ledger/quarantine.js';
import type { ReplicaWriter } from './ledger/replica.js';
import type { EmbeddedBroker } from './mqtt/broker.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';

/**
 * The agent's core, open before any feature is built: what features receive at construction and
 * HTTP routes use. Passed in, never imported as globals.
 */
export interface AgentCore {
  settings: Settings;
  db: Db;
  catalog: Catalog;
  ledger: Ledger;
  writer: MovementWriter;
  /** The same writer's replication operations (the shipper runs them in the writer thread). */
  replica: ReplicaWriter;
  quarantine: Quarantine;
  users: Users;
  /** The one login limiter, shared by HTTP logins and MQTT CONNECTs. */
  loginLimiter: LoginLimiter;
  events: EventBus;
  metrics: Metrics;
  log: Logger;
  clock: () => Date;
  /** True once the database is open and the broker listens (or is turned off). */
  isReady(): boolean;
  /** Decodes any barcode, GS1 string, Digital Link or EPC for lookups (from the drivers). */
  parseCode(raw: string): ParsedCodeInfo;
  /** Free disk under the data dir; refuses movements below the hard floor. */
  disk: import('./ledger/disk-guard.js').DiskGuard;
  devices: DeviceRegistry;
  /** The embedded MQTT broker, unless it is turned off. */
  broker: EmbeddedBroker | null;
  /** Appliers of the change-feed kinds features own (deliveries, scheduled prices). */
  feedHandlers: import('./replication/feed-handlers.js').FeedHandlers;
}

/** The cloud shipper's live status and repair, a service of the replication feature. */
export interface ReplicationService {
  status(): Record<string, unknown>;
  /** Withdraws a record the cloud refuses for good (replication/repair.ts), then ships on. */
  voidRecord?(
    seq: number,
    reason: string,
    actor: string,
  ): Promise<import('./replication/repair.js').VoidAnswer>;
}

/** What HTTP routes and workflows use: the core and the services features offer. */
export interface AgentContext extends AgentCore {
  /** The cloud shipper, when one runs. */
  replication?: ReplicationService;
  /** Prices over time (the `prices` feature), when it runs: lookups answer the price in force. */
  prices?: import('./prices/types.js').PriceBook;
}

export interface ParsedCodeInfo {
  kind: 'gtin' | 'gs1' | 'epc' | 'sku' | 'unknown';
  [field: string]: unknown;
}
