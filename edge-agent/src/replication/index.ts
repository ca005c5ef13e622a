import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_INSTANCE_HEADER } from '@store-edge/protocol';
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
        [AGENT_INSTANCE_HEADER]: installationId(agent.settings.dataDir),
      });
      shipper = new Shipper(parts, agent.ledgerWriter!, client);
      feed = new ChangeFeed(parts, client);
      const running = shipper;
      parts.replication = {
        status: () => ({ ...running.status }),
        voidRecord: (seq, reason, actor) => running.voidRecord(seq, reason, actor),
      };
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

/**
 * This installation's id: a file beside the ledger, not inside it, so a restored backup is still
 * the same installation while a second machine with a copy of the data is not.
 */
export function installationId(dataDir: string): string {
  const file = join(dataDir, 'installation-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = randomUUID();
  writeFileSync(file, `${id}\n`);
  return id;
}
