import { spawnSync } from 'node:child_process';
import { type Mosquitto, startMosquitto } from '@store-edge/testing';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, startTestAgent, type TestAgent } from './helpers.js';
import {
  impinjEvent,
  putItem,
  READERS,
  rfidConfig,
  TAGS,
  tags,
  until,
  zebraBatch,
  zebraFixture,
} from './rfid-support.js';

/**
 * The store's own Mosquitto: readers publish there with `mosquitto_pub` (an outside client),
 * the agent connects as a client (`mqtt.url`) and subscribes to each reader's topic.
 */
describe('RFID readers through an external Mosquitto', () => {
  let broker: Mosquitto;
  let t: TestAgent;
  let config: { file: string; remove(): void };

  beforeAll(async () => {
    const m = await startMosquitto({
      users: [
        { username: 'agent', password: 'agent-secret-1', acl: ['topic read #', 'topic write store-edge/#'] },
        {
          username: READERS.dock.username,
          password: READERS.dock.password,
          acl: ['topic write zebra/dock/#'],
        },
        {
          username: READERS.floor.username,
          password: READERS.floor.password,
          acl: ['topic write impinj/floor/#'],
        },
      ],
    });
    if ('skip' in m) throw new Error(m.skip);
    broker = m;
    config = rfidConfig({ mqtt: { url: broker.url, username: 'agent', password: 'agent-secret-1' } });
    t = await startTestAgent({ env: { STORE_EDGE_CONFIG: config.file } });
    await putItem(t, 'WATER-05', TAGS.water.gtin14);
    await putItem(t, 'SHIRT-M', TAGS.shirt.gtin14);
  });

  afterAll(async () => {
    await t?.stop();
    await broker?.stop();
    config?.remove();
  });

  const pub = (reader: { username: string; password: string; topic: string }, message: string) => {
    const r = spawnSync(
      'mosquitto_pub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(broker.port),
        '-u',
        reader.username,
        '-P',
        reader.password,
        '-t',
        reader.topic,
        '-q',
        '1',
        '-m',
        message,
      ],
      { encoding: 'utf8', timeout: 5000 },
    );
    if (r.status !== 0) throw new Error(`mosquitto_pub: ${r.status} ${r.stderr}`);
  };

  it('decodes fixture payloads published with mosquitto_pub into present tags with gtin, serial and sku', async () => {
    const events: Json[] = [];
    const watcher = await mqtt.connectAsync(broker.url, {
      username: 'agent',
      password: 'agent-secret-1',
      clientId: 'test-watcher',
      reconnectPeriod: 0,
    });
    watcher.on('message', (_topic, payload) => events.push(JSON.parse(payload.toString())));
    await watcher.subscribeAsync('store-edge/store-1/tags', { qos: 1 });
    try {
      // The agent subscribes after it connects; a message before that is not retained, so
      // publish until the tags are there (each publish is idempotent for presence).
      const present = await until('tags through mosquitto', async () => {
        pub(READERS.dock, zebraBatch([TAGS.water.hex]));
        pub(READERS.dock, JSON.stringify(zebraFixture.singleEvent));
        pub(READERS.floor, impinjEvent(TAGS.shirt.hex));
        const all = await tags(t);
        return all.length >= 3 ? all : null;
      });
      const byEpc = new Map(present.map((p: Json) => [p.epc, p]));
      expect(byEpc.get(TAGS.water.hex)).toMatchObject({
        gtin: TAGS.water.gtin14,
        serial: TAGS.water.serial,
        sku: 'WATER-05',
        zone: 'dock',
      });
      expect(byEpc.get(TAGS.shirt.hex)).toMatchObject({
        gtin: TAGS.shirt.gtin14,
        serial: TAGS.shirt.serial,
        sku: 'SHIRT-M',
        zone: 'salesfloor',
      });
      // The fixture's own EPC (header 0x7E) is not a GS1 scheme: present, but no item.
      expect(byEpc.get(zebraFixture.singleEvent.data.idHex)).toMatchObject({
        scheme: 'unknown',
        gtin: null,
        sku: null,
        zone: 'dock',
      });
      expect((await t.api('/api/v1/devices/dock-reader')).body.status).toBe('online');
      // Arrivals go back to the store's broker for other in-store consumers.
      await until('arrival on store-edge/store-1/tags', async () =>
        events.some((e) => e.type === 'arrival' && e.epc === TAGS.water.hex && e.sku === 'WATER-05'),
      );
    } finally {
      await watcher.endAsync(true);
    }
  });

  it('quarantines a malformed message from the external broker and reads the next one', async () => {
    pub(READERS.floor, '{"eventType":"tagInventory","tagInventoryEvent":{"epcHex":"XYZ"}}');
    const next = '3036015FFC22928003456589';
    pub(READERS.floor, impinjEvent(next));
    await until('next tag', async () => (await tags(t)).some((x) => x.epc === next));
    const q = await t.api('/api/v1/quarantine');
    expect(q.body.entries).toContainEqual(
      expect.objectContaining({ source: 'rfid', deviceId: 'floor-reader' }),
    );
  });
});
