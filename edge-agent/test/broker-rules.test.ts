import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from './helpers.js';
import { READERS, rfidConfig, zebraBatch } from './rfid-support.js';

/** What a client cannot make the embedded broker keep for it (in-process agent). */
describe('embedded broker keeps nothing for clients', () => {
  let t: TestAgent;
  let config: { file: string; remove(): void };
  let url: string;

  beforeAll(async () => {
    config = rfidConfig();
    t = await startTestAgent({ mqtt: true, env: { STORE_EDGE_CONFIG: config.file } });
    url = `mqtt://127.0.0.1:${t.settings.mqtt.port}`;
  });

  afterAll(async () => {
    await t?.stop();
    config?.remove();
  });

  it('stores no retained message a reader sends', async () => {
    const dock = await mqtt.connectAsync(url, {
      username: READERS.dock.username,
      password: READERS.dock.password,
      reconnectPeriod: 0,
    });
    await dock.publishAsync(READERS.dock.topic, zebraBatch([]), { qos: 1, retain: true });
    expect(dock.connected).toBe(true);
    await dock.endAsync();
    const retained: string[] = [];
    const broker = t.agent.parts!.broker!;
    for await (const p of broker.aedes.persistence.createRetainedStream('#') as AsyncIterable<{
      topic: string;
    }>)
      if (!p.topic.startsWith('$')) retained.push(p.topic);
    expect(retained).toEqual([]);
  });

  it('gives a client asking for a persistent session a clean one, so nothing queues while it is away', async () => {
    const opts = {
      username: 'admin',
      password: 'admin-test-password',
      clientId: 'watcher-persistent',
      clean: false,
      reconnectPeriod: 0,
    };
    const first = await mqtt.connectAsync(url, opts);
    await first.subscribeAsync('store-edge/store-1/#', { qos: 1 });
    await first.endAsync();
    const again = mqtt.connect(url, opts);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      again.once('connect', resolve);
      again.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(false);
    await again.endAsync();
  });
});
