import { AGENT_INSTANCE_HEADER } from '@store-edge/protocol';
import { defineFeature } from '../feature.js';
import { CloudClient } from '../replication/cloud-client.js';
import { installationId } from '../replication/index.js';
import { deliveryRoutes } from './routes.js';
import { DeliveryStore } from './store.js';
import { Transfers } from './transfers.js';
import { DeliveryUplink } from './uplink.js';

export { DeliveryStore } from './store.js';
export { Transfers, transferMovementId } from './transfers.js';

/** The deliveries feature's service. */
export interface DeliveriesService {
  store: DeliveryStore;
  transfers: Transfers;
  /** Receipts and shipments on their way to the cloud (null without a cloud). */
  uplink: DeliveryUplink | null;
}

/**
 * Receiving against expected deliveries and shipping transfers (issue 18, docs/deliveries.md):
 * applies the change feed's deliveries, routes receive and damage scans to the open delivery
 * that expects the item, closes deliveries into receipts and sends receipts and shipped
 * transfers to the cloud until it acknowledges them.
 */
export const deliveriesFeature = defineFeature({
  name: 'deliveries',
  needs: ['scanning'],
  create(core, { scanning }) {
    const store = new DeliveryStore(core.db, core.settings.storeId, core.clock);
    const transfers = new Transfers(core, store);
    const { cloud } = core.settings;
    const uplink =
      cloud.url && cloud.token
        ? new DeliveryUplink(
            core,
            new CloudClient(cloud.url, cloud.token, core.settings.storeId, {
              [AGENT_INSTANCE_HEADER]: installationId(core.settings.dataDir),
            }),
          )
        : null;
    // Inside the feed's transaction (feed-handlers.ts): database writes only.
    core.feedHandlers.on('delivery', (d) => store.applyChange(d));
    const service: DeliveriesService = { store, transfers, uplink };
    return {
      service,
      routes: deliveryRoutes(store, transfers, () => uplink),
      start: async () => {
        scanning.workflow.routeWith(({ deviceId, mode, sku }) => {
          const d = store.routeScan(deviceId, sku);
          if (!d) return null;
          return {
            ref: d.id,
            ...(mode === 'receive' && d.kind === 'transfer' ? { type: 'transfer_in' } : {}),
          };
        });
        await transfers.resume();
        uplink?.start();
      },
      stop: async () => {
        scanning.workflow.routeWith(null);
        await uplink?.stop();
      },
    };
  },
});
