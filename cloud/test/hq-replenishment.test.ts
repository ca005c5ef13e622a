// The head-office console's deliveries, transfers and replenishment pages in headless Chromium
// against a real cloud process on real MariaDB with a real OpenID provider (issue 18, must-show
// 5, head-office half): a buyer signs in through the provider's own login page, reorder rules are
// set through the API by the buyer's integration, the buyer starts a run on the proposals page,
// approves one store and then all (the second approval says nothing new was created), and opens
// a created delivery; a viewer sees the proposals without any button to start or approve; axe
// finds nothing serious or critical on each page. UPDATE_SCREENSHOTS=1 writes
// docs/screenshots/head-office-{deliveries,delivery,transfers,replenishment,replenishment-viewer}.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CloudProcess,
  createTestDatabase,
  startCloudProcess,
  startOidcProvider,
  type TestDatabase,
  type TestOidcProvider,
} from '@store-edge/testing';
import { seriousA11yViolations } from '@store-edge/testing/a11y';
import { ADMIN_TOKEN, records } from '@store-edge/testing/cloud';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const TENANT = 'acme';
const HOUR = 3600_000;

const STORES = [
  { id: 'berlin-mitte', name: 'Berlin Mitte' },
  { id: 'hamburg-altona', name: 'Hamburg Altona' },
  { id: 'koeln-dom', name: 'Köln Dom' },
  // Never replicates: every run holds it back.
  { id: 'dresden-neustadt', name: 'Dresden Neustadt' },
];
const tokens: Record<string, string> = {};

let db: TestDatabase;
let cloud: CloudProcess;
let provider: TestOidcProvider;
let browser: Browser;
let shotDir: string;

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

async function replicate(store: string, recs: ReturnType<typeof records>): Promise<void> {
  const r = await call(`/v1/stores/${store}/replication/batches`, {
    token: tokens[store],
    body: { records: recs },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** No serious or critical axe-core finding on the page as it is. */
async function a11y(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shotDir, `head-office-${name}.png`), fullPage: true });
}

/** A person's browser: its own context, so each person's provider session stays theirs. */
async function personContext(locale: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    viewport: { width: 1366, height: 900 },
    locale,
    timezoneId: 'Europe/Berlin',
  });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

