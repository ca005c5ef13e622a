import { randomUUID } from 'node:crypto';
import { type AgentProcess, makeTempDir, startAgent, type TempDir } from '@store-edge/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser } from './console-browser.js';
import { ITEM } from './helpers.js';

// The console's live events with a one-use ticket instead of the session's token in the
// EventSource URL (CONTRACT.md `GET /events`), in Chromium against `store-edge edge` as a child
// process. Every request the browser makes is recorded.
let agent: AgentProcess;
let dir: TempDir;
let browser: Browser;
let admin: string;
const urls: string[] = [];

async function api(path: string, body?: unknown, token = admin): Promise<Response> {
  return fetch(`${agent.baseUrl}${path}`, {
    method: body === undefined ? 'GET' : path.startsWith('/api/v1/items/') ? 'PUT' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function receive(qty: number): Promise<void> {
  const r = await api('/api/v1/movements', {
    movements: [{ id: randomUUID(), type: 'receive', sku: 'SKU-1', qty, location: 'store' }],
  });
  expect(r.status).toBe(200);
}

async function sessionToken(page: Page): Promise<string> {
  const token = await page.evaluate(() => {
    const raw = localStorage.getItem('store-console.session');
    return raw ? (JSON.parse(raw) as { token?: string }).token : undefined;
  });
  if (!token) throw new Error('the console holds no session');
  return token;
}

async function start(httpPort?: number, mqttPort?: number): Promise<void> {
  agent = await startAgent({
    dataDir: dir.path,
    httpPort,
    mqttPort,
    env: { STORE_EDGE_LOG_LEVEL: 'warn' },
    // A loaded CI machine (2 cores, parallel test files) can take longer than the default 20 s.
    readyTimeoutMs: 90_000,
  });
}

beforeAll(async () => {
  dir = makeTempDir('store-edge-console-ticket-');
  await start();
  const r = await fetch(`${agent.baseUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-test-password' }),
  });
  admin = ((await r.json()) as { token: string }).token;
  expect((await api('/api/v1/items/SKU-1', ITEM)).status).toBe(200);
  await receive(3);
  browser = await launchBrowser();
  browser.context.on('request', (req) => urls.push(req.url()));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  agent?.kill('SIGKILL');
  await agent?.exited;
  dir?.remove();
});

describe('console live events with a ticket', () => {
  it('follows movements live, survives an agent restart, and never puts the token in a URL', {
    timeout: 180_000,
  }, async () => {
    const page = await browser.context.newPage();
    await page.goto(`${agent.baseUrl}/`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('admin-test-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    const token = await sessionToken(page);

    await page.goto(`${agent.baseUrl}/stock?sku=SKU-1`);
    await page.getByTestId('total-on-hand').getByText('3').waitFor();
    await page.locator('.live.up').waitFor();
    await receive(4);
    // Only the event stream tells the page: it does not poll.
    await page.getByTestId('total-on-hand').getByText('7').waitFor();

    // A restart ends the stream; the browser's own retry would present the used ticket, so the
    // console comes back with a fresh one.
    const { httpPort, mqttPort } = agent;
    agent.kill('SIGTERM');
    await agent.exited;
    await page.locator('.live.down').waitFor();
    await start(httpPort, mqttPort);
    await page.locator('.live.up').waitFor({ timeout: 15_000 });
    await receive(5);
    await page.getByTestId('total-on-hand').getByText('12').waitFor();

    const tickets = urls.filter((u) => new URL(u).pathname === '/api/v1/events');
    expect(tickets.length).toBeGreaterThanOrEqual(2);
    for (const u of tickets) expect(new URL(u).searchParams.get('ticket')).toMatch(/^sev_/);
    expect(new Set(tickets).size).toBe(tickets.length);
    expect(urls.filter((u) => u.includes(token) || u.includes(encodeURIComponent(token)))).toEqual([]);
    expect(urls.some((u) => u.includes('access_token'))).toBe(false);

    // Log out from the console: the agent revokes the token.
    expect((await api('/api/v1/me', undefined, token)).status).toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Username').waitFor();
    expect((await api('/api/v1/me', undefined, token)).status).toBe(401);
    await page.close();
  });
});
