/**
 * Labels ready before opening (issue 19), in-process with the clock injected: at the prepare
 * time the agent queues one batch per printer with the labels of every item whose price in
 * force changes before the next opening, as they read at the opening; the batch is made once
 * across restarts; the console's numbers follow the printers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FakeZebra, freePort, makeTempDir, startFakeZebra, type TempDir } from '@store-edge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMessage } from '../console/src/format.js';
import { de, en, es } from '../console/src/messages.js';
import { EdgeAgent } from '../src/agent.js';
import { loadSettings } from '../src/config/settings.js';
import type { Db } from '../src/db/database.js';
import { edgeFeatures } from '../src/features.js';
import type { CatalogItem } from '../src/ledger/catalog.js';
import { createLogger } from '../src/observability/logger.js';
import { PriceSchedule } from '../src/prices/schedule.js';
import { zonedInstant } from '../src/printing/opening/zoned.js';
import { until } from './print-helpers.js';

const TZ = 'Europe/Berlin';
const at = (date: string, hhmm: string) => zonedInstant(date, hhmm, TZ);

/**
 * Tonight is 2026-12-05 (Berlin); the store opens 2026-12-06 08:00. Before that opening: a
 * head-office change at 06:00 for MILK and FLOUR, a promotion starting at 00:00 for APPLE, one
 * ending at 23:00 tonight for COLA. After it: BREAD changes at 10:00 (tomorrow night's batch).
 */
const items: CatalogItem[] = [
  {
    sku: 'MILK',
    name: 'Milch 1 l',
    gtins: ['4012345000047'],
    price: { amount: '1.19', currency: 'EUR' },
    netContent: { amount: '1', unit: 'l' },
  },
  {
    sku: 'FLOUR',
    name: 'Mehl 1 kg',
    gtins: [],
    price: { amount: '0.99', currency: 'EUR' },
    netContent: { amount: '1', unit: 'kg' },
  },
  {
    sku: 'APPLE',
    name: 'Äpfel 500 g',
    gtins: ['4006381333931'],
    price: { amount: '2.59', currency: 'EUR' },
    netContent: { amount: '500', unit: 'g' },
  },
  {
    sku: 'COLA',
    name: 'Cola 330 ml',
    gtins: [],
    price: { amount: '0.89', currency: 'EUR' },
    netContent: { amount: '330', unit: 'ml' },
  },
  { sku: 'BREAD', name: 'Brot', gtins: [], price: { amount: '2.49', currency: 'EUR' } },
];
/** The history above as head office sends it down the change feed, applied by the prices feature's appliers. */
function seedPrices(db: Db): void {
  const schedule = new PriceSchedule(db, TZ, (msg) => {
    throw new Error(msg);
  });
  const local = (date: string, hhmm: string) => `${date}T${hhmm}:00`;
  db.transaction(() => {
    schedule.applyPriceChange({
      id: 'pc-base',
      effectiveAt: local('2026-10-01', '00:00'),
      lines: items.map((i) => ({ sku: i.sku, amount: i.price?.amount as string, currency: 'EUR' })),
    });
    schedule.applyPriceChange({
      id: 'pc-dec-6',
      effectiveAt: local('2026-12-06', '06:00'),
      lines: [
        { sku: 'MILK', amount: '1.29', currency: 'EUR' },
        { sku: 'FLOUR', amount: '1.09', currency: 'EUR' },
      ],
    });
    schedule.applyPriceChange({
      id: 'pc-dec-6-late',
      effectiveAt: local('2026-12-06', '10:00'),
      lines: [{ sku: 'BREAD', amount: '2.69', currency: 'EUR' }],
    });
    schedule.applyPromotion({
      id: 'apple-week',
      name: 'Apple week',
      startsAt: local('2026-12-06', '00:00'),
      endsAt: local('2026-12-13', '00:00'),
      skus: ['APPLE'],
      rule: { kind: 'fixed', amount: '1.99' },
    });
    schedule.applyPromotion({
      id: 'cola-end',
      name: 'Cola deal',
      startsAt: local('2026-11-28', '00:00'),
      endsAt: local('2026-12-05', '23:00'),
      skus: ['COLA'],
      rule: { kind: 'fixed', amount: '0.69' },
    });
  })();
}

let dir: TempDir;
let fakes: FakeZebra[];
let configFile: string;
let now = at('2026-12-05', '19:59');
const clock = () => new Date(now.getTime());

async function startAgent(): Promise<{
  agent: EdgeAgent;
  api: (path: string) => Promise<Record<string, unknown>>;
  text: (path: string) => Promise<string>;
}> {
  const settings = loadSettings({
    STORE_EDGE_CONFIG: configFile,
    STORE_EDGE_DATA_DIR: join(dir.path, 'data'),
    STORE_EDGE_HTTP_HOST: '127.0.0.1',
    STORE_EDGE_HTTP_PORT: String(await freePort()),
    STORE_EDGE_MQTT_PORT: '0',
    STORE_EDGE_ADMIN_PASSWORD: 'admin-test-password',
    STORE_EDGE_LOG_LEVEL: 'warn',
    STORE_EDGE_LABELS_PREPARE_AT: '20:00',
    STORE_EDGE_OPENING_TIME: '08:00',
    STORE_EDGE_TIMEZONE: TZ,
  });
  const agent = new EdgeAgent({
    settings,
    clock,
    log: createLogger(settings.logLevel, { pretty: false }),
    announce: () => {},
    features: edgeFeatures(),
  });
  await agent.start();
  const base = `http://127.0.0.1:${settings.http.port}/api/v1`;
  const login = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
  });
  const { token } = (await login.json()) as { token: string };
  const api = async (path: string) =>
    (await (
      await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Record<string, unknown>;
  const text = async (path: string) =>
    (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).text();
  return { agent, api, text };
}

beforeAll(async () => {
  dir = makeTempDir('opening-labels-');
  fakes = [await startFakeZebra(), await startFakeZebra()];
  configFile = join(dir.path, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      devices: fakes.map((f, i) => ({ id: `p${i + 1}`, kind: 'zpl-printer', address: f.address })),
      labels: { retryMaxMs: 200, locale: 'en-IE' },
    }),
  );
});
afterAll(async () => {
  for (const f of fakes ?? []) await f.stop();
  dir?.remove();
});

