/**
 * Issue 19 must-show 4, with real processes: `store-edge cloud` on MySQL, `store-edge edge`,
 * two fake Zebras. The store's clock is put at the prepare time through its zone (an Etc/GMT
 * zone in which it is 20:xx now), so nothing waits for a schedule. The agent queues one batch
 * per printer; it is SIGKILLed while one printer has printed and the other (paused) has not;
 * after the restart nothing is made or printed again, the paused printer prints its batch
 * once, and GET /v1/price-changes/{id} shows the store as received and printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AgentProcess,
  type CloudProcess,
  createTestDatabase,
  type FakeZebra,
  makeTempDir,
  startAgent,
  startCloudProcess,
  startFakeZebra,
  type TestDatabase,
} from '@store-edge/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays, localDate } from '../../edge-agent/src/printing/opening/zoned.js';
import type { Json } from '../../edge-agent/test/helpers.js';
import { until } from '../../edge-agent/test/print-helpers.js';

const ADMIN = 'test-admin-token-0123456789';

/** An Etc/GMT zone where the local hour is 20 now (POSIX sign: Etc/GMT-6 is UTC+6). */
function zoneAtEightPm(): string {
  let offset = 20 - new Date().getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

async function client(agent: AgentProcess) {
  const r = await fetch(`${agent.baseUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
  });
  const { token } = (await r.json()) as { token: string };
  return async (path: string): Promise<Json> =>
    (await fetch(`${agent.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
}

async function cloudCall(cloud: CloudProcess, method: string, path: string, body: unknown): Promise<Json> {
  const r = await fetch(`${cloud.baseUrl}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

let db: TestDatabase;
let cloud: CloudProcess | null = null;
let agent: AgentProcess | null = null;
const fakes: FakeZebra[] = [];
const dir = makeTempDir('opening-crash-');

beforeAll(async () => {
  db = await createTestDatabase(inject('mysqlUrl'), 'se_opening');
  cloud = await startCloudProcess({ mysqlUrl: db.url, adminToken: ADMIN });
});
afterAll(async () => {
  agent?.kill('SIGKILL');
  await agent?.exited;
  await cloud?.stop();
  for (const f of fakes) await f.stop();
  await db?.drop();
  dir.remove();
});

describe('labels ready before opening, across a SIGKILL', () => {
  it('prints one batch per printer exactly once and reports it printed to the cloud', async () => {
    if (!cloud) throw new Error('no cloud');
    const zone = zoneAtEightPm();
    let last: unknown = null;
    const tomorrow = addDays(localDate(new Date(), zone), 1);

    // Head office: a tenant, the store, three items, and tonight's price change for two of them.
    await cloudCall(cloud, 'POST', '/tenants', { id: 'shop', name: 'Shop' });
    const { token } = await cloudCall(cloud, 'POST', '/stores', {
      id: 'store-1',
      tenantId: 'shop',
      name: 'Store 1',
    });
    const items = [
      ['MILK', 'Milch 1 l', '4012345000047', '1.19'],
      ['FLOUR', 'Mehl 1 kg', '4006381333931', '0.99'],
      ['BREAD', 'Brot', '5901234123457', '2.49'],
    ] as const;
    for (const [sku, name, gtin, amount] of items)
      await cloudCall(cloud, 'PUT', `/items/${sku}`, {
        tenantId: 'shop',
        name,
        gtins: [gtin],
        price: { amount, currency: 'EUR' },
      });
    try {
      // Tonight's head-office price change, effective at 06:00 in each store's zone.
      await cloudCall(cloud, 'POST', '/price-changes', {
        id: 'pc-night',
        tenantId: 'shop',
        effectiveAt: `${tomorrow}T06:00:00`,
        changes: [
          { sku: 'MILK', amount: '1.29', currency: 'EUR' },
          { sku: 'FLOUR', amount: '1.09', currency: 'EUR' },
        ],
      });

      fakes.push(await startFakeZebra(), await startFakeZebra({ state: { paused: true } }));
      const [p1, p2] = fakes as [FakeZebra, FakeZebra];
      const config = join(dir.path, 'config.json');
      writeFileSync(
        config,
        JSON.stringify({
          devices: [
            { id: 'p1', kind: 'zpl-printer', address: p1.address },
            { id: 'p2', kind: 'zpl-printer', address: p2.address },
          ],
          labels: { retryMaxMs: 200 },
        }),
      );
      const env = (prepareAt: string) => ({
        STORE_EDGE_CONFIG: config,
        STORE_EDGE_LOG_LEVEL: 'warn',
        STORE_EDGE_CLOUD_URL: cloud?.baseUrl as string,
        STORE_EDGE_CLOUD_TOKEN: token as string,
        STORE_EDGE_TIMEZONE: zone,
        STORE_EDGE_OPENING_TIME: '08:00',
        STORE_EDGE_LABELS_PREPARE_AT: prepareAt,
      });
      const data = join(dir.path, 'data');

      // The afternoon: the prepare time (22:00 for this run) is ahead; the feed brings the change.
      agent = await startAgent({ dataDir: data, env: env('22:00') });
      let api = await client(agent);
      const opening = `${tomorrow}T08:00:00`;
      await until(
        'the price change at the store',
        async () => {
          const milk = await api(
            `/items/MILK?at=${encodeURIComponent(new Date(Date.parse(`${opening}Z`)).toISOString())}`,
          );
          return milk?.nextChange || milk?.price?.amount === '1.29' ? true : undefined;
        },
        30_000,
      );
      expect(await api('/labels/opening')).toMatchObject({ prepared: false, queued: 0 });
      await agent.stop();

      // 20:00, the default prepare time: the batch is made at start, one per printer.
      agent = await startAgent({ dataDir: data, env: env('20:00') });
      api = await client(agent);
      // MILK and FLOUR change at 06:00; BREAD got its first price today (a new item), so it
      // needs a label too.
      await p1.waitForJobs(3, 20_000);
      const status = await until('p1 printed, p2 waiting', async () => {
        const s = await api('/labels/opening');
        return s.printed === 3 && s.queued === 6 ? s : undefined;
      });
      expect(status).toMatchObject({ openingDate: tomorrow, prepared: true, items: 3 });
      expect(status.jobs.map((j: Json) => [j.printerId, j.status]).sort()).toEqual([
        ['p1', 'done'],
        ['p2', 'queued'],
      ]);
      expect(p2.jobs).toHaveLength(0);

      // Mid-batch: p2's labels are still queued.
      agent.kill('SIGKILL');
      expect(await agent.exited).toBe('SIGKILL');

      agent = await startAgent({ dataDir: data, env: env('20:00') });
      api = await client(agent);
      p2.set({ paused: false });
      await p2.waitForJobs(3, 20_000);
      await until('both printed', async () => {
        last = await api('/labels/opening');
        return (last as Json).printed === 6 ? true : undefined;
      });
      // Give a wrongly re-made batch the time to show up on the printers: none may.
      await new Promise((r) => setTimeout(r, 1000));
      for (const f of fakes) {
        expect(f.jobs).toHaveLength(3);
        const texts = f.jobs.map((j) => j.zpl).join('\n');
        // As at 08:00 tomorrow: the new prices, each label once.
        expect(texts).toContain('^FD€1.29^FS');
        expect(texts).toContain('^FD€1.09^FS');
        expect(texts).toContain('^FD€2.49^FS');
      }

      // Head office sees store-1 received pc-night and printed its labels (the report is
      // retried until the cloud acknowledges it).
      const seen = await until(
        'the label report in the cloud',
        async () => {
          const r = await fetch(`${cloud?.baseUrl}/v1/price-changes/pc-night`, {
            headers: { authorization: `Bearer ${ADMIN}` },
          });
          const body = (await r.json()) as Json;
          return body.stores?.[0]?.labelsPrintedAt ? body : undefined;
        },
        30_000,
      );
      expect(seen.stores).toEqual([
        { storeId: 'store-1', receivedAt: expect.any(String), labelsPrintedAt: expect.any(String) },
      ]);
      expect(Date.parse(seen.stores[0].labelsPrintedAt)).toBeGreaterThanOrEqual(
        Date.parse(seen.stores[0].receivedAt),
      );
      expect((await api('/labels/opening')).reportedAt).toEqual(expect.any(String));
    } catch (err) {
      process.stderr.write(`last status: ${JSON.stringify(last)}\n`);
      process.stderr.write(`agent output:\n${agent?.output().slice(-4000)}\n`);
      throw err;
    }
  }, 180_000);
});
