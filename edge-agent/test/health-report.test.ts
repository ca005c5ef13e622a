// The store's health reporter against a real cloud app on MariaDB (docs/fleet.md): what head
// office reads back from the report, the bounds, the clock offset, and when reports go.
import { HEALTH_LIMITS } from '@store-edge/protocol';
import { admin, createTenantAndStore, startTestCloud, type TestCloud } from '@store-edge/testing/cloud';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CloudClient } from '../src/replication/cloud-client.js';
import { HealthReporter, type ReporterTimers } from '../src/replication/health-report.js';
import { type Json, startTestAgent, type TestAgent } from './helpers.js';

const STORE = 'health-1';
/** The cloud's clock runs an hour behind the store's. */
const SKEW_MS = 3_600_000;

let cloud: TestCloud;
let cloudUrl = '';
let token = '';
let agent: TestAgent;

/** Timers the test fires by hand: no report waits for wall-clock time. */
class ManualTimers implements ReporterTimers {
  pending: Array<{ fn: () => void; ms: number }> = [];
  setTimeout(fn: () => void, ms: number) {
    const t = { fn, ms };
    this.pending.push(t);
    return t;
  }
  clearTimeout(handle: unknown) {
    this.pending = this.pending.filter((t) => t !== handle);
  }
  /** Fires the earliest timer, as if its time had come. */
  fire() {
    const t = this.pending.shift();
    t?.fn();
  }
}

function reporter(send: CloudClient['sendHealth'], timers = new ManualTimers()) {
  const core = agent.agent.parts;
  if (!core) throw new Error('agent not started');
  return { r: new HealthReporter({ core, send, intervalMs: 30_000, timers }), timers };
}

async function health(): Promise<Json> {
  const res = await cloud.app.inject({ method: 'GET', url: `/v1/stores/${STORE}/health`, headers: admin });
  expect(res.statusCode).toBe(200);
  return res.json();
}

beforeAll(async () => {
  cloud = await startTestCloud(inject('mysqlUrl'), { clock: () => new Date(Date.now() - SKEW_MS) });
  await cloud.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = cloud.app.server.address();
  cloudUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  token = (await createTenantAndStore(cloud.app, 'health-tenant', STORE)).token;
  // No features: nothing drives the devices, the test sets their status as drivers would.
  agent = await startTestAgent({ env: { STORE_EDGE_STORE_ID: STORE }, features: [] });
});

afterAll(async () => {
  await agent?.stop();
  await cloud?.close();
});

describe('health reporter', () => {
  it('lists devices in trouble first, at most the limit with the rest counted, details clipped', async () => {
    const devices = agent.agent.parts?.devices;
    if (!devices) throw new Error('no devices');
    for (let i = 0; i < HEALTH_LIMITS.devices + 4; i++) {
      devices.put({
        id: `scanner-${String(i).padStart(3, '0')}`,
        kind: 'hid-scanner',
        path: `/dev/hidraw${i}`,
      });
      devices.setStatus(`scanner-${String(i).padStart(3, '0')}`, 'online');
    }
    devices.put({ id: 'printer-1', kind: 'zpl-printer', address: 'tcp://127.0.0.1:9' });
    devices.setStatus('printer-1', 'error', { error: `paper out, ${'x'.repeat(400)}` });
    devices.put({ id: 'reader-1', kind: 'rfid-reader', format: 'zebra-iot', topic: 'r1' });
    devices.setStatus('reader-1', 'offline', { error: 'not connected' });

    const client = new CloudClient(cloudUrl, token, STORE);
    const { r } = reporter((report) => client.sendHealth(report));
    r.start();
    await r.reportNow();
    await r.stop();
    expect(r.status.lastError).toBeNull();

    const h = await health();
    expect(h.status).toBe('online');
    expect(h.devices).toHaveLength(HEALTH_LIMITS.devices);
    expect(h.devicesLeftOut).toBe(HEALTH_LIMITS.devices + 6 - HEALTH_LIMITS.devices);
    expect(h.devices[0]).toMatchObject({ id: 'printer-1', kind: 'zpl-printer', status: 'error' });
    expect(h.devices[0].detail).toHaveLength(HEALTH_LIMITS.detail);
    expect(h.devices[0].detail.startsWith('paper out, xxx')).toBe(true);
    expect(h.devices[1]).toEqual({
      id: 'reader-1',
      kind: 'rfid-reader',
      status: 'offline',
      detail: 'not connected',
    });
    expect(h.devices[2]).toEqual({ id: 'scanner-000', kind: 'hid-scanner', status: 'online', detail: null });
    expect(h.devicesInError).toBe(1);
    expect(h.backlog).toEqual({ pending: 0, oldestPendingAt: null });
    expect(h.diskFreeBytes).toBeGreaterThan(0);
  });

  it("measures the store's clock against the cloud's from the answer and reports it next time", async () => {
    const client = new CloudClient(cloudUrl, token, STORE);
    const { r } = reporter((report) => client.sendHealth(report));
    r.start();
    await r.reportNow();
    expect((await health()).clockOffsetMs).toBeNull();
    await r.stop();
    // The store is an hour ahead of the cloud; the round trip on one host is well under a second.
    expect(Math.abs((r.status.clockOffsetMs ?? 0) - SKEW_MS)).toBeLessThan(1000);
    r.start();
    await r.reportNow();
    await r.stop();
    expect(Math.abs((await health()).clockOffsetMs - SKEW_MS)).toBeLessThan(1000);
  });

  it('reports again after the interval, and at once when replication reaches the cloud after a failed report', async () => {
    let reachable = false;
    const good = new CloudClient(cloudUrl, token, STORE);
    const dead = new CloudClient('http://127.0.0.1:9', token, STORE);
    const sent: string[] = [];
    const { r, timers } = reporter(async (report) => {
      sent.push(report.sentAt);
      return (reachable ? good : dead).sendHealth(report);
    });
    r.start();
    await r.reportNow();
    expect(r.status.lastError).toMatch(/cloud not reachable/);
    expect(timers.pending.map((t) => t.ms)).toEqual([30_000]);

    // The link is back: the shipper's status event sends a report without waiting the interval.
    reachable = true;
    agent.agent.parts?.events.emit('replication', { online: true });
    await r.reportNow();
    expect(sent).toHaveLength(2);
    expect(r.status.lastError).toBeNull();
    const before = (await health()).lastSeenAt;

    // Further status events while reports succeed send nothing extra; the interval does.
    agent.agent.parts?.events.emit('replication', { online: true });
    expect(sent).toHaveLength(2);
    expect(timers.pending).toHaveLength(1);
    timers.fire();
    await r.reportNow();
    expect(sent).toHaveLength(3);
    expect((await health()).lastSeenAt >= before).toBe(true);
    await r.stop();
    expect(timers.pending).toHaveLength(0);
  });
});
