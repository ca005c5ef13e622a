// The /v1 API (CONTRACT.md "Cloud HTTP API"), one plugin per route group.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import changes from './changes/index.js';
import items from './items/index.js';
import labelReports from './label-reports/index.js';
import prices from './prices/index.js';
import replication, { type ReplicationRoutesOptions } from './replication/index.js';
import reservations from './reservations/index.js';
import stock from './stock/index.js';
import stores from './stores/index.js';
import tenants from './tenants/index.js';
import webhooks from './webhooks/index.js';

const plugin: FastifyPluginAsyncTypebox<ReplicationRoutesOptions> = async (fastify, opts) => {
  await fastify.register(tenants);
  await fastify.register(stores);
  await fastify.register(items);
  await fastify.register(prices);
  await fastify.register(replication, { maxIngestInFlight: opts.maxIngestInFlight });
  await fastify.register(changes);
  await fastify.register(stock);
  await fastify.register(reservations);
  await fastify.register(webhooks);
  await fastify.register(labelReports);
};

export default plugin;