/** The console's sign-in button, the provider's own login form, and back with the person's name in the header. */
async function signIn(page: Page, path: string, account: string, button: string): Promise<void> {
  await page.goto(`${cloud.baseUrl}${path}`);
  await page.getByRole('button', { name: button }).click();
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

describe('head-office deliveries, transfers and replenishment in a browser', () => {
  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'se_hqrepl');
    provider = await startOidcProvider({
      accounts: {
        bert: { tenant: TENANT, roles: ['buyer'] },
        vera: { tenant: TENANT, roles: ['viewer'] },
      },
      // The buyers' purchasing tool: an integration that keeps the reorder rules.
      machines: { 'purchasing-tool': { tenant: TENANT, roles: ['buyer'] } },
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
      tokens[s.id] = (r.body as { token: string }).token;
    }
    for (const [sku, name] of [
      ['SKU-1', 'Hafermilch 1 l'],
      ['SKU-2', 'Vollkornbrot 500 g'],
    ] as const) {
      const r = await call(`/v1/items/${sku}`, {
        method: 'PUT',
        body: { tenantId: TENANT, name, gtins: [], price: { amount: '1.99', currency: 'EUR' } },
      });
      expect(r.status).toBe(200);
    }
    const ago = (h: number) => new Date(Date.now() - h * HOUR).toISOString();
    // Köln expects a purchase delivery and has received part of it, one unit damaged.
    const d = await call('/v1/deliveries', {
      body: {
        id: 'PO-4711',
        storeId: 'koeln-dom',
        supplier: 'Molkerei Nord',
        expectedAt: ago(-24),
        lines: [
          { sku: 'SKU-1', qty: 12 },
          { sku: 'SKU-2', qty: 6 },
        ],
      },
    });
    expect(d.status, JSON.stringify(d.body)).toBe(201);
    // Berlin's stock, and three shipments: T-1 to Hamburg 3 days ago, T-3 to Köln 5 hours ago
    // (both in transit), T-2 to Köln, received one short.
    const berlin = [
      { type: 'receive', sku: 'SKU-1', qty: 6, at: ago(80) },
      { type: 'receive', sku: 'SKU-2', qty: 20, at: ago(80) },
      { type: 'transfer_out', sku: 'SKU-2', qty: 4, ref: 'T-1', at: ago(72) },
      { type: 'transfer_out', sku: 'SKU-1', qty: 3, ref: 'T-2', at: ago(30) },
      { type: 'transfer_out', sku: 'SKU-1', qty: 1, ref: 'T-3', at: ago(5) },
    ] as const;
    await replicate(
      'berlin-mitte',
      records(1, berlin.length, (seq) => ({ ...berlin[seq - 1] })),
    );
    for (const [id, to, sku, qty, h, seq] of [
      ['T-1', 'hamburg-altona', 'SKU-2', 4, 72, 3],
      ['T-2', 'koeln-dom', 'SKU-1', 3, 30, 4],
      ['T-3', 'koeln-dom', 'SKU-1', 1, 5, 5],
    ] as const) {
      const r = await call(`/v1/stores/berlin-mitte/transfers/${id}`, {
        method: 'PUT',
        token: tokens['berlin-mitte'],
        body: { toStoreId: to, shippedAt: ago(h), asOfSeq: seq, lines: [{ sku, qty }] },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    await replicate(
      'hamburg-altona',
      records(1, 1, () => ({ type: 'receive', sku: 'SKU-2', qty: 1, at: ago(48) })),
    );
    const koeln = [
      { type: 'receive', sku: 'SKU-1', qty: 10, ref: 'PO-4711', at: ago(1) },
      { type: 'receive', sku: 'SKU-2', qty: 6, ref: 'PO-4711', at: ago(1) },
      { type: 'damage', sku: 'SKU-2', qty: 1, ref: 'PO-4711', at: ago(1) },
      { type: 'transfer_in', sku: 'SKU-1', qty: 2, ref: 'T-2', at: ago(2) },
    ] as const;
    await replicate(
      'koeln-dom',
      records(1, koeln.length, (seq) => ({ ...koeln[seq - 1] })),
    );
    const closed = await call('/v1/stores/koeln-dom/receipts/T-2', {
      method: 'PUT',
      token: tokens['koeln-dom'],
      body: {
        closedAt: ago(1),
        closedBy: 'anna',
        asOfSeq: 4,
        lines: [{ sku: 'SKU-1', expected: 3, received: 2, damaged: 0, short: 1, over: 0 }],
      },
    });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);

    // Reorder rules, set by the buyers' integration through the API (a person's role, not the admin token).
    const tool = await provider.token('purchasing-tool');
    for (const [store, rules] of [
      [
        'berlin-mitte',
        [
          { sku: 'SKU-1', min: 5, max: 24, multiple: 6 },
          { sku: 'SKU-2', min: 5, max: 30 },
        ],
      ],
      ['hamburg-altona', [{ sku: 'SKU-2', min: 10, max: 30 }]],
      ['dresden-neustadt', [{ sku: 'SKU-1', min: 5, max: 20 }]],
    ] as const) {
      const r = await call(`/v1/stores/${store}/reorder-rules`, {
        method: 'PUT',
        token: tool,
        body: { rules },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }

    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      shotDir = SHOTS;
    } else shotDir = mkdtempSync(join(tmpdir(), 'hq-repl-shots-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (shotDir && shotDir !== SHOTS) rmSync(shotDir, { recursive: true, force: true });
    await cloud?.stop();
    await provider?.stop();
    await db?.drop();
  });

  let runId = '';

  it('a buyer starts a run, approves one store then all (nothing new the second time) and opens a created delivery', async () => {
    const ctx = await personContext('en-US');
    const page = await ctx.newPage();
    await signIn(page, '/replenishment', 'bert', 'Sign in');
    await page.getByRole('heading', { level: 1, name: 'Replenishment' }).waitFor();
    await a11y(page);
    // Chosen stores, by keyboard: the radio, then each store's checkbox with Space.
    await page.getByLabel('Only the stores chosen below').check();
    for (const s of [
      'Berlin Mitte (berlin-mitte)',
      'Hamburg Altona (hamburg-altona)',
      'Dresden Neustadt (dresden-neustadt)',
    ]) {
      await page.getByLabel(s).focus();
      await page.keyboard.press('Space');
    }
    await page.getByRole('button', { name: 'Start run' }).click();
    const run = page.locator('[data-run]');
    await run.waitFor();
    runId = (await run.getAttribute('data-run')) ?? '';
    expect(page.url()).toContain(`run=${runId}`);
    expect(await run.locator('[data-answer]').textContent()).toBe(
      '2 stores with proposals, 2 lines, 1 store held back.',
    );
    // Berlin: on hand 6 − 3 − 1 shipped = 2, max 24, multiple 6 → 24. Hamburg: 1 on hand + 4 in
    // transit from Berlin = 5 < min 10 → 30 − 5 = 25.
    const cells = async (store: string, sku: string) =>
      page.locator(`[data-store="${store}"] tr[data-sku="${sku}"] td`).allTextContents();
    expect(await cells('berlin-mitte', 'SKU-1')).toEqual(['2', '0', '0', '0', '24']);
    expect(await cells('hamburg-altona', 'SKU-2')).toEqual(['1', '0', '0', '4', '25']);
    expect(await page.locator('tr[data-held="dresden-neustadt"] td').textContent()).toBe(
      'The store has never replicated.',
    );
    await a11y(page);

    // Approve Berlin alone, then everything: Berlin's delivery existed already, Hamburg's is new.
    await page.getByRole('button', { name: 'Approve berlin-mitte' }).click();
    const summary = page.locator('[data-approved-summary]');
    await expect.poll(() => summary.textContent()).toBe('1 delivery created; none existed already.');
    await page.getByRole('button', { name: 'Approve all stores' }).click();
    await expect
      .poll(() => summary.textContent())
      .toBe('1 delivery created; 1 existed already from an earlier approval.');
    await page.getByRole('button', { name: 'Approve all stores' }).click();
    await expect
      .poll(() => summary.textContent())
      .toBe('Nothing new was created; 2 existed already from an earlier approval.');
    const created = page.locator('[data-approved] tr[data-delivery]');
    expect(await created.count()).toBe(2);
    await a11y(page);
    await shot(page, 'replenishment');

    // The created delivery's page, by the link: Berlin expects 24 of SKU-1, nothing received yet.
    const berlinDelivery = page.locator('[data-approved] tr[data-delivery*="berlin-mitte"] a');
    const deliveryId = (await berlinDelivery.textContent()) ?? '';
    await berlinDelivery.click();
    await page.getByRole('heading', { level: 1, name: `Delivery ${deliveryId}` }).waitFor();
    // The heading comes first; the lines once the delivery is read.
    await page.locator('tr[data-sku="SKU-1"]').waitFor();
    expect(await page.locator('tr[data-sku="SKU-1"] td').allTextContents()).toEqual([
      '24',
      '0',
      '0',
      '24',
      '0',
    ]);
    await a11y(page);
    await ctx.close();
  });

  it('lists deliveries by status and store, and shows one with expected, received, damaged, short and over, live', async () => {
    const ctx = await personContext('en-US');
    const page = await ctx.newPage();
    await signIn(page, '/deliveries', 'bert', 'Sign in');
    await page.getByRole('heading', { level: 1, name: 'Deliveries' }).waitFor();
    const rows = page.locator('tbody tr[data-delivery]');
    // Köln's purchase order, the two transfers to Köln, Hamburg's transfer, and the run's two orders.
    await expect.poll(() => rows.count()).toBe(6);
    await page.getByLabel('Status').selectOption('receiving');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-delivery')).toBe('PO-4711');
    expect(page.url()).toContain('status=receiving');
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Store').selectOption('koeln-dom');
    await expect.poll(() => rows.count()).toBe(3);
    await a11y(page);
    await shot(page, 'deliveries');
    await page.getByRole('link', { name: 'PO-4711' }).click();
    await page.getByRole('heading', { level: 1, name: 'Delivery PO-4711' }).waitFor();
    // expected, received, damaged, short, over. The heading shows before the delivery has
    // loaded: wait for its lines, not only for the page.
    await expect
      .poll(() => page.locator('tr[data-sku="SKU-1"] td').allTextContents())
      .toEqual(['12', '10', '0', '2', '0']);
    expect(await page.locator('tr[data-sku="SKU-2"] td').allTextContents()).toEqual([
      '6',
      '6',
      '1',
      '0',
      '0',
    ]);
    await a11y(page);
    await shot(page, 'delivery');
    // Köln receives the last two units: the open page follows without a reload.
    await replicate(
      'koeln-dom',
      records(5, 5, () => ({ type: 'receive', sku: 'SKU-1', qty: 2, ref: 'PO-4711' })),
    );
    await expect
      .poll(() => page.locator('tr[data-sku="SKU-1"] td').allTextContents(), { timeout: 15_000 })
      .toEqual(['12', '12', '0', '0', '0']);
    await ctx.close();
  });

  it('shows what is in transit oldest first with its age, and a received transfer one short', async () => {
    const ctx = await personContext('en-US');
    const page = await ctx.newPage();
    await signIn(page, '/transfers', 'bert', 'Sign in');
    await page.getByRole('heading', { level: 1, name: 'Transfers' }).waitFor();
    const transit = page.locator('tbody tr[data-in-transit]');
    await expect.poll(() => transit.count()).toBe(2);
    expect(await transit.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-in-transit')))).toEqual([
      'T-1',
      'T-3',
    ]);
    // Age column: three days for T-1, five hours for T-3.
    expect(await transit.nth(0).locator('td').nth(3).textContent()).toMatch(/^3 days?$/);
    expect(await transit.nth(1).locator('td').nth(3).textContent()).toMatch(/^5 hr$/);
    // T-2: shipped 3, received 2, short 1, nothing in transit.
    expect(await page.locator('[data-transfer="T-2"] tr[data-sku="SKU-1"] td').allTextContents()).toEqual([
      '3',
      '2',
      '1',
      '0',
    ]);
    await a11y(page);
    await shot(page, 'transfers');
    await ctx.close();
  });

  it('shows a viewer the proposals in German with no button to start or approve', async () => {
    expect(runId).not.toBe('');
    const ctx = await personContext('de-DE');
    const page = await ctx.newPage();
    await signIn(page, `/replenishment?run=${runId}`, 'vera', 'Anmelden');
    await page.getByRole('heading', { level: 1, name: 'Nachschub' }).waitFor();
    await page.locator('[data-store="berlin-mitte"] tr[data-sku="SKU-1"]').waitFor();
    expect(await page.locator('tr[data-held="dresden-neustadt"] td').textContent()).toBe(
      'Die Filiale hat noch nie repliziert.',
    );
    expect(await page.getByRole('button', { name: /freigeben/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Lauf starten' }).count()).toBe(0);
    await page.getByText('Sie können Vorschläge lesen').waitFor();
    await a11y(page);
    await shot(page, 'replenishment-viewer');
    // The cloud refuses a viewer anyway: the same call the button would make is 403.
    const token = await page.evaluate(() => {
      for (let i = 0; i < sessionStorage.length; i++) {
        const v = sessionStorage.getItem(sessionStorage.key(i) ?? '') ?? '';
        const m = /"accessToken":"([^"]+)"/.exec(v);
        if (m) return m[1];
      }
      return null;
    });
    expect(token).toBeTruthy();
    const refused = await call(`/v1/replenishment/runs/${runId}/approve`, { token: token ?? '', body: {} });
    expect(refused.status).toBe(403);
    await ctx.close();
  });
});
