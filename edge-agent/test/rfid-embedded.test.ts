import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Json, startTestAgent, type TestAgent } from './helpers.js';
import { impinjEvent, putItem, READERS, rfidConfig, TAGS, tags, until, zebraBatch } from './rfid-support.js';

describe('RFID readers on the embedded broker', () => {
  let t: TestAgent;
  let config: { file: string; remove(): void };
  let url: string;
  const clients: MqttClient[] = [];

  const connect = async (reader: { username: string; password: string }, clientId: string) => {
    const c = await mqtt.connectAsync(url, {
      username: reader.username,
      password: reader.password,
      clientId,
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    config = rfidConfig();
    t = await startTestAgent({ mqtt: true, env: { STORE_EDGE_CONFIG: config.file } });
    url = `mqtt://127.0.0.1:${t.settings.mqtt.port}`;
    await putItem(t, 'WATER-05', TAGS.water.gtin14);
    await putItem(t, 'SOAP-01', TAGS.soap.gtin14);
    await putItem(t, 'SHIRT-M', TAGS.shirt.gtin14);
  });

  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await t?.stop();
    config?.remove();
  });

  it('decodes a reader’s fixture payloads into present tags with gtin, serial and sku, and publishes arrivals', async () => {
    const watcher = await mqtt.connectAsync(url, {
      username: 'admin',
      password: 'admin-test-password',
      reconnectPeriod: 0,
    });
    clients.push(watcher);
    const events: Json[] = [];
    watcher.on('message', (_topic, payload) => events.push(JSON.parse(payload.toString())));
    await watcher.subscribeAsync('store-edge/store-1/tags', { qos: 1 });

    const dock = await connect(READERS.dock, 'dock-1');
    await until('dock reader online', async () => {
      const d = await t.api('/api/v1/devices/dock-reader');
      return d.body.status === 'online';
    });
    await dock.publishAsync(READERS.dock.topic, zebraBatch([TAGS.water.hex, TAGS.soap.hex, TAGS.water.hex]));
    const floor = await connect(READERS.floor, 'floor-1');
    await floor.publishAsync(READERS.floor.topic, impinjEvent(TAGS.shirt.hex));

    const present = await until('three tags present', async () => {
      const all = await tags(t);
      return all.length === 3 ? all : null;
    });
    const byEpc = new Map(present.map((p: Json) => [p.epc, p]));
    expect(byEpc.get(TAGS.water.hex)).toMatchObject({
      gtin: TAGS.water.gtin14,
      serial: TAGS.water.serial,
      sku: 'WATER-05',
      zone: 'dock',
    });
    expect(byEpc.get(TAGS.soap.hex)).toMatchObject({ gtin: TAGS.soap.gtin14, sku: 'SOAP-01', zone: 'dock' });
    expect(byEpc.get(TAGS.shirt.hex)).toMatchObject({
      gtin: TAGS.shirt.gtin14,
      serial: TAGS.shirt.serial,
      sku: 'SHIRT-M',
      zone: 'salesfloor',
    });
    expect(Date.parse(byEpc.get(TAGS.water.hex).firstSeenAt)).not.toBeNaN();
    expect((await tags(t, 'salesfloor')).map((x) => x.epc)).toEqual([TAGS.shirt.hex]);

    await until('arrival events on store-edge/store-1/tags', async () => events.length >= 3);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'arrival', epc: TAGS.water.hex, zone: 'dock', sku: 'WATER-05' }),
    );
    // Presence changes are published once, not once per read.
    expect(events.filter((e) => e.epc === TAGS.water.hex)).toHaveLength(1);

    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/store_edge_rfid_reads_total\{reader="dock-reader"\} 3/);
  });

  it('refuses a reader publishing on another reader’s topic: its reads never show up', async () => {
    const floor = await connect(READERS.floor, 'floor-spoof');
    let closed = false;
    floor.once('close', () => {
      closed = true;
    });
    // As floor-reader, on the dock reader's topic, a well-formed event of an EPC nobody else reads.
    const spoofEpc = '3034257BF7194E400000FFFF';
    floor.publish(READERS.dock.topic, impinjEvent(spoofEpc));
    // aedes closes a connection whose publish it refuses (MQTT 3.1.1 §3.3.5: the server may
    // disconnect); either way the message is not delivered.
    await until('the refused publish to close the connection (or, wrongly, the tag to show)', async () =>
      closed ? true : (await tags(t)).some((x) => x.epc === spoofEpc),
    );
    const dock = await connect(READERS.dock, 'dock-marker');
    const marker = '3034257BF7194E400000EEEE';
    await dock.publishAsync(READERS.dock.topic, zebraBatch([marker]));
    await until('marker tag', async () => (await tags(t)).some((x) => x.epc === marker));
    expect((await tags(t)).map((x) => x.epc)).not.toContain(spoofEpc);
  });

  it('quarantines a malformed payload, counts it, keeps the reader connected and processes the next one', async () => {
    const dock = await connect(READERS.dock, 'dock-2');
    let dropped = false;
    dock.on('close', () => {
      dropped = true;
    });
    await dock.publishAsync(READERS.dock.topic, '{"type":"SIMPLE","data":{"idHex": 42');
    const next = '3034007D00011C400000000C';
    await dock.publishAsync(READERS.dock.topic, zebraBatch([next]));
    const seen = await until('next good tag', async () => (await tags(t)).find((x) => x.epc === next));
    expect(seen).toMatchObject({ gtin: TAGS.soap.gtin14, serial: '12', sku: 'SOAP-01' });
    expect(dropped).toBe(false);
    expect(dock.connected).toBe(true);

    const q = await t.api('/api/v1/quarantine');
    const entry = q.body.entries.find((e: Json) => e.source === 'rfid');
    expect(entry).toMatchObject({ deviceId: 'dock-reader' });
    expect(entry.raw).toContain('idHex');
    expect(entry.reason).toMatch(/zebra-iot/);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/store_edge_rfid_rejected_total\{reader="dock-reader"\} 1\b/);
  });

  it('shows a reader offline once its last connection closes', async () => {
    const backroom = await connect(READERS.backroom, 'backroom-1');
    await until(
      'backroom online',
      async () => (await t.api('/api/v1/devices/backroom-reader')).body.status === 'online',
    );
    await backroom.endAsync();
    await until(
      'backroom offline',
      async () => (await t.api('/api/v1/devices/backroom-reader')).body.status === 'offline',
    );
  });

  it('refuses a reader with a wrong password', async () => {
    await expect(
      mqtt.connectAsync(url, {
        username: READERS.dock.username,
        password: 'wrong-password',
        reconnectPeriod: 0,
        connectTimeout: 3000,
      }),
    ).rejects.toThrow();
  });
});

