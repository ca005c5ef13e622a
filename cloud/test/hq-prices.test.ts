// The head-office console's price pages in headless Chromium (issue 19) against a real cloud
// process on real MariaDB and a real OpenID provider: a merchandiser signs in on the provider's
// own page, schedules a price change for tomorrow 06:00 on the stores' clocks, sees every store
// "not received"; Berlin, a real `store-edge edge` process, receives it through its change feed,
// prints the labels for the next opening on a fake Zebra and reports them printed; Hamburg
// fetches its feed with its store token (the route the agent uses); the pages show received and
// printed. A promotion is created and edited; a viewer reads without edit buttons; German once;
// axe-core on every page. UPDATE_SCREENSHOTS=1 writes docs/screenshots/head-office-prices-*.png.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AgentProcess,
  type CloudProcess,
  createTestDatabase,
  type FakeZebra,
  startAgent,
  startCloudProcess,
  startFakeZebra,
  startOidcProvider,
  type TestDatabase,
  type TestOidcProvider,
} from '@store-edge/testing';
import { seriousA11yViolations } from '@store-edge/testing/a11y';
import { ADMIN_TOKEN } from '@store-edge/testing/cloud';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const TENANT = 'acme';
const ZONE = 'Europe/Berlin';
const STORES = [
  { id: 'berlin-mitte', name: 'Berlin Mitte', token: '' },
  { id: 'hamburg-altona', name: 'Hamburg Altona', token: '' },
  { id: 'muenchen-ost', name: 'München Ost', token: '' },
];
const [BERLIN, HAMBURG, MUENCHEN] = STORES as [(typeof STORES)[0], (typeof STORES)[0], (typeof STORES)[0]];
const CHANGE_ID = 'pc-spring-1';

let db: TestDatabase;
let cloud: CloudProcess;
let provider: TestOidcProvider;
let context: BrowserContext;
let profile: string;
let shotDir: string;
let berlinAgent: AgentProcess | undefined;
let zebra: FakeZebra | undefined;
let agentDir: string | undefined;

/** Tomorrow's date on the stores' clocks (Europe/Berlin), as a datetime-local value at 06:00. */
function tomorrowSixLocal(): string {
  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  return `${day.format(new Date(Date.now() + 86_400_000))}T06:00`;
}

