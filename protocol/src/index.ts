// The replication wire contract shared by the edge agent and the cloud services.
export * from './answer.js';
export * from './changes.js';
export * from './health.js';
export * from './ids.js';
export * from './movement.js';
export * from './replication.js';
export * from './retry.js';
export * from './time.js';
