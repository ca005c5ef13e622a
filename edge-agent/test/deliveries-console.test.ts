import { makePtyPair, type PtyPair } from '@store-edge/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, seriousA11yViolations } from './console-browser.js';
import { ITEM, startTestAgent, type TestAgent } from './helpers.js';
import { waitFor, writeScanner } from './scan-support.js';

// The store console's receiving page in headless Chromium, driven by a serial scanner on a socat
// pty: a delivery the change feed brought, expected vs received updating live while the dock
// scans cases, a damaged unit with its reason, and the manager's close.
describe('receiving page in a browser', () => {
  let t: TestAgent;
  let pair: PtyPair;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const made = await makePtyPair();
    if ('skip' in made) throw new Error(made.skip);
    pair = made;
    t = await startTestAgent();
    expect((await t.api('/api/v1/items/SKU-1', { method: 'PUT', body: ITEM })).status).toBe(200);
    // The change as the cloud's feed delivers it, through the feed's applier in its transaction.
    const parts = t.agent.parts;
    if (!parts) throw new Error('agent not started');
    parts.db.transaction(() =>
      parts.feedHandlers.apply({
        cursor: 1,
        kind: 'delivery',
        data: {
          id: 'PO-9',
          storeId: t.settings.storeId,
          kind: 'purchase',
          supplier: 'ACME',
          lines: [{ sku: 'SKU-1', qty: 36 }],
        },
      }),
    )();
    const put = await t.api('/api/v1/devices/dock-1', {
      method: 'PUT',
      body: {
        id: 'dock-1',
        kind: 'serial-scanner',
        path: pair.devicePath,
        mode: 'receive',
        location: 'dock',
        debounceMs: 0,
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    await waitFor(
      async () => (await t.api('/api/v1/devices/dock-1')).body.status === 'online',
      10_000,
      'scanner online',
    );
    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await pair?.stop();
  });

  const received = () => page.getByTestId('received-SKU-1');

  it('lists the open delivery, shows received rising live as cases are scanned, records damage and closes', async () => {
    await page.goto(`${t.baseUrl}/`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('admin-test-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { level: 1, name: 'Expected deliveries' }).waitFor();
    const row = page.locator('tr[data-delivery="PO-9"]');
    await expect.poll(() => row.textContent()).toContain('ACME');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await row.getByRole('link', { name: 'PO-9' }).click();
    await page.getByRole('heading', { level: 1, name: 'Delivery PO-9' }).waitFor();
    expect(await received().textContent()).toBe('0');
    expect(await page.locator('tr[data-sku="SKU-1"]').textContent()).toContain('36');
    // Wait for the live stream before the scans, so their events reach the page.
    await page.getByRole('status').filter({ hasText: 'Live' }).first().waitFor();

    writeScanner(pair.scannerPath, '14006381333938\r');
    await expect.poll(() => received().textContent(), { timeout: 10_000 }).toBe('12');
    writeScanner(pair.scannerPath, '14006381333938\r');
    await expect.poll(() => received().textContent(), { timeout: 10_000 }).toBe('24');
    expect(await page.getByTestId('delivery-status').textContent()).toBe('Receiving');
    expect(await page.locator('tr[data-sku="SKU-1"]').textContent()).toContain('12'); // short
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('Quantity (units)').fill('1');
    await page.getByLabel('Reason').selectOption('crushed');
    await page.getByRole('button', { name: 'Record damaged goods' }).click();
    await page.getByText('1 × SKU-1: crushed').waitFor();

    await page.getByRole('button', { name: 'Close delivery' }).click();
    await expect.poll(() => page.getByTestId('delivery-status').textContent()).toBe('Closed');
    // No cloud here: the receipt waits to be sent, and the manager is told so.
    expect(await page.getByTestId('receipt-sent').textContent()).toContain('waiting to be sent');
    expect(await seriousA11yViolations(page)).toEqual([]);
    const receipt = await t.api('/api/v1/deliveries/PO-9');
    expect(receipt.body.receipt.lines).toEqual([
      { sku: 'SKU-1', expected: 36, received: 24, damaged: 1, short: 12, over: 0 },
    ]);
  }, 90_000);
});
