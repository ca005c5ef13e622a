import type { EdgeAgent } from '../agent.js';
import { CloudClient } from './cloud-client.js';
import { ChangeFeed } from './feed.js';
import { Shipper } from './shipper.js';

/** Replication to and from the cloud, when `cloud.url` and `cloud.token` are set. */
export function registerReplication(agent: EdgeAgent): void {
  const { cloud } = agent.settings;
  if (!cloud.url || !cloud.token) return;
  const url = cloud.url;
  const token = cloud.token;
  let shipper: Shipper | null = null;
  let feed: ChangeFeed | null = null;
  agent.addComponent({
    name: 'replication',
    start: async () => {
      const parts = agent.parts!;
      const client = new CloudClient(url, token, agent.settings.storeId, {
        'x-store-edge-ledger': parts.ledgerId,
      });
      shipper = new Shipper(parts, agent.ledgerWriter!, client);
      feed = new ChangeFeed(parts, client);
      parts.replication = { status: () => ({ ...shipper!.status }) };
      agent.feed = feed;
      await shipper.start();
      await feed.start();
    },
    stop: async () => {
      await feed?.stop();
      await shipper?.stop();
    },
  });
}