describe('labels for the next opening', () => {
  it('queues one batch per printer at 20:00, printed once, made once across a restart', async () => {
    let { agent, api, text } = await startAgent();
    try {
      const parts = agent.parts;
      if (!parts) throw new Error('not started');
      parts.db.transaction(() => {
        for (const i of items) parts.catalog.put(i, 'local', clock());
      })();
      seedPrices(parts.db);
      const service = agent.service('opening-labels');
      if (!service) throw new Error('opening-labels is off');

      // The preview is the label as it prints at `at`: the promotion label once Apple week runs.
      const preview = (t: Date) =>
        text(`/labels/shelf.zpl?sku=APPLE&at=${encodeURIComponent(t.toISOString())}`);
      const tonight = await preview(at('2026-12-05', '19:00'));
      expect(tonight).toContain('^FD€2.59^FS');
      expect(tonight).not.toContain('was');
      const tomorrow = await preview(at('2026-12-06', '09:00'));
      expect(tomorrow).toContain('^FD€1.99^FS');
      expect(tomorrow).toContain('^FDwas €2.59^FS');
      expect(tomorrow).toContain('^FD€3.98/kg^FS');

      // 19:59: not yet; the console says what is coming.
      expect(service.tick().kind).toBe('not-due');
      const before = await api('/labels/opening');
      expect(before).toMatchObject({ openingDate: '2026-12-06', prepared: false, queued: 0, printed: 0 });
      expect(before.prepareAt).toBe('2026-12-05T19:00:00.000Z');

      now = at('2026-12-05', '20:00');
      const made = service.tick();
      expect(made.kind).toBe('created');
      expect(service.tick().kind).toBe('exists');

      // Each printer gets the 4 labels once: MILK, FLOUR (06:00), APPLE (promotion starts),
      // COLA (promotion ends); BREAD changes after the opening and waits for tomorrow's batch.
      for (const f of fakes) await f.waitForJobs(4);
      await until('both printed', async () =>
        (await api('/labels/opening')).printed === 8 ? true : undefined,
      );
      const status = await api('/labels/opening');
      expect(status).toMatchObject({
        openingDate: '2026-12-06',
        prepared: true,
        items: 4,
        queued: 8,
        printed: 8,
      });
      expect((status.jobs as Array<{ printerId: string }>).map((j) => j.printerId).sort()).toEqual([
        'p1',
        'p2',
      ]);
      // What the console's labels page says with these numbers, in its three languages.
      const say = (lang: 'en' | 'de' | 'es', queued: number, printed: number) =>
        formatMessage({ en, de, es }[lang]['labels.forTomorrow'], { queued, printed }, lang, String);
      expect(say('en', 8, 8)).toBe('Labels for tomorrow: 8 labels queued, 8 printed.');
      expect(say('en', 1, 0)).toBe('Labels for tomorrow: 1 label queued, 0 printed.');
      expect(say('de', 8, 8)).toBe('Etiketten für morgen: 8 Etiketten eingereiht, 8 gedruckt.');
      expect(say('es', 8, 8)).toBe('Etiquetas para mañana: 8 etiquetas en cola, 8 impresas.');

      for (const f of fakes) {
        const zpl = f.jobs.map((j) => j.zpl);
        expect(zpl).toHaveLength(4);
        // As they read at 08:00 tomorrow, not as tonight.
        expect(zpl.find((z) => z.includes('Milch'))).toContain('^FD€1.29^FS');
        expect(zpl.find((z) => z.includes('Milch'))).toContain('^FD€1.29/l^FS');
        expect(zpl.find((z) => z.includes('Mehl'))).toContain('^FD€1.09/kg^FS');
        const apple = zpl.find((z) => z.includes('Äpfel')) as string;
        expect(apple).toContain('^FD€1.99^FS');
        expect(apple).toContain('^FDwas €2.59^FS');
        expect(apple).toContain('^FD€3.98/kg^FS');
        const cola = zpl.find((z) => z.includes('Cola')) as string;
        expect(cola).toContain('^FD€0.89^FS');
        expect(cola).not.toContain('€0.69');
        expect(zpl.some((z) => z.includes('Brot'))).toBe(false);
      }

      // A restart at 20:05 finds the day's batch and queues nothing new.
      await agent.stop();
      now = at('2026-12-05', '20:05');
      ({ agent, api, text } = await startAgent());
      expect(agent.service('opening-labels')?.tick().kind).toBe('exists');
      await new Promise((r) => setTimeout(r, 300));
      for (const f of fakes) expect(f.jobs).toHaveLength(4);
      expect(await api('/labels/opening')).toMatchObject({ queued: 8, printed: 8 });

      // The next evening's batch has BREAD, whose change came during opening hours (10:00).
      now = at('2026-12-06', '20:00');
      const next = agent.service('opening-labels')?.tick();
      expect(next).toMatchObject({ kind: 'created', openingDate: '2026-12-07', items: 1 });
      for (const f of fakes) await f.waitForJobs(5);
      for (const f of fakes) expect(f.jobs[4]?.zpl).toContain('^FD€2.69^FS');
    } finally {
      await agent.stop();
    }
  }, 120_000);
});