describe('RFID reader devices through the API', () => {
  it('checks a reader’s fields, and a reader added through the API can log in and be read at once', async () => {
    const config = rfidConfig();
    const t = await startTestAgent({ mqtt: true, env: { STORE_EDGE_CONFIG: config.file } });
    try {
      const bad = await t.api('/api/v1/devices/door-2', {
        method: 'PUT',
        body: { id: 'door-2', kind: 'rfid-reader', format: 'acme', topic: 'door/#/x', username: 'door2' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: Json) => e.path).sort()).toEqual([
        '/format',
        '/password',
        '/topic',
        '/zone',
      ]);

      const ok = await t.api('/api/v1/devices/door-2', {
        method: 'PUT',
        body: {
          id: 'door-2',
          kind: 'rfid-reader',
          format: 'zebra-iot',
          topic: 'zebra/door-2/data',
          username: 'door2',
          password: 'door2-secret',
          zone: 'dock',
        },
      });
      expect(ok.status).toBeLessThan(300);
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.settings.mqtt.port}`, {
        username: 'door2',
        password: 'door2-secret',
        reconnectPeriod: 0,
      });
      try {
        await c.publishAsync('zebra/door-2/data', zebraBatch([TAGS.shirt.hex]));
        const tag = await until('tag from the new reader', async () =>
          (await tags(t)).find((x) => x.epc === TAGS.shirt.hex),
        );
        expect(tag).toMatchObject({ zone: 'dock', gtin: TAGS.shirt.gtin14 });
      } finally {
        await c.endAsync(true);
      }
    } finally {
      await t.stop();
      config.remove();
    }
  });
});
