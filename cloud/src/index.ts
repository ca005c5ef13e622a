export { buildApp, type CloudApp } from './app.js';
export { type CloudConfig, loadConfig } from './config.js';
export { createPool, withTransaction } from './db.js';
export { ingestBatch } from './ingest.js';
export { migrate } from './migrate.js';
export { CloudService } from './server.js';
export { EVENT_ID_HEADER, SIGNATURE_HEADER, signPayload, verifySignature } from './webhooks.js';