async function call(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const res = await fetch(`${cloud.baseUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${init.token ?? ADMIN_TOKEN}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/**
 * What a store's agent does with its token: reads its change feed, then polls again from the
 * cursor it reached, which tells the cloud everything up to there is applied (received).
 */
async function storeReceives(store: (typeof STORES)[0]): Promise<void> {
  const first = await call(`/v1/stores/${store.id}/changes?after=0&limit=1000`, { token: store.token });
  expect(first.status).toBe(200);
  const feed = first.body as { changes: Array<{ cursor: number; kind: string; data: { id?: string } }> };
  expect(feed.changes.some((c) => c.kind === 'price-change' && c.data.id === CHANGE_ID)).toBe(true);
  const last = Math.max(...feed.changes.map((c) => c.cursor));
  const next = await call(`/v1/stores/${store.id}/changes?after=${last}&waitSeconds=0`, {
    token: store.token,
  });
  expect(next.status).toBe(200);
}

/** No serious or critical axe-core finding on the page as it is. */
async function a11y(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shotDir, `head-office-prices-${name}.png`), fullPage: true });
}

/** The console's sign-in button, the provider's own login form when it asks, and back signed in. */
async function signIn(page: Page, path: string, account: string): Promise<void> {
  await page.goto(`${cloud.baseUrl}${path}`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const login = page.locator('input[name="login"]');
  const back = page.locator('header .who');
  await login.or(back).first().waitFor();
  if (await login.isVisible()) {
    await login.fill(account);
    await page.locator('input[name="password"]').fill('any-password');
    await page.locator('button[type="submit"]').click();
  }
  await back.getByText(account).waitFor();
}

describe('head-office console: price changes, promotions, label readiness', () => {
  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'se_hqprices');
    provider = await startOidcProvider({
      accounts: {
        maria: { tenant: TENANT, roles: ['merchandiser'] },
        vera: { tenant: TENANT, roles: ['viewer'] },
      },
    });
    cloud = await startCloudProcess({
      mysqlUrl: db.url,
      adminToken: ADMIN_TOKEN,
      env: {
        STORE_EDGE_OIDC_ISSUER: provider.issuer,
        STORE_EDGE_OIDC_AUDIENCE: provider.audience,
        STORE_EDGE_OIDC_CLIENT_ID: provider.consoleClientId,
      },
    });
    await provider.setRedirectUris([`${cloud.baseUrl}/callback`]);
    expect((await call('/v1/tenants', { body: { id: TENANT, name: 'ACME Retail' } })).status).toBe(201);
    for (const s of STORES) {
      const r = await call('/v1/stores', { body: { id: s.id, tenantId: TENANT, name: s.name } });
      expect(r.status).toBe(201);
      s.token = (r.body as { token: string }).token;
    }
    for (const [sku, name, amount] of [
      ['SKU-1001', 'Hafermilch 1 l', '1.29'],
      ['SKU-1002', 'Vollkornbrot 500 g', '2.49'],
    ] as const) {
      const r = await call(`/v1/items/${sku}`, {
        method: 'PUT',
        body: { tenantId: TENANT, name, gtins: [], price: { amount, currency: 'EUR' } },
      });
      expect(r.status).toBe(200);
    }
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      shotDir = SHOTS;
    } else shotDir = mkdtempSync(join(tmpdir(), 'hq-prices-shots-'));
    profile = mkdtempSync(join(tmpdir(), 'hq-prices-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
      viewport: { width: 1366, height: 900 },
      locale: 'en-GB',
      timezoneId: ZONE,
    });
    context.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await berlinAgent?.stop();
    await zebra?.stop();
    if (agentDir) rmSync(agentDir, { recursive: true, force: true });
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (shotDir && shotDir !== SHOTS) rmSync(shotDir, { recursive: true, force: true });
    await cloud?.stop();
    await provider?.stop();
    await db?.drop();
  });

  it('lets a merchandiser schedule a price change for tomorrow 06:00 store time, shows a refused amount at its field, then lists it with every store not received', async () => {
    const page = await context.newPage();
    await signIn(page, '/', 'maria');
    await page.getByRole('link', { name: 'Price changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Price changes' }).waitFor();
    await page.getByText('No price changes.').waitFor();
    await page.getByRole('button', { name: 'Schedule a price change' }).click();
    await page.getByLabel('Price change', { exact: true }).fill(CHANGE_ID);
    await page.getByLabel('Date and time').fill(tomorrowSixLocal());
    expect(await page.getByLabel('On whose clock').inputValue()).toBe('store');
    await page.getByLabel('SKU (line 1)').fill('SKU-1001');
    // Five decimals: the cloud refuses it (400, errors[].path /changes/0/amount).
    await page.getByLabel('Price (line 1)').fill('1.23456');
    await page.getByRole('button', { name: 'Add a line' }).click();
    await page.getByLabel('SKU (line 2)').fill('SKU-1002');
    await page.getByLabel('Price (line 2)').fill('2,59');
    // Keyboard: Enter in a field submits the form.
    await page.getByLabel('Price (line 2)').press('Enter');
    await page.getByRole('alert').getByText('Some values are not valid', { exact: false }).waitFor();
    const amount1 = page.getByLabel('Price (line 1)');
    const described = (await amount1.getAttribute('aria-describedby')) ?? '';
    expect(described).not.toBe('');
    // The cloud's message sits at that field (aria-describedby), and at no other line's field.
    expect((await page.locator(`[id="${described}"]`).textContent())?.trim()).not.toBe('');
    expect(await page.locator('[data-line="0"] .has-error').count()).toBe(1);
    expect(await page.locator('[data-line="1"] .has-error').count()).toBe(0);
    await a11y(page);
    await shot(page, 'new-refused');
    await amount1.fill('1.39');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByRole('status').getByText(`Price change ${CHANGE_ID} is scheduled`).waitFor();

    // Stored as a local date-time: 06:00 in each store's own zone, amounts exact.
    const stored = (await call(`/v1/price-changes/${CHANGE_ID}/lines`)).body as {
      effectiveAt: string;
      lines: Array<{ sku: string; amount: string }>;
    };
    expect(stored.effectiveAt).toBe(tomorrowSixLocal());
    expect(stored.lines).toEqual([
      { sku: 'SKU-1001', amount: '1.39', currency: 'EUR' },
      { sku: 'SKU-1002', amount: '2.59', currency: 'EUR' },
    ]);

    const row = page.locator(`tr[data-price-change="${CHANGE_ID}"]`);
    await row.getByText("(each store's time)", { exact: false }).waitFor();
    await row.getByText(/\b0?6:00\b/).waitFor();
    expect(await row.locator('.readiness').getAttribute('data-waiting')).toBe('3');
    await row.getByText('0 printed, 0 received (labels not printed), 3 not received').waitFor();
    await a11y(page);
    await shot(page, 'list');

    await row.getByRole('link', { name: CHANGE_ID }).click();
    await page.getByRole('heading', { level: 1, name: `Price change ${CHANGE_ID}` }).waitFor();
    for (const s of STORES) {
      const r = page.locator(`tr[data-store="${s.id}"]`);
      await r.getByRole('link', { name: s.name }).waitFor();
      await r.getByText('not received').waitFor();
      await r.getByText('not printed').waitFor();
    }
    await page.locator('tr[data-sku="SKU-1001"]').getByText('€1.39').waitFor();
    await a11y(page);
    await page.close();
  });

  it('shows received and printed per store once the stores fetch it and one prints its labels', async () => {
    // Berlin's agent prepares the labels for the next opening (08:00) at a prepare time two
    // minutes from now: by then it has the change from its feed; its batch goes to a fake Zebra
    // and, printed, is reported to the cloud. Between 22:00 and 08:00 Berlin time the next
    // opening would not follow tomorrow 06:00 (or the prepare time could cross midnight): then
    // Berlin reports through the store routes itself, as its agent would.
    const [hh = '00', mm = '00'] = new Intl.DateTimeFormat('en-GB', {
      timeZone: ZONE,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .format(new Date(Date.now() + 120_000))
      .split(':');
    const agentPrints = Number(hh) >= 8 && Number(hh) < 22;
    if (agentPrints) {
      zebra = await startFakeZebra();
      agentDir = mkdtempSync(join(tmpdir(), 'hq-prices-agent-'));
      const config = join(agentDir, 'store.json');
      writeFileSync(
        config,
        JSON.stringify({ devices: [{ id: 'regal', kind: 'zpl-printer', address: zebra.address }] }),
      );
      berlinAgent = await startAgent({
        dataDir: join(agentDir, 'data'),
        readyTimeoutMs: 120_000,
        env: {
          STORE_EDGE_STORE_ID: BERLIN.id,
          STORE_EDGE_CLOUD_URL: cloud.baseUrl,
          STORE_EDGE_CLOUD_TOKEN: BERLIN.token,
          STORE_EDGE_CONFIG: config,
          STORE_EDGE_TIMEZONE: ZONE,
          STORE_EDGE_OPENING_TIME: '08:00',
          STORE_EDGE_LABELS_PREPARE_AT: `${hh}:${mm}`,
          STORE_EDGE_LOG_LEVEL: 'warn',
          STORE_EDGE_MQTT_PORT: '0',
        },
      });
    } else await storeReceives(BERLIN);
    await storeReceives(HAMBURG);

    const page = await context.newPage();
    await signIn(page, `/prices/${CHANGE_ID}`, 'maria');
    await page.getByRole('heading', { level: 1, name: `Price change ${CHANGE_ID}` }).waitFor();
    const berlin = page.locator(`tr[data-store="${BERLIN.id}"]`);
    const berlinState = async () => {
      await page.reload();
      await berlin.waitFor();
      return berlin.getAttribute('data-state');
    };
    if (agentPrints) {
      // Received as soon as the agent has applied its feed, before its labels are printed.
      await expect.poll(berlinState, { timeout: 60_000, interval: 1000 }).toBe('received');
      await berlin.getByText('not printed').waitFor();
    } else {
      const report = await call(`/v1/stores/${BERLIN.id}/label-reports`, {
        token: BERLIN.token,
        body: { priceChangeIds: [CHANGE_ID], printedAt: new Date().toISOString() },
      });
      expect(report.body).toEqual({ recorded: [CHANGE_ID], unknown: [] });
    }
    await expect.poll(berlinState, { timeout: 200_000, interval: 2000 }).toBe('printed');
    // The labels went to the shelf printer.
    if (zebra) expect(zebra.jobs.map((j) => j.zpl).join('\n')).toContain('SKU-1001');
    // Times, not the words for their absence.
    expect(await berlin.locator('time').count()).toBe(2);
    expect(await page.locator(`tr[data-store="${HAMBURG.id}"]`).getAttribute('data-state')).toBe('received');
    await page.locator(`tr[data-store="${HAMBURG.id}"]`).getByText('not printed').waitFor();
    await page.locator(`tr[data-store="${MUENCHEN.id}"]`).getByText('not received').waitFor();
    await page.getByText('1 printed, 1 received (labels not printed), 1 not received').first().waitFor();
    await a11y(page);
    await shot(page, 'change');

    // Across stores: the label readiness page, the store furthest behind first.
    await page.getByRole('link', { name: 'Label readiness' }).click();
    await page.getByRole('heading', { level: 1, name: 'Label readiness' }).waitFor();
    await page.getByText('1 price change counted.').waitFor();
    const rows = page.locator('tbody tr[data-store]');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.last().getAttribute('data-store')).toBe(BERLIN.id);
    await page.locator(`tr[data-store="${BERLIN.id}"]`).getByText('all printed').waitFor();
    await page
      .locator(`tr[data-store="${MUENCHEN.id}"]`)
      .getByText('0 printed, 0 received (labels not printed), 1 not received')
      .waitFor();
    await a11y(page);
    await shot(page, 'labels');

    // The list counts the same.
    await page.getByRole('link', { name: 'Price changes' }).click();
    await page
      .locator(`tr[data-price-change="${CHANGE_ID}"]`)
      .getByText('1 printed, 1 received (labels not printed), 1 not received')
      .waitFor();
    await page.close();
  }, 320_000);

  it('creates a multi-buy promotion for two stores, refuses an end before its start at the field, and edits it to percent off', async () => {
    const page = await context.newPage();
    await signIn(page, '/promotions', 'maria');
    await page.getByRole('heading', { level: 1, name: 'Promotions' }).waitFor();
    await page.getByText('No promotions.').waitFor();
    await page.getByRole('button', { name: 'New promotion' }).click();
    await page.getByLabel('Promotion id').fill('promo-oat-3for5');
    await page.getByLabel('Name').fill('Oat milk 3 for 5');
    const starts = page.getByRole('group', { name: 'Starts' });
    const ends = page.getByRole('group', { name: 'Ends' });
    await starts.getByLabel('Date and time').fill('2030-03-02T00:00');
    await ends.getByLabel('Date and time').fill('2030-03-01T00:00');
    await page.getByLabel('These stores:').check();
    await page.getByLabel(`${BERLIN.name} (${BERLIN.id})`).check();
    // Keyboard: Space ticks the focused checkbox.
    await page.getByLabel(`${HAMBURG.name} (${HAMBURG.id})`).focus();
    await page.keyboard.press('Space');
    expect(await page.getByLabel(`${HAMBURG.name} (${HAMBURG.id})`).isChecked()).toBe(true);
    await page.getByLabel('SKUs').fill('SKU-1001');
    await page.getByLabel('Kind').selectOption('multi-buy');
    await page.getByLabel('Items in the bundle').fill('3');
    await page.getByLabel('Price of the bundle (e.g. 5.00)').fill('5,00');
    await page.getByRole('button', { name: 'Save' }).click();
    await ends.getByText('must be after startsAt').waitFor();
    await a11y(page);
    await ends.getByLabel('Date and time').fill('2030-03-15T00:00');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Promotion promo-oat-3for5 saved').waitFor();
    const row = page.locator('tr[data-promotion="promo-oat-3for5"]');
    await row.getByText('3 for €5.00').waitFor();
    await row.getByText(`${BERLIN.id}, ${HAMBURG.id}`).waitFor();
    const stored = (await call('/v1/promotions')).body as {
      promotions: Array<{ rule: { kind: string; qty: number; amount: string }; storeIds: string[] }>;
    };
    expect(stored.promotions[0]?.rule).toMatchObject({ kind: 'multi-buy', qty: 3 });
    // The same decimal (the cloud may drop the trailing zeros), compared as text, not as a float.
    expect(stored.promotions[0]?.rule.amount).toMatch(/^5(\.0*)?$/);
    expect(stored.promotions[0]?.storeIds).toEqual([BERLIN.id, HAMBURG.id]);

    await row.getByRole('button', { name: 'Edit Oat milk 3 for 5' }).click();
    await page.getByLabel('Kind').selectOption('percent');
    await page.getByLabel('Percent off (e.g. 20)').fill('20');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Promotion promo-oat-3for5 saved').waitFor();
    await row.getByText('20% off').waitFor();
    await a11y(page);
    await shot(page, 'promotions');
    await page.close();
  });

  it('shows a viewer the same pages without anything to edit', async () => {
    await context.clearCookies();
    const page = await context.newPage();
    await signIn(page, '/prices', 'vera');
    await page.locator(`tr[data-price-change="${CHANGE_ID}"]`).waitFor();
    expect(await page.getByRole('button', { name: 'Schedule a price change' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Promotions' }).click();
    await page.locator('tr[data-promotion="promo-oat-3for5"]').waitFor();
    expect(await page.getByRole('button', { name: 'New promotion' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0);
    await a11y(page);
    await page.close();
  });

  it('speaks German on the price change page', async () => {
    const page = await context.newPage();
    await signIn(page, `/prices/${CHANGE_ID}`, 'vera');
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { level: 1, name: `Preisänderung ${CHANGE_ID}` }).waitFor();
    await page.locator(`tr[data-store="${MUENCHEN.id}"]`).getByText('nicht empfangen').waitFor();
    await page
      .getByText('1 gedruckt, 1 empfangen (Etiketten nicht gedruckt), 1 nicht empfangen')
      .first()
      .waitFor();
    await page.getByText('(Ortszeit jeder Filiale)', { exact: false }).first().waitFor();
    await page.locator('tr[data-sku="SKU-1002"]').getByText('2,59 €').waitFor();
    await a11y(page);
    await shot(page, 'change-de');
    await page.close();
  });
});
