import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_INSTANCE_HEADER } from '@store-edge/protocol';
import { defineFeature } from '../feature.js';
import { CloudClient } from './cloud-client.js';
import { ChangeFeed } from './feed.js';
import { HealthReporter } from './health-report.js';
import { Shipper } from './shipper.js';

/**
 * Replication to and from the cloud, when `cloud.url` and `cloud.token` are set: the shipper
 * (movements up, exactly once) and the change feed (catalog, prices, reservations down; price
 * changes go out on the bus as `price.changed`), and the store's health reports (docs/fleet.md). Offers the shipper's status and repair.
 */
export const replicationFeature = defineFeature({
  name: 'replication',
  create(core) {
    const { cloud } = core.settings;
    if (!cloud.url || !cloud.token) return null;
    const client = new CloudClient(cloud.url, cloud.token, core.settings.storeId, {
      [AGENT_INSTANCE_HEADER]: installationId(core.settings.dataDir),
    });
    const shipper = new Shipper(core, core.replica, client);
    const feed = new ChangeFeed(core, client);
    const health = new HealthReporter({
      core,
      send: (report) => client.sendHealth(report),
      intervalMs: core.settings.replication.healthReportSeconds * 1000,
    });
    let started = false;
    return {
      service: {
        status: () => ({ ...shipper.status, health: { ...health.status } }),
        voidRecord: (seq, reason, actor) => shipper.voidRecord(seq, reason, actor),
      },
      start: async () => {
        started = true;
        await shipper.start();
        await feed.start();
        health.start();
      },
      stop: async () => {
        if (!started) return;
        await health.stop();
        await feed.stop();
        await shipper.stop();
      },
    };
  },
});

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
