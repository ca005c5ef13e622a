import type { LoginLimiter } from './auth/login-limiter.js';
import type { Users } from './auth/users.js';
import type { Settings } from './config/settings.js';
import type { Db } from './db/database.js';
import type { EventBus } from './events.js';
import type { Catalog } from './ledger/catalog.js';
import type { MovementWriter } from './ledger/group-commit.js';
import type { Ledger } from './ledger/ledger.js';
import type { Quarantine } from './ledger/quarantine.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';

/** The agent's parts that HTTP routes and workflows use; passed in, never imported as globals. */
export interface AgentContext {
  settings: Settings;
  db: Db;
  catalog: Catalog;
  ledger: Ledger;
  writer: MovementWriter;
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
  /** The cloud shipper's live status, when one runs. */
  replication?: {
    status(): Record<string, unknown>;
    /** Withdraws a record the cloud refuses for good (replication/repair.ts), then ships on. */
    voidRecord?(
      seq: number,
      reason: string,
      actor: string,
    ): Promise<import('./replication/repair.js').VoidAnswer>;
  };
}

export interface ParsedCodeInfo {
  kind: 'gtin' | 'gs1' | 'epc' | 'sku' | 'unknown';
  [field: string]: unknown;
}
