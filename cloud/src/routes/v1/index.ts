// The /v1 API (CONTRACT.md "Cloud HTTP API"), one plugin per route group.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { installRequestLimits, type RequestLimits } from '../../plugins/request-limits.js';
import changes from './changes/index.js';
import deliveries from './deliveries/index.js';
import fleet, { type FleetRoutesOptions } from './fleet/index.js';
import items from './items/index.js';
import itemList from './items/list.js';
import labelReports from './label-reports/index.js';
import prices from './prices/index.js';
import priceLists from './prices/lists.js';
import replenishment, { type ReplenishmentRoutesOptions } from './replenishment/index.js';
import replication, { type ReplicationRoutesOptions } from './replication/index.js';
import reservations from './reservations/index.js';
import stock from './stock/index.js';
import stores from './stores/index.js';
import tenants from './tenants/index.js';
import webhooks from './webhooks/index.js';

export interface V1Options extends ReplicationRoutesOptions, FleetRoutesOptions {
  rateLimits?: RequestLimits;
  replenishment?: ReplenishmentRoutesOptions;
}

const plugin: FastifyPluginAsyncTypebox<V1Options> = async (fastify, opts) => {
  // Every /v1 route: the caller authenticated (401) and counted against its limits (429) first.
  await installRequestLimits(fastify, opts.rateLimits ?? {});
  await fastify.register(tenants);
  await fastify.register(stores);
  await fastify.register(items);
  await fastify.register(itemList);
  await fastify.register(prices);
  await fastify.register(priceLists);
  await fastify.register(replication, { admission: opts.admission });
  await fastify.register(changes);
  await fastify.register(stock);
  await fastify.register(reservations);
  await fastify.register(webhooks);
  await fastify.register(fleet, { fleetClock: opts.fleetClock });
  await fastify.register(replenishment, opts.replenishment ?? {});
  await fastify.register(deliveries);
  await fastify.register(labelReports);
};

export default plugin;
