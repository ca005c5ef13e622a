import { freePort } from '@store-edge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { defineFeature } from '../src/feature.js';
import { ChangeFeed } from '../src/replication/feed.js';
import { ITEM, startTestAgent, type TestAgent } from './helpers.js';

/** How features are built, started and stopped, and how they hear of each other (the event bus). */
describe('composition', () => {
  let t: TestAgent | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('leaves no subscription behind once every feature has stopped', async () => {
    // All features, replication included (its cloud does not answer: the shipper keeps retrying).
    t = await startTestAgent({
      mqtt: true,
      env: { STORE_EDGE_CLOUD_URL: `http://127.0.0.1:${await freePort()}`, STORE_EDGE_CLOUD_TOKEN: 't' },
    });
    const events = t.agent.events;
    expect(t.agent.service('replication')).toBeDefined();
    expect(events.listenerCount('committed')).toBeGreaterThan(0); // the shipper waits for commits
    expect(events.listenerCount('price.changed')).toBe(2); // shelf labels, price history (prices/)
    expect(events.listenerCount('device.changed')).toBe(3); // scanners, readers, printers
    await t.agent.stop();
    expect(events.owners).toBe(0);
  });

  it('gives a price change to every feature that listens for it, local or from the cloud feed', async () => {
    t = await startTestAgent({ features: [] });
    const { events } = t.agent.parts!;
    // Two interested parts (the old single slot kept only whichever registered last).
    const labels: string[][] = [];
    const audit: string[][] = [];
    events.on('price.changed', (p) => labels.push(p.skus), { name: 'labels' });
    events.on('price.changed', (p) => audit.push(p.skus), { name: 'audit' });

    expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
    const dearer = { ...ITEM, price: { amount: '0.99', currency: 'EUR' } };
    expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: dearer })).status).toBe(200);
    // A re-save at the same price is not a change.
    expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: dearer })).status).toBe(200);

    const feed = new ChangeFeed(t.agent.parts!, {} as never);
    await feed.apply(
      [{ kind: 'price', data: { sku: 'SKU-2', price: { amount: '2.00', currency: 'EUR' } } }],
      1,
    );

    expect(labels).toEqual([['SKU-1'], ['SKU-2']]);
    expect(audit).toEqual(labels);
  });

  it('builds a feature with the services it needs and starts it after them, stops it before', async () => {
    const log: string[] = [];
    // Listed before what it needs: the order comes from `needs`, not from the list.
    const labels = defineFeature({
      name: 'printing',
      needs: ['scanning'],
      create: (_core, services) => {
        log.push(`create printing with ${(services.scanning as unknown as { tag: string }).tag}`);
        return {
          service: {} as never,
          start: async () => void log.push('start printing'),
          stop: async () => void log.push('stop printing'),
        };
      },
    });
    const scanner = defineFeature({
      name: 'scanning',
      create: () => {
        log.push('create scanning');
        return {
          service: { tag: 'the scanning service' } as never,
          start: async () => void log.push('start scanning'),
          stop: async () => void log.push('stop scanning'),
        };
      },
    });
    t = await startTestAgent({ features: [labels, scanner] });
    await t.agent.stop();
    expect(log).toEqual([
      'create scanning',
      'create printing with the scanning service',
      'start scanning',
      'start printing',
      'stop printing',
      'stop scanning',
    ]);
  });

  it('subscribes an event stream for as long as it is open', async () => {
    t = await startTestAgent({ features: [] });
    const events = t.agent.events;
    expect(events.listenerCount('movements')).toBe(0);
    const open = new AbortController();
    const res = await fetch(`${t.baseUrl}/api/v1/events`, {
      headers: { authorization: `Bearer ${await t.token()}` },
      signal: open.signal,
    });
    expect(res.status).toBe(200);
    expect(events.listenerCount('movements')).toBe(1);
    open.abort();
    const deadline = Date.now() + 5000;
    while (events.listenerCount('movements') > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(events.listenerCount('movements')).toBe(0);
    expect(events.owners).toBe(0);
  });
});
