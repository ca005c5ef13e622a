// Replication ingest: what the cloud's replication routes and tests use from ingest/.
export { type IngestHooks, type IngestResult, ingestBatch } from './batch.js';
export { claimAgentLease } from './lease.js';
export { checkBatchShape } from './shape.js';
