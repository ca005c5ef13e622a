import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeZebra, makeTempDir, startFakeZebra, type TempDir } from '@store-edge/testing';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, seriousA11yViolations } from './console-browser.js';
import { ITEM, startTestAgent, type TestAgent } from './helpers.js';

// Screenshots go to docs/screenshots/ when asked (UPDATE_SCREENSHOTS=1), else to a temp dir.
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const DESKTOP = { width: 1366, height: 768 };
const TABLET = { width: 820, height: 1180 };

let t: TestAgent;
let browser: Browser;
let shots: TempDir | null = null;
let zebra: FakeZebra;
let shotDir: string;
const GTIN = ITEM.gtins[0] as string;

/**
 * Logs in through the login form. Pages of one browser profile share localStorage, where the
 * console keeps its session: when this user is already logged in, the dashboard just opens.
 */
async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${t.baseUrl}/`);
  const current = await page.evaluate(() => {
    const raw = localStorage.getItem('store-console.session');
    return raw ? (JSON.parse(raw) as { username?: string }).username : null;
  });
  if (current !== username) {
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}

async function a11y(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

/** A keyboard-wedge scanner: the code as a burst of keys a few ms apart, then Enter. */
async function wedgeScan(page: Page, code: string): Promise<void> {
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
}

/** The page has put the keyboard focus in the named field (forms do so for the next scan). */
async function focusedOn(page: Page, name: string): Promise<void> {
  await page.waitForFunction((n) => document.activeElement?.getAttribute('name') === n, name, {
    timeout: 5000,
  });
}

async function post(movements: Array<Record<string, unknown>>): Promise<void> {
  const r = await t.api('/api/v1/movements', {
    body: { movements: movements.map((m) => ({ id: randomUUID(), location: 'store', ...m })) },
  });
  expect(r.status).toBe(200);
}

async function noHorizontalScroll(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

describe('store console in a browser', () => {
  beforeAll(async () => {
    t = await startTestAgent();
    zebra = await startFakeZebra();
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      shotDir = SHOTS;
    } else {
      shots = makeTempDir('store-console-shots-');
      shotDir = shots.path;
    }
    expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
    await t.api('/api/v1/items/SKU-2', {
      method: 'PUT',
      body: {
        name: 'Oat biscuits 200 g',
        gtins: ['4000417025005'],
        price: { amount: '1.99', currency: 'EUR' },
      },
    });
    // A week of history, so the chart has a shape.
    const day = 24 * 3600 * 1000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
    await post([
      { type: 'receive', sku: 'SKU-1', qty: 48, at: at(6), ref: 'DN-1001' },
      { type: 'sale', sku: 'SKU-1', qty: 9, at: at(5) },
      { type: 'sale', sku: 'SKU-1', qty: 14, at: at(4) },
      { type: 'receive', sku: 'SKU-1', qty: 24, at: at(3), ref: 'DN-1002' },
      { type: 'transfer_out', sku: 'SKU-1', qty: 12, at: at(2.5), ref: 'TR-7' },
      { type: 'transfer_in', sku: 'SKU-1', qty: 12, location: 'backroom', at: at(2.5), ref: 'TR-7' },
      { type: 'sale', sku: 'SKU-1', qty: 11, at: at(1) },
      { type: 'receive', sku: 'SKU-2', qty: 30, at: at(2) },
    ]);
    for (const [id, body] of [
      ['front-scanner', { kind: 'serial-scanner', path: '/dev/ttyNOPE', mode: 'lookup', location: 'store' }],
      [
        'dock-scanner',
        { kind: 'serial-scanner', path: '/dev/ttyACM0', mode: 'receive', location: 'backroom' },
      ],
      ['shelf-printer', { kind: 'zpl-printer', address: zebra.address }],
      [
        'door-reader',
        {
          kind: 'rfid-reader',
          format: 'zebra-iot',
          topic: 'readers/door-reader/#',
          username: 'door-reader',
          password: 'reader-secret-1',
          zone: 'sales-floor',
        },
      ],
    ] as const) {
      expect((await t.api(`/api/v1/devices/${id}`, { method: 'PUT', body: { id, ...body } })).status).toBe(
        200,
      );
    }
    const devices = t.agent.parts!.devices;
    devices.setStatus('dock-scanner', 'online');
    devices.setStatus('shelf-printer', 'error', { error: 'head open' });
    browser = await launchBrowser();
  });

  // A failed step leaves its pages open: keep a picture of each for the one who reads the failure.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !browser) return;
    const dir = join(tmpdir(), 'store-console-failures');
    mkdirSync(dir, { recursive: true });
    for (const [i, page] of browser.context.pages().entries()) {
      const file = join(dir, `${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}-${i}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.error(`console test failed; screenshot: ${file}`);
      await page.close().catch(() => {});
    }
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await zebra?.stop();
    shots?.remove();
  });

  it('refuses a wrong password, then logs in and shows the dashboard without a11y violations', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${t.baseUrl}/`);
    await a11y(page);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
    await page.getByLabel('Password').fill('admin-test-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    // Keyboard first: Tab reaches the skip link, visibly focused, and it leads to the content.
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const r = el.getBoundingClientRect();
      return { text: el.textContent, outline: getComputedStyle(el).outlineStyle, x: r.left, y: r.top };
    });
    expect(skip).toMatchObject({ text: 'Skip to content' });
    expect(skip.outline).not.toBe('none');
    expect(skip.x).toBeGreaterThanOrEqual(0);
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => location.hash)).toBe('#main');
    // No cloud configured: the banner says so, with the backlog.
    await page.locator('.banner-offline', { hasText: 'OFFLINE' }).waitFor();
    expect(await page.locator('.tile', { hasText: 'Waiting to be sent' }).textContent()).toContain('8');
    await a11y(page);
    await page.close();
  });

  it('shows a device going offline and a scan arriving, live', async () => {
    const page = await browser.context.newPage();
    await login(page, 'admin', 'admin-test-password');
    const row = page.locator('tr[data-device="front-scanner"]');
    const devices = t.agent.parts!.devices;
    await page.locator('.live.up').waitFor();
    devices.setStatus('front-scanner', 'online');
    await row.getByText('Online').waitFor();
    devices.setStatus('front-scanner', 'offline', { error: 'no such port /dev/ttyNOPE' });
    await row.getByText('Offline').waitFor();
    await row.getByText('no such port /dev/ttyNOPE').waitFor();
    // A scan record as the scanning workflow emits it.
    t.agent.parts!.events.emit('scan', {
      id: randomUUID(),
      at: new Date().toISOString(),
      deviceId: 'dock-scanner',
      mode: 'receive',
      location: 'backroom',
      code: GTIN,
      item: { sku: 'SKU-1', name: ITEM.name, packQty: 1 },
      qty: 1,
      outcome: 'movement',
      reason: null,
    });
    await page.locator('.feed li', { hasText: GTIN }).getByText(ITEM.name).waitFor();
    await page.locator('.feed li', { hasText: GTIN }).getByText('dock-scanner · booked').waitFor();
    await a11y(page);
    for (const [name, size] of [
      ['desktop', DESKTOP],
      ['tablet', TABLET],
    ] as const) {
      await page.setViewportSize(size);
      expect(await noHorizontalScroll(page)).toBe(true);
      await page.screenshot({ path: join(shotDir, `dashboard-${name}.png`) });
    }
    // The shipper reports that the cloud lost data: a red alarm nobody can miss.
    t.agent.parts!.events.emit('replication', {
      alarm: "the cloud lost movements from seq 3 on; sending them again from the store's ledger",
    });
    await page.getByRole('alert').filter({ hasText: 'CLOUD LOST DATA' }).waitFor();
    await a11y(page);
    // The cloud answers again: the banner turns to ONLINE.
    t.agent.parts!.events.emit('replication', { online: true, alarm: null, pending: 0 });
    await page.locator('.banner-online', { hasText: 'ONLINE' }).waitFor();
    expect(await page.locator('.banner-alarm').count()).toBe(0);
    await page.close();
  });

  it('finds an item by a scanned barcode and shows stock per location, history and chart', async () => {
    const page = await browser.context.newPage();
    await login(page, 'admin', 'admin-test-password');
    await page.getByRole('link', { name: 'Stock' }).click();
    await page.getByLabel('Search by SKU, name or barcode').focus();
    await wedgeScan(page, GTIN);
    await page.getByRole('heading', { name: /Sparkling water/ }).waitFor();
    expect(new URL(page.url()).searchParams.get('sku')).toBe('SKU-1');
    await page.locator('tr[data-location="store"]', { hasText: '26' }).waitFor();
    await page.locator('tr[data-location="backroom"]', { hasText: '12' }).waitFor();
    expect(await page.getByTestId('total-on-hand').textContent()).toBe('38');
    expect(await page.locator('figure.chart svg path.line').count()).toBe(1);
    await page.getByRole('cell', { name: 'DN-1002' }).waitFor();
    await a11y(page);
    for (const [name, size] of [
      ['desktop', DESKTOP],
      ['tablet', TABLET],
    ] as const) {
      await page.setViewportSize(size);
      expect(await noHorizontalScroll(page)).toBe(true);
      await page.screenshot({ path: join(shotDir, `stock-${name}.png`), fullPage: true });
    }
    // Searching by name lists matching items.
    await page.getByLabel('Search by SKU, name or barcode').fill('biscuits');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'SKU-2' }).waitFor();
    await page.close();
  });

  it('books a receipt from the scanner-driven form and the stock page follows live', async () => {
    const stock = await browser.context.newPage();
    await login(stock, 'admin', 'admin-test-password');
    await stock.goto(`${t.baseUrl}/stock?sku=SKU-1`);
    await stock.getByTestId('total-on-hand').getByText('38').waitFor();
    await stock.locator('.live.up').waitFor();

    const page = await browser.context.newPage();
    await page.goto(`${t.baseUrl}/book/receive`);
    await focusedOn(page, 'code');
    // The code field has the focus: scan, the quantity gets it, type, Enter books.
    await wedgeScan(page, GTIN);
    await page.getByTestId('resolved-item').waitFor();
    await focusedOn(page, 'qty');
    await page.keyboard.type('6');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Received 6 × Sparkling water' }).waitFor();
    await page.getByTestId('form-on-hand').getByText('32').waitFor();
    // Ready for the next scan without touching the mouse.
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('code');
    await a11y(page);

    await stock.getByTestId('total-on-hand').getByText('44').waitFor();
    await stock.getByRole('cell', { name: 'Receipt' }).first().waitFor();
    const ledger = await t.api('/api/v1/stock?sku=SKU-1&location=store');
    expect(ledger.body.items[0].onHand).toBe(32);
    await stock.close();
    await page.close();
  });

  it('runs a count: the counted quantity becomes the stock', async () => {
    const page = await browser.context.newPage();
    await login(page, 'admin', 'admin-test-password');
    await page.getByRole('link', { name: 'Count' }).click();
    await focusedOn(page, 'code');
    await wedgeScan(page, GTIN);
    await page.getByTestId('resolved-item').waitFor();
    await focusedOn(page, 'qty');
    await page.keyboard.type('30');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Counted 30' }).waitFor();
    await page.getByTestId('form-on-hand').getByText('30').waitFor();
    expect((await t.api('/api/v1/stock?sku=SKU-1&location=store')).body.items[0].onHand).toBe(30);
    await a11y(page);
    await page.close();
  });

  it('adjusts stock only with a reason', async () => {
    const page = await browser.context.newPage();
    await login(page, 'admin', 'admin-test-password');
    await page.getByRole('link', { name: 'Adjust' }).click();
    await focusedOn(page, 'code');
    await wedgeScan(page, GTIN);
    await page.getByTestId('resolved-item').waitFor();
    await focusedOn(page, 'qty');
    await page.keyboard.type('-2');
    await page.keyboard.press('Enter');
    await page.locator('.field .error', { hasText: 'Choose a reason.' }).waitFor();
    await page.getByLabel('Reason').selectOption('damaged');
    await page.getByRole('button', { name: 'Book adjustment' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Adjusted ${ITEM.name} at store by -2` })
      .waitFor();
    await page.getByTestId('form-on-hand').getByText('28').waitFor();
    const last = (await t.api('/api/v1/movements?sku=SKU-1&afterSeq=0&limit=1000')).body.movements.at(-1);
    expect(last).toMatchObject({ type: 'adjust', qty: -2, reason: 'damaged', actor: 'admin' });
    await a11y(page);
    await page.close();
  });

  it('an associate cannot adjust stock or manage users', async () => {
    await t.token('associate');
    const page = await browser.context.newPage();
    await login(page, 'test-associate', 'password-1234');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Receive' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Adjust' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await page.goto(`${t.baseUrl}/book/adjust`);
    await page.getByText('Only managers can do this').waitFor();
    expect(await page.locator('form.book').count()).toBe(0);
    await page.close();
  });
  it('transfers by scanning twice (the second scan of the same item adds one) without the mouse', async () => {
    const page = await browser.context.newPage();
    await login(page, 'admin', 'admin-test-password');
    await page.getByRole('link', { name: 'Transfer' }).click();
    await focusedOn(page, 'code');
    await wedgeScan(page, GTIN);
    await focusedOn(page, 'qty');
    await wedgeScan(page, GTIN);
    expect(await page.getByLabel('Quantity').inputValue()).toBe('2');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.type('backroom');
    await page.keyboard.press('Enter');
    await page
      .getByRole('status')
      .filter({ hasText: `Moved 2 × ${ITEM.name} from store to backroom` })
      .waitFor();
    const stock = (await t.api('/api/v1/stock?sku=SKU-1')).body.items as Array<{
      location: string;
      onHand: number;
    }>;
    expect(Object.fromEntries(stock.map((r) => [r.location, r.onHand]))).toEqual({ store: 26, backroom: 14 });
    await page.close();
  });

  it('adds a scanner through the devices form and sees its live status', async () => {
    const page = await browser.context.newPage();
    await login(page, 'admin', 'admin-test-password');
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.getByLabel('Device', { exact: true }).fill('till-scanner');
    await page.getByLabel('Kind').selectOption('serial-scanner');
    await page.getByLabel('Device path').fill('/dev/ttyUSB7');
    await page.getByLabel('Mode').selectOption('sale');
    await a11y(page);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Device saved' }).waitFor();
    const row = page.locator('tr[data-device="till-scanner"]');
    await row.getByText('Serial scanner').waitFor();
    const saved = await t.api('/api/v1/devices/till-scanner');
    expect(saved.body.config).toMatchObject({ kind: 'serial-scanner', path: '/dev/ttyUSB7', mode: 'sale' });
    t.agent.parts!.devices.setStatus('till-scanner', 'error', { error: 'permission denied on /dev/ttyUSB7' });
    await row.getByText('permission denied on /dev/ttyUSB7').waitFor();
    await page.close();
  });

  it('lets an admin add a user with a role, who can then log in', async () => {
    const page = await browser.context.newPage();
    await login(page, 'admin', 'admin-test-password');
    await page.getByRole('link', { name: 'Users' }).click();
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Username').fill('maria');
    await form.getByLabel('Password').fill('maria-password-1');
    await form.getByLabel('Role').selectOption('manager');
    await form.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('status').filter({ hasText: 'User maria added' }).waitFor();
    await page.locator('tr[data-user="maria"]').waitFor();
    await a11y(page);
    await login(page, 'maria', 'maria-password-1');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Adjust' }).waitFor();
    await page.close();
  });

  it('switches to German and Spanish, with numbers and dates through Intl', async () => {
    const page = await browser.context.newPage();
    await login(page, 'admin', 'admin-test-password');
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
    await page.getByRole('link', { name: 'Replikation' }).click();
    await page.getByRole('heading', { level: 1, name: 'Replikation' }).waitFor();
    await a11y(page);
    await page.goto(`${t.baseUrl}/stock?sku=SKU-1`);
    // German number and currency formats: 0,89 € and no English words left in the facts.
    await page.getByText('0,89 €').waitFor();
    await page.getByText('Gesamtbestand').waitFor();
    await page.getByLabel('Sprache').selectOption('es');
    await page.getByRole('heading', { level: 1, name: 'Existencias' }).waitFor();
    await page.getByText('0,89 €').waitFor();
    await page.getByRole('link', { name: 'Replicación' }).click();
    await page.getByRole('heading', { level: 1, name: 'Replicación' }).waitFor();
    await page.getByLabel('Idioma').selectOption('en');
    await page.close();
  });

  it('labels and RFID pages work with what this agent offers', async () => {
    const page = await browser.context.newPage();
    await login(page, 'admin', 'admin-test-password');
    const printing = (await t.api('/api/v1/print-jobs')).status !== 404;
    await page.goto(`${t.baseUrl}/labels?sku=SKU-1`);
    await page.getByRole('heading', { level: 1, name: 'Labels' }).waitFor();
    if (printing) {
      // The preview is the label the agent renders (a PDF), for the chosen printer.
      const preview = page.locator('iframe.preview');
      await preview.waitFor();
      expect(await preview.getAttribute('src')).toMatch(/^blob:/);
      await page.getByRole('button', { name: 'Print label' }).click();
      await page.getByRole('status').filter({ hasText: 'queued for shelf-printer' }).waitFor();
      const [label] = await zebra.waitForJobs(1, 10_000);
      expect(label?.zpl).toContain('^XA');
      await page.locator('tr[data-job]', { hasText: 'Printed' }).waitFor({ timeout: 10_000 });
    } else {
      await page.getByText('Printing is not available on this agent yet.').waitFor();
      await page.getByText('Label preview is not available on this agent yet.').waitFor();
    }
    await a11y(page);

    const rfid = (await t.api('/api/v1/rfid/tags')).status !== 404;
    await page.goto(`${t.baseUrl}/rfid`);
    await page.getByRole('heading', { level: 1, name: 'RFID' }).waitFor();
    await page.getByLabel('Zone').fill('sales-floor');
    await page.getByLabel('Zone').press('Enter');
    if (rfid) {
      await page.getByRole('button', { name: 'Start count' }).click();
      await page.getByRole('button', { name: 'Finish count' }).click();
      await page.getByRole('heading', { name: 'Count result' }).waitFor();
    } else {
      await page.getByText('RFID tag presence is not available on this agent yet.').waitFor();
    }
    await a11y(page);
    await page.close();
  });
});
