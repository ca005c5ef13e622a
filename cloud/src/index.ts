export { buildApp, type CloudApp } from './app.js';
export { ChangeNotifier } from './changes.js';
export { type CloudConfig, loadConfig } from './config.js';
export { createPool, type Pool, withTransaction } from './db.js';
export { FleetSweeper } from './fleet/sweeper.js';
export { ingestBatch } from './ingest/index.js';
export { createMetrics, type Metrics } from './metrics.js';
export { migrate } from './migrate.js';
export {
  createOidcVerifier,
  OIDC_DEFAULTS,
  type OidcSettings,
  type OidcVerifier,
} from './oidc.js';
export { CloudService } from './server.js';
export { EVENT_ID_HEADER, SIGNATURE_HEADER, signPayload, verifySignature } from './webhooks.js';
