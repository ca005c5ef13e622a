import { EventEmitter } from 'node:events';
import type { HidBinding, HidDevice, HidDeviceInfo, HidOpenOptions } from '@store-edge/drivers';
import { loadFixture } from '@store-edge/testing';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanningFeature } from '../src/scanning/index.js';
import { ITEM, type Json, startTestAgent, type TestAgent } from './helpers.js';
import { waitFor } from './scan-support.js';

// HID devices cannot be attached here (ARCHITECTURE.md): the scanning component runs the real
// HidScanner driver on an in-memory HID bus that plays the fixtures' recorded report bytes.
class FakeDevice extends EventEmitter implements HidDevice {
  closed = false;
  constructor(readonly path: string) {
    super();
  }
  close(): void {
    this.closed = true;
  }
  play(reports: readonly (readonly number[])[]): void {
    for (const r of reports) this.emit('data', Uint8Array.from(r));
  }
}

class FakeBus implements HidBinding {
  devices: HidDeviceInfo[] = [];
  opened: FakeDevice[] = [];
  async enumerate(): Promise<HidDeviceInfo[]> {
    return this.devices.map((d) => ({ ...d }));
  }
  async open(path: string, _options: HidOpenOptions): Promise<HidDevice> {
    if (!this.devices.some((d) => d.path === path)) throw new Error(`could not open ${path}`);
    const d = new FakeDevice(path);
    this.opened.push(d);
    return d;
  }
  device(path: string): FakeDevice {
    const d = this.opened.filter((o) => o.path === path && !o.closed).at(-1);
    if (!d) throw new Error(`${path} is not open`);
    return d;
  }
  unplug(path: string): void {
    this.devices = this.devices.filter((d) => d.path !== path);
    for (const d of this.opened)
      if (d.path === path && !d.closed) d.emit('error', new Error('could not read from HID device'));
  }
}

interface KeyboardFixture {
  workedExample: { input: string; reports: Array<{ press: number[]; release: number[] }> };
}
interface PosFixture {
  honeywellCapturedReports: { reports: Array<{ bytes: number[] }> };
}

describe('HID scanners through the scanning component', () => {
  const bus = new FakeBus();
  let t: TestAgent;
  const kb = loadFixture('hid-keyboard-reports.json') as KeyboardFixture;
  const pos = loadFixture('hid-pos-reports.json') as PosFixture;

  beforeAll(async () => {
    bus.devices.push(
      { path: '/dev/hidraw3', vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x01, usage: 0x06 },
      { path: '/dev/hidraw4', vendorId: 0x0c2e, productId: 0x0b87, usagePage: 0x8c, usage: 0x02 },
    );
    t = await startTestAgent({
      mqtt: true,
      features: [scanningFeature({ hidBinding: bus, hidPollMs: 50 })],
    });
    expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
  });
  afterAll(async () => t?.stop());

  it('a keyboard-wedge scan (recorded boot reports) becomes a sale', async () => {
    const put = await t.api('/api/v1/devices/till-kb', {
      method: 'PUT',
      body: {
        id: 'till-kb',
        kind: 'hid-scanner',
        vendorId: '0x0c2e',
        productId: '0x0b61',
        protocol: 'keyboard',
        layout: 'us',
        mode: 'sale',
        location: 'salesfloor',
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await waitFor(
      async () => (await t.api('/api/v1/devices/till-kb')).body.status === 'online',
      5000,
      'online',
    );
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.settings.mqtt.port}`, {
      username: 'admin',
      password: 'admin-test-password',
      reconnectPeriod: 0,
    });
    const published: Json[] = [];
    client.on('message', (topic, payload) => published.push({ topic, scan: JSON.parse(payload.toString()) }));
    await client.subscribeAsync('store-edge/store-1/scans', { qos: 1 });
    bus.device('/dev/hidraw3').play(kb.workedExample.reports.flatMap((r) => [r.press, r.release]));
    const code = kb.workedExample.input.replace(' + Enter', '');
    const s = await waitFor(
      async () => ((await t.api('/api/v1/scans')).body.scans as Json[]).find((x) => x.deviceId === 'till-kb'),
      5000,
      'scan',
    );
    expect(s).toMatchObject({ code, outcome: 'movement', item: { sku: 'SKU-1' } });
    const stock = (await t.api('/api/v1/stock?sku=SKU-1&location=salesfloor')).body.items[0];
    expect(stock.onHand).toBe(-1);
    const m = ((await t.api('/api/v1/movements')).body.movements as Json[]).find(
      (x) => x.id === s.movement.id,
    );
    expect(m).toMatchObject({ type: 'sale', source: 'device:till-kb', actor: 'till-kb', qty: 1 });
    await waitFor(() => published.length > 0, 5000, 'MQTT scan');
    expect(published[0]).toMatchObject({
      topic: 'store-edge/store-1/scans',
      scan: { id: s.id, outcome: 'movement' },
    });
    await client.endAsync();
  });

  it('HID POS reports that are no item are quarantined, and unplugging shows offline', async () => {
    const put = await t.api('/api/v1/devices/recv-pos', {
      method: 'PUT',
      body: {
        id: 'recv-pos',
        kind: 'hid-scanner',
        path: '/dev/hidraw4',
        protocol: 'pos',
        mode: 'receive',
        location: 'dock',
      },
    });
    expect(put.status).toBe(200);
    await waitFor(
      async () => (await t.api('/api/v1/devices/recv-pos')).body.status === 'online',
      5000,
      'online',
    );
    // The captured Honeywell reports answer a REVINF menu command: text, not an item.
    bus.device('/dev/hidraw4').play(pos.honeywellCapturedReports.reports.map((r) => r.bytes));
    const got = await waitFor(
      async () => {
        const list = (await t.api('/api/v1/scans?deviceId=recv-pos')).body.scans as Json[];
        return list.length > 0 ? list : undefined;
      },
      5000,
      'POS scans',
    );
    expect(got.every((s) => s.outcome === 'quarantined' && typeof s.reason === 'string')).toBe(true);
    expect(got.some((s) => s.aimId === ']Z6')).toBe(true);

    bus.unplug('/dev/hidraw4');
    const off = await waitFor(
      async () => {
        const d = (await t.api('/api/v1/devices/recv-pos')).body;
        return d.status === 'offline' ? d : undefined;
      },
      5000,
      'offline',
    );
    expect(off.lastError).toMatch(/hidraw4/);
    bus.devices.push({ path: '/dev/hidraw4', vendorId: 0x0c2e, productId: 0x0b87, usagePage: 0x8c });
    await waitFor(
      async () => (await t.api('/api/v1/devices/recv-pos')).body.status === 'online',
      5000,
      'back',
    );
  });
});

describe('scanner entries from the config file', () => {
  it('an invalid entry shows error with the problem and does not stop the agent', async () => {
    const t = await startTestAgent({
      features: [scanningFeature({ hidBinding: new FakeBus() })],
      setup: (agent) => {
        agent.settings.devices.push({ id: 'odd', kind: 'hid-scanner', protocol: 'usb', mode: 'sale' });
      },
    });
    try {
      const d = (await t.api('/api/v1/devices/odd')).body;
      expect(d.status).toBe('error');
      expect(d.lastError).toMatch(/protocol must be pos or keyboard/);
      expect((await fetch(`${t.baseUrl}/readyz`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});
